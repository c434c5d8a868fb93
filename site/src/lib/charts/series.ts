import type { BucketedSeries, RawSeries } from '$contracts/logs';

/**
 * One named curve of a chart, in columns. The arrays are read, never changed, by the chart; to
 * redraw after appending points, pass a new `ChartSeries` object (the arrays may be the same).
 */
export interface ChartSeries {
	/** Legend and read-out label, e.g. the metric or (on the compare page) the experiment name. */
	label: string;
	/** Any CSS colour the canvas understands (`#rrggbb` recommended: the band is drawn with alpha). */
	color: string;
	/** Ascending steps; for bucketed data, the step of each bucket's last point. */
	steps: ArrayLike<number>;
	/** Wall time of each point in epoch milliseconds. */
	times: ArrayLike<number>;
	/** The value at each step; for bucketed data, each bucket's last value. */
	values: ArrayLike<number>;
	/** Bucketed data only: the band drawn behind the line (each bucket's min and max). */
	mins?: ArrayLike<number>;
	maxs?: ArrayLike<number>;
}

/** Colours readable on both the light and the dark background, in the order series get them. */
export const PALETTE = [
	'#ea580c',
	'#2563eb',
	'#16a34a',
	'#c026d3',
	'#0891b2',
	'#ca8a04',
	'#dc2626',
	'#7c3aed',
	'#0d9488',
	'#db2777'
];

/** The n-th palette colour, wrapping around. */
export function paletteColor(index: number): string {
	return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/**
 * Palette colours by name, handed out in the order names are first asked for and then kept. A
 * Map, so that any name ("__proto__", "constructor") is just a key.
 */
export function colorsByName(): (name: string) => string {
	const colors = new Map<string, string>();
	return (name) => {
		let color = colors.get(name);
		if (color === undefined) {
			color = paletteColor(colors.size);
			colors.set(name, color);
		}
		return color;
	};
}

/**
 * A series as `GET /api/experiments/:id/metrics` returns it, as chart columns. Buckets are drawn
 * at their last point's step with their min/max as the band.
 */
export function toChartSeries(read: RawSeries | BucketedSeries, label: string, color: string): ChartSeries {
	if (read.resolution === 'raw') {
		return { label, color, steps: read.steps, times: read.times, values: read.values };
	}
	return {
		label,
		color,
		steps: read.last_steps,
		times: read.times,
		values: read.lasts,
		mins: read.mins,
		maxs: read.maxs
	};
}

/** How many logged points the series stands for: the sum of bucket counts, or the point count. */
export function pointCount(read: RawSeries | BucketedSeries): number {
	if (read.resolution === 'raw') return read.steps.length;
	let total = 0;
	for (const count of read.counts) total += Number(count);
	return total;
}
