/**
 * The continuous colour scale lines are coloured by when they show a metric or result: viridis,
 * which reads in order for colour-blind readers and in greyscale. Low values are dark purple,
 * high ones yellow.
 */
const STOPS = [
	'#440154',
	'#482878',
	'#3e4989',
	'#31688e',
	'#26828e',
	'#1f9e89',
	'#35b779',
	'#6ece58',
	'#b5de2b',
	'#fde725'
];

function rgb(hex: string): [number, number, number] {
	const n = Number.parseInt(hex.slice(1), 16);
	return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const RGB = STOPS.map(rgb);

/** The colour at `t` (0 = lowest, 1 = highest; clamped), as `rgb(r g b)`. */
export function scaleColor(t: number): string {
	const clamped = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
	const scaled = clamped * (RGB.length - 1);
	const index = Math.min(RGB.length - 2, Math.floor(scaled));
	const f = scaled - index;
	const [a, b] = [RGB[index], RGB[index + 1]];
	const mix = (i: number) => Math.round(a[i] + (b[i] - a[i]) * f);
	return `rgb(${mix(0)} ${mix(1)} ${mix(2)})`;
}

/** The scale as a CSS gradient, left (low) to right (high), for its legend. */
export const SCALE_GRADIENT = `linear-gradient(to right, ${STOPS.join(', ')})`;
