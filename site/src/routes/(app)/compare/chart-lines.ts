/**
 * From a `POST /api/series` answer to the compare page's chart lines, one list per metric: a line
 * per run in its own colour, or, grouped, a mean line with its band per group in the group's
 * colour and, for groups opened in the legend, the members' lines in shades of it.
 */
import type { GroupColumns, SeriesBatch, SeriesColumns } from '$contracts/series';
import { memberShade } from '$lib/charts/run-colors';
import type { PanelLine } from '$lib/charts/panel-data';

/** A group's line key: never a run id (a UUID), so both can share one chart. */
export const groupLineKey = (label: string) => `group:${label}`;

export interface LineContext {
	/** Run id → name, for labels. */
	names: Map<string, string>;
	/** Run id → colour (ungrouped lines). */
	colors: Map<string, string>;
	/** Group label → colour. */
	groupColors: Map<string, string>;
	/** Groups whose members are drawn too. */
	expanded: Set<string>;
}

function runLine(
	series: SeriesColumns,
	context: LineContext,
	color: string,
	role: PanelLine['role']
): PanelLine {
	return {
		key: series.experiment_id,
		label: context.names.get(series.experiment_id) ?? series.experiment_id,
		color,
		x: series.x,
		y: series.y,
		role
	};
}

function groupLine(group: GroupColumns, color: string): PanelLine {
	const n = group.experiment_ids.length;
	return {
		key: groupLineKey(group.group),
		label: `${group.group} (${n} ${n === 1 ? 'run' : 'runs'})`,
		color,
		x: group.x,
		y: group.median ?? group.mean,
		lo: group.lo,
		hi: group.hi,
		role: 'group'
	};
}

/** Lines by metric name, in the answer's metric order; metrics without a line are left out. */
export function chartLines(batch: SeriesBatch, context: LineContext): Map<string, PanelLine[]> {
	const byMetric = new Map<string, PanelLine[]>(batch.metrics.map((name) => [name, []]));
	const push = (metric: string, line: PanelLine) => byMetric.get(metric)?.push(line);
	if (batch.groups.length === 0) {
		for (const series of batch.series) {
			push(
				series.metric,
				runLine(series, context, context.colors.get(series.experiment_id) ?? '#71717a', 'line')
			);
		}
	} else {
		const members = new Map<string, SeriesColumns>();
		for (const series of batch.series) members.set(`${series.metric}\u0000${series.experiment_id}`, series);
		for (const group of batch.groups) {
			const color = context.groupColors.get(group.group) ?? '#71717a';
			push(group.metric, groupLine(group, color));
			if (!context.expanded.has(group.group)) continue;
			group.experiment_ids.forEach((id, index) => {
				const series = members.get(`${group.metric}\u0000${id}`);
				const shade = memberShade(color, index, group.experiment_ids.length);
				if (series) push(group.metric, runLine(series, context, shade, 'member'));
			});
		}
	}
	return new Map([...byMetric].filter(([, lines]) => lines.length > 0));
}

/**
 * The key of the line to highlight for the runs highlighted elsewhere on the page: a group's
 * line when they are exactly a group's members, else the one run's own line.
 */
export function highlightKey(
	ids: ReadonlySet<string> | undefined,
	groups: readonly { label: string; runIds: string[] }[] | undefined
): string | null {
	if (!ids || ids.size === 0) return null;
	const group = groups?.find((g) => g.runIds.length === ids.size && g.runIds.every((id) => ids.has(id)));
	if (group) return groupLineKey(group.label);
	return ids.size === 1 ? [...ids][0] : null;
}

/** The runs a chart line stands for (its group's members, or the run itself). */
export function idsOfLine(
	key: string,
	groups: readonly { label: string; runIds: string[] }[] | undefined
): string[] {
	if (key.startsWith('group:')) return groups?.find((g) => groupLineKey(g.label) === key)?.runIds ?? [];
	return [key];
}
