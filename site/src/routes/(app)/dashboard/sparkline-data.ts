/**
 * Sparklines in the runs table's metric cells: what to ask `POST /api/series` for. Pure, so it is
 * tested without a browser; the fetching and caching is `sparkline-store.ts`, the drawing
 * `sparkline-shape.ts` (re-exported here).
 */
import type { Experiment, MetricSummary } from '$contracts/experiments';
import { MAX_SERIES_METRICS, MAX_SERIES_RUNS, type SeriesColumns } from '$contracts/series';
import type { SparkSeries } from './sparkline-shape';

export { SPARK_HEIGHT, SPARK_WIDTH, sparkShape, type SparkSeries, type SparkShape } from './sparkline-shape';

/** Buckets per series: about two pixels per point at this width is as fine as the eye can see. */
export const SPARK_BUCKETS = 28;

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
