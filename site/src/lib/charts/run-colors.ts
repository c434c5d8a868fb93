/**
 * Colours that belong to what they colour: a run's colour comes from its id, a metric's from its
 * name, a group's from its label, so the same run is the same colour on the dashboard, the
 * experiment page and every comparison, however many runs are shown and in whatever order.
 */
import { hexToLinear, linearToHex, linearToOklab, oklabToLinear, type Rgb } from './color-space';

/**
 * 24 colours picked by a max-min search over the sRGB cube (steps of 5) for lines and dots:
 *
 * - every colour has a WCAG contrast of at least 3:1 (the bar for graphics) both on white and on
 *   zinc-950 (#09090b), the two page backgrounds, and an OKLab chroma of at least 0.09 (no greys,
 *   which read as "disabled");
 * - any two differ by ΔE_OK ≥ 0.10 for normal vision and ≥ 0.045 under full protanopia,
 *   deuteranopia and tritanopia (Machado, Oliveira & Fernandes 2009, severity 1, in linear RGB).
 *
 * `run-colors.test.ts` recomputes all of it. Under colour-vision deficiency a 3:1 band of
 * lightness leaves little room: these minimums are what 24 colours allow there, and the pairs at
 * the minimum differ in lightness as well as hue.
 */
export const RUN_PALETTE: readonly string[] = [
	'#eb4bff',
	'#00a082',
	'#235f9b',
	'#be050f',
	'#cd78a5',
	'#64a000',
	'#8c05dc',
	'#9b7ddc',
	'#be6450',
	'#d746b4',
	'#877800',
	'#eb7300',
	'#5032ff',
	'#aa149b',
	'#5a7db9',
	'#914b4b',
	'#2d96ff',
	'#a55a8c',
	'#7850b9',
	'#af9150',
	'#d20f69',
	'#af4be1',
	'#ff4b87',
	'#50640f'
];

/** FNV-1a over UTF-16 code units: stable across browsers and sessions, well spread. */
export function stableHash(text: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

function paletteIndex(key: string): number {
	return stableHash(key) % RUN_PALETTE.length;
}

const runKey = (id: string) => id.toLowerCase();
const metricKey = (name: string) => `metric:${name}`;
const groupKey = (label: string) => `group:${label}`;

export function runColor(id: string): string {
	return RUN_PALETTE[paletteIndex(runKey(id))];
}

export function metricColor(name: string): string {
	return RUN_PALETTE[paletteIndex(metricKey(name))];
}

export function groupColor(label: string): string {
	return RUN_PALETTE[paletteIndex(groupKey(label))];
}

/**
 * Colours for things drawn together, each its own colour where it can be: a key keeps its
 * palette colour unless a key before it (in sorted order, so the answer does not depend on the
 * order asked in) already has it; then it takes the next free palette colour. With 24 colours two
 * of five runs share one about a third of the time, which a chart cannot afford; outside a
 * collision every key keeps the colour it has everywhere else. Beyond 24 keys colours repeat.
 */
function distinct(keys: readonly string[], keyOf: (key: string) => string): Map<string, string> {
	const colors = new Map<string, string>();
	const taken = new Set<number>();
	for (const key of [...new Set(keys)].sort()) {
		const own = paletteIndex(keyOf(key));
		let index = own;
		for (let probe = 0; probe < RUN_PALETTE.length && taken.has(index); probe++) {
			index = (own + probe + 1) % RUN_PALETTE.length;
		}
		if (taken.has(index)) index = own;
		taken.add(index);
		colors.set(key, RUN_PALETTE[index]);
	}
	return colors;
}

/** Run colours for runs shown together (see `distinct`): id → colour. */
export function runColors(ids: readonly string[]): Map<string, string> {
	const byKey = distinct(ids.map(runKey), (key) => key);
	return new Map(ids.map((id) => [id, byKey.get(runKey(id))!]));
}

/** Metric colours for metrics drawn on one chart (see `distinct`): name → colour. */
export function metricColors(names: readonly string[]): Map<string, string> {
	return distinct(names, metricKey);
}

/** Group colours for groups drawn together (see `distinct`): label → colour. */
export function groupColors(labels: readonly string[]): Map<string, string> {
	return distinct(labels, groupKey);
}

/** How far, in OKLab lightness, the lightest and darkest member shades may stray from the group's colour. */
const SHADE_SPREAD = 0.14;

/**
 * The colour of member `index` of `count` members of a group coloured `color`: shades of the same
 * hue, from darker to lighter, so members read as one family while staying apart. One member
 * gets the group's colour itself.
 */
export function memberShade(color: string, index: number, count: number): string {
	if (count <= 1) return color;
	const [L, a, b] = linearToOklab(hexToLinear(color));
	const t = Math.min(Math.max(index / (count - 1), 0), 1) * 2 - 1;
	const spread = Math.min(SHADE_SPREAD, 0.035 * (count - 1));
	const lightness = Math.min(Math.max(L + t * spread, 0.25), 0.9);
	// Lighter and darker shades hold less chroma inside sRGB: shrink it until the colour fits.
	for (let chroma = 1; chroma > 0; chroma -= 0.05) {
		const rgb = oklabToLinear([lightness, a * chroma, b * chroma]);
		if (rgb.every((c) => c >= -1e-4 && c <= 1 + 1e-4)) return linearToHex(rgb);
	}
	return linearToHex(oklabToLinear([lightness, 0, 0] as Rgb));
}
