/**
 * Sparklines in the runs table's metric cells: what to ask `POST /api/series` for, and how a
 * series becomes a tiny polyline. Pure, so it is tested without a browser; the fetching and
 * caching is `sparkline-store.ts`.
 */
import type { Experiment, MetricSummary } from '$contracts/experiments';
import type { MetricAggregate } from '$contracts/query/ast';
import { MAX_SERIES_METRICS, MAX_SERIES_RUNS, type SeriesColumns } from '$contracts/series';

/** Drawn size (CSS px); the cell reserves it whether or not the line has arrived. */
export const SPARK_WIDTH = 56;
export const SPARK_HEIGHT = 16;
/** Buckets per series: about two pixels per point at this width is as fine as the eye can see. */
export const SPARK_BUCKETS = 28;
/** Keeps the stroke and the end dot inside the box. */
const INSET = 2;

/** One (run, metric) series as the sparkline needs it: x (steps) and y, with each bucket's extremes. */
export interface SparkSeries {
	x: number[];
	y: number[];
	min: number[];
	max: number[];
}

export const sparkKey = (experimentId: string, metric: string) => `${experimentId}\n${metric}`;

/**
 * What a fetched sparkline was read from: the row's summary changes (more points, a later step)
 * exactly when the series does, so a live run's sparkline is read again after the list re-reads
 * its row, and a finished run's never is.
 */
export function seriesVersion(summary: Pick<MetricSummary, 'count' | 'last_step'>): string {
	return `${summary.count}:${summary.last_step ?? ''}`;
}

export interface Known {
	/** The version a cached (or requested) sparkline was read at; undefined when it has none. */
	version(key: string): string | undefined;
}

export interface SparkRequest {
	experimentIds: string[];
	metrics: string[];
	/** key → the version each pair is read at (every pair the request covers, wanted or not). */
	versions: Map<string, string>;
}

/**
 * One request for the rows on screen: the runs with a shown metric whose sparkline is missing
 * or older than its row, × the metrics any of them needs. Rows without the metric need nothing
 * (the cell shows —). Undefined when every sparkline is current. At most the API's bounds.
 */
export function planRequest(
	rows: readonly Pick<Experiment, 'id' | 'metrics'>[],
	metrics: readonly string[],
	known: Known
): SparkRequest | undefined {
	const ids: string[] = [];
	const names = new Set<string>();
	for (const row of rows) {
		if (ids.length === MAX_SERIES_RUNS) break;
		const stale = metrics.filter((name) => {
			const summary = row.metrics.find((m) => m.name === name);
			return summary && summary.count > 0 && known.version(sparkKey(row.id, name)) !== seriesVersion(summary);
		});
		if (stale.length === 0 || ids.includes(row.id)) continue;
		ids.push(row.id);
		for (const name of stale) if (names.size < MAX_SERIES_METRICS) names.add(name);
	}
	if (ids.length === 0 || names.size === 0) return undefined;
	const chosen = metrics.filter((name) => names.has(name));
	const versions = new Map<string, string>();
	for (const row of rows) {
		if (!ids.includes(row.id)) continue;
		for (const name of chosen) {
			const summary = row.metrics.find((m) => m.name === name);
			if (summary && summary.count > 0) versions.set(sparkKey(row.id, name), seriesVersion(summary));
		}
	}
	return { experimentIds: ids, metrics: chosen, versions };
}

/** The answer's series, by key, in the compact shape kept in the cache. */
export function seriesByKey(series: readonly SeriesColumns[]): Map<string, SparkSeries> {
	return new Map(
		series.map((s) => [sparkKey(s.experiment_id, s.metric), { x: s.x, y: s.y, min: s.min, max: s.max }])
	);
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
