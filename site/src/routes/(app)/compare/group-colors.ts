/**
 * Colours for the groups of a comparison. A handful of groups drawn as bands over each other must
 * be told apart at a glance, which a colour per label alone does not give: the run palette holds
 * several magentas, and three groups landing on three of them read as one. So each group keeps
 * its own colour (`groupColor`, the same in every comparison) unless it is too close to a group
 * before it (in label order); then it takes the palette colour farthest from those already taken.
 */
import { deltaE, hexToLinear, linearToOklab } from '$lib/charts/color-space';
import { groupColor, memberShade, RUN_PALETTE, runColor } from '$lib/charts/run-colors';

/** ΔE_OK below which two group colours count as too alike for overlapping bands. */
export const MIN_GROUP_DISTANCE = 0.2;

const oklab = (hex: string) => linearToOklab(hexToLinear(hex));

export function distinctGroupColors(labels: readonly string[]): Map<string, string> {
	const taken: string[] = [];
	const colors = new Map<string, string>();
	const distance = (color: string) => Math.min(...taken.map((other) => deltaE(oklab(color), oklab(other))));
	for (const label of [...new Set(labels)].sort()) {
		let color = groupColor(label);
		if (taken.length && distance(color) < MIN_GROUP_DISTANCE) {
			// Beyond what the palette can keep apart, colours repeat: take the least close one.
			color = RUN_PALETTE.reduce((best, candidate) =>
				distance(candidate) > distance(best) ? candidate : best
			);
		}
		taken.push(color);
		colors.set(label, color);
	}
	return colors;
}

/**
 * Run id → colour: the run's own (the same on every page), or, grouped, a shade of its group's
 * colour (members in the group's order), so a group's members read as one family.
 */
export function compareRunColors(
	runIds: readonly string[],
	groups: readonly { label: string; runIds: string[] }[] | undefined,
	groupColors: Map<string, string>
): Map<string, string> {
	if (!groups) return new Map(runIds.map((id) => [id, runColor(id)]));
	const colors = new Map<string, string>();
	for (const group of groups) {
		const color = groupColors.get(group.label) ?? groupColor(group.label);
		group.runIds.forEach((id, i) => colors.set(id, memberShade(color, i, group.runIds.length)));
	}
	return colors;
}
