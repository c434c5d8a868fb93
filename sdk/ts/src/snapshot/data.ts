/**
 * What a snapshot file carries: a few runs as their pages show them (hyperparameters, results,
 * notes) and their metric series, bucketed to about what a chart can draw. Shared by the writer
 * (`render.ts`, in Node for `tora snapshot` and in the browser for "Download as HTML") and the
 * viewer script inlined into the file.
 */

export type SnapshotHyperparam = string | number | boolean;

export interface SnapshotRun {
	id: string;
	name: string;
	status: string;
	created_at: string;
	description: string;
	tags: string[];
	hyperparams: Array<{ key: string; value: SnapshotHyperparam }>;
	results: Array<{ name: string; value: number }>;
	/** Markdown as written; the file shows it as plain text. */
	notes: string;
}

/** One (run, metric) series: indexes into `runs` and `metrics`, steps and values in step order. */
export interface SnapshotSeries {
	run: number;
	metric: number;
	x: number[];
	y: number[];
}

export interface SnapshotData {
	/** Bumped when the shape changes, so a viewer can tell which files it reads. */
	version: 1;
	title: string;
	/** When the snapshot was taken (ISO 8601). */
	taken_at: string;
	runs: SnapshotRun[];
	metrics: string[];
	series: SnapshotSeries[];
	/** The most points any one series may hold in this file (the server buckets down to it). */
	buckets: number;
	/** Some metrics or points were left out to keep the file bounded; `reason` says which. */
	truncated: boolean;
	reason: string | null;
}

/** Points per series when there is room: about a wide chart's width in pixels. */
export const SNAPSHOT_BUCKETS = 1000;
/** Points one file holds in all, so its size is bounded whatever is asked for. */
export const MAX_SNAPSHOT_POINTS = 100_000;
/** The fewest points per series, with many runs × metrics (a curve still has a shape). */
export const MIN_SNAPSHOT_BUCKETS = 20;
/** As `POST /api/series` allows in one request. */
export const MAX_SNAPSHOT_RUNS = 100;
export const MAX_SNAPSHOT_METRICS = 50;
/** The size promised for 10 metrics × 5 runs at full resolution (stated in the file). */
export const SNAPSHOT_SIZE_GOAL_BYTES = 2 * 1024 * 1024;
/** Values are stored to this many significant digits: more than a chart or its hover shows. */
export const SNAPSHOT_DIGITS = 7;

/** Points per series for `series` series: the full resolution, or less so the file stays bounded. */
export function snapshotBuckets(series: number): number {
	const share = Math.floor(MAX_SNAPSHOT_POINTS / Math.max(series, 1));
	return Math.max(MIN_SNAPSHOT_BUCKETS, Math.min(SNAPSHOT_BUCKETS, share));
}
