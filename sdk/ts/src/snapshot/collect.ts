/**
 * Reads what a snapshot holds through the ordinary API, so the CLI (an API key) and the site (a
 * session) write the same file: each run's own read, then one `POST /api/series` for every
 * (run, metric) at the resolution the file can afford.
 */
import {
	MAX_SNAPSHOT_METRICS,
	MAX_SNAPSHOT_RUNS,
	SNAPSHOT_DIGITS,
	snapshotBuckets,
	type SnapshotData,
	type SnapshotHyperparam,
	type SnapshotRun,
	type SnapshotSeries
} from './data.js';

/** The fields of `GET /api/experiments/:id` a snapshot reads. */
export interface SnapshotExperimentRead {
	id: string;
	name: string;
	status?: string;
	created_at: string;
	description: string | null;
	tags: string[];
	hyperparams: Array<{ key: string; value: SnapshotHyperparam }>;
	results: Array<{ name: string; value: number }>;
	metrics: Array<{ name: string; count: number }>;
	notes?: string;
}

/** The parts of a `POST /api/series` answer a snapshot reads. */
export interface SnapshotSeriesRead {
	buckets: number;
	truncated: boolean;
	series: Array<{ experiment_id: string; metric: string; x: number[]; y: number[] }>;
}

export interface SnapshotSeriesRequest {
	experimentIds: string[];
	metrics: string[];
	buckets: number;
}

/** How a snapshot reaches the API: the caller's own client, whatever its credentials. */
export interface SnapshotSource {
	experiment(id: string): Promise<SnapshotExperimentRead>;
	series(body: SnapshotSeriesRequest): Promise<SnapshotSeriesRead>;
}

/** Runs read at once: enough to overlap round trips, few enough to be polite to the server. */
const CONCURRENT_READS = 6;

const round = (value: number) => Number(value.toPrecision(SNAPSHOT_DIGITS));

function toRun(read: SnapshotExperimentRead): SnapshotRun {
	return {
		id: read.id,
		name: read.name,
		status: read.status ?? 'unknown',
		created_at: read.created_at,
		description: read.description ?? '',
		tags: read.tags,
		hyperparams: read.hyperparams,
		results: read.results.map(({ name, value }) => ({ name, value })),
		notes: read.notes ?? ''
	};
}

async function readRuns(source: SnapshotSource, ids: string[]): Promise<SnapshotExperimentRead[]> {
	const reads: SnapshotExperimentRead[] = [];
	for (let at = 0; at < ids.length; at += CONCURRENT_READS) {
		reads.push(
			...(await Promise.all(ids.slice(at, at + CONCURRENT_READS).map((id) => source.experiment(id))))
		);
	}
	return reads;
}

/** A snapshot of `experimentIds` (in that order), titled `title` or after the one run. */
export async function collectSnapshot(
	source: SnapshotSource,
	experimentIds: readonly string[],
	options: { title?: string; now?: Date } = {}
): Promise<SnapshotData> {
	const ids = [...new Set(experimentIds)];
	if (ids.length === 0) throw new Error('a snapshot needs at least one experiment');
	if (ids.length > MAX_SNAPSHOT_RUNS) {
		throw new Error(`a snapshot holds at most ${MAX_SNAPSHOT_RUNS} experiments, got ${ids.length}`);
	}
	const reads = await readRuns(source, ids);
	const allMetrics = [...new Set(reads.flatMap((read) => read.metrics.map((m) => m.name)))].sort();
	const metrics = allMetrics.slice(0, MAX_SNAPSHOT_METRICS);
	const reasons: string[] = [];
	if (allMetrics.length > metrics.length) {
		reasons.push(`the first ${metrics.length} of ${allMetrics.length} metrics (by name)`);
	}

	let series: SnapshotSeries[] = [];
	let buckets = snapshotBuckets(ids.length * metrics.length);
	if (metrics.length > 0) {
		const answer = await source.series({ experimentIds: ids, metrics, buckets });
		if (answer.truncated || answer.buckets < buckets) buckets = Math.min(buckets, answer.buckets);
		const runIndex = new Map(ids.map((id, index) => [id, index]));
		const metricIndex = new Map(metrics.map((name, index) => [name, index]));
		series = answer.series.flatMap((s) => {
			const run = runIndex.get(s.experiment_id);
			const metric = metricIndex.get(s.metric);
			if (run === undefined || metric === undefined || s.x.length === 0) return [];
			return [{ run, metric, x: s.x, y: s.y.map(round) }];
		});
	}
	const kept = new Set(metrics);
	const bucketed = reads.some((read) => read.metrics.some((m) => kept.has(m.name) && m.count > buckets));
	if (bucketed) reasons.push(`at most ${buckets} points per series (the last value of each step bucket)`);

	return {
		version: 1,
		title: options.title ?? (reads.length === 1 ? reads[0].name : `${reads.length} experiments compared`),
		taken_at: (options.now ?? new Date()).toISOString(),
		runs: reads.map(toRun),
		metrics,
		series,
		buckets,
		truncated: reasons.length > 0,
		reason: reasons.length > 0 ? `This file holds ${reasons.join(' and ')}.` : null
	};
}
