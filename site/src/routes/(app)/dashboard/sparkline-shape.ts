/**
 * How a sparkline is drawn: a series' buckets as a tiny polyline and a dot. Kept apart from what
 * is fetched (sparkline-data.ts, which needs the API's bounds and so its contracts), so the table
 * draws cells without loading them: the page fetches sparklines only after the first rows.
 */
import type { MetricAggregate } from '$contracts/query/ast';

/** Drawn size (CSS px); the cell reserves it whether or not the line has arrived. */
export const SPARK_WIDTH = 56;
export const SPARK_HEIGHT = 16;
/** Keeps the stroke and the end dot inside the box. */
const INSET = 2;

/** One (run, metric) series as the sparkline needs it: x (steps) and y, with each bucket's extremes. */
export interface SparkSeries {
	x: number[];
	y: number[];
	min: number[];
	max: number[];
}

export interface SparkShape {
	/** SVG `points` of the polyline (empty with fewer than two points). */
	points: string;
	/** Where the value the cell shows lies on the line: the last point, or the min or max. */
	dot: { x: number; y: number } | undefined;
}

/**
 * The polyline of a series' bucket values (y at each bucket's highest step) over its steps, in a
 * `width` × `height` box (y grows downwards), and a dot on the value the column shows: `min` and
 * `max` at the bucket holding the extreme (its value, which the line need not pass through),
 * `first` at the start, anything else at the end.
 */
export function sparkShape(
	series: SparkSeries,
	aggregate: MetricAggregate,
	width = SPARK_WIDTH,
	height = SPARK_HEIGHT
): SparkShape {
	const n = series.y.length;
	if (n === 0) return { points: '', dot: undefined };
	const marked = markedPoint(series, aggregate);
	let low = marked.value;
	let high = marked.value;
	for (const y of series.y) {
		if (y < low) low = y;
		if (y > high) high = y;
	}
	const x0 = series.x[0];
	const xSpan = series.x[n - 1] - x0;
	const px = (x: number) => (xSpan > 0 ? INSET + ((x - x0) / xSpan) * (width - 2 * INSET) : width / 2);
	const py = (y: number) =>
		high > low ? INSET + ((high - y) / (high - low)) * (height - 2 * INSET) : height / 2;
	const round = (v: number) => Math.round(v * 10) / 10;
	const points = n < 2 ? '' : series.y.map((y, i) => `${round(px(series.x[i]))},${round(py(y))}`).join(' ');
	return { points, dot: { x: round(px(series.x[marked.index])), y: round(py(marked.value)) } };
}

function markedPoint(series: SparkSeries, aggregate: MetricAggregate): { index: number; value: number } {
	const last = series.y.length - 1;
	if (aggregate === 'first') return { index: 0, value: series.y[0] };
	if (aggregate === 'min' || aggregate === 'max') {
		const values = aggregate === 'min' ? series.min : series.max;
		let index = 0;
		for (let i = 1; i < values.length; i++) {
			if (aggregate === 'min' ? values[i] < values[index] : values[i] > values[index]) index = i;
		}
		if (values.length === series.y.length) return { index, value: values[index] };
	}
	return { index: last, value: series.y[last] };
}
