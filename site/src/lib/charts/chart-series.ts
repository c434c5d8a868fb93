/**
 * From the API's metric series (`GET /api/experiments/:id/metrics`, raw or bucketed) to the
 * experiment page's chart data. Buckets are drawn at their last point's step, with their min/max
 * as a band.
 */
import type { BucketedSeries, RawSeries } from '$contracts/logs';

export type ApiSeries = RawSeries | BucketedSeries;

/** A series' points in columns: what a chart panel draws as one line (and band). */
export interface SeriesColumns {
	/** Ascending steps; for bucketed data, the step of each bucket's last point. */
	steps: number[];
	/** Wall time of each point in epoch milliseconds. */
	times: number[];
	/** The value at each step; for bucketed data, each bucket's last value. */
	values: number[];
	/** Bucketed data only: the band drawn behind the line (each bucket's min and max). */
	mins?: number[];
	maxs?: number[];
}

/** What one chart of the experiment page shows: raw points, or buckets with their band. */
export interface MetricData extends SeriesColumns {
	/** 1 for raw points. */
	bucketWidth: number;
	/** How many logged points the data stands for. */
	points: number;
}

/** A series' columns (the API's own arrays, not copies). */
export function seriesColumns(series: ApiSeries): SeriesColumns {
	if (series.resolution === 'raw') return { steps: series.steps, times: series.times, values: series.values };
	return {
		steps: series.last_steps,
		times: series.times,
		values: series.lasts,
		mins: series.mins,
		maxs: series.maxs
	};
}

/** How many logged points the series stands for: the sum of bucket counts, or the point count. */
export function pointCount(series: ApiSeries): number {
	if (series.resolution === 'raw') return series.steps.length;
	let total = 0;
	for (const count of series.counts) total += Number(count);
	return total;
}

/** A series as the experiment page's chart data. */
export function toMetricData(series: ApiSeries): MetricData {
	return {
		bucketWidth: series.resolution === 'raw' ? 1 : series.bucket_width,
		points: pointCount(series),
		...seriesColumns(series)
	};
}
