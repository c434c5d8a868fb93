/**
 * Fetches and keeps the runs table's sparklines: told which rows are on screen, it waits until
 * they stop changing (scrolling), then reads what is missing or stale in ONE `POST /api/series`
 * for the whole window, one request at a time. Entries live in the map it is given (a SvelteMap
 * in the page, so each cell redraws when its own entry arrives), oldest dropped beyond a bound.
 */
import type * as z from 'zod';
import type { Experiment } from '$contracts/experiments';
import {
	MAX_SERIES_METRICS,
	MAX_SERIES_RUNS,
	type SeriesBatch,
	type SeriesBatchBody
} from '$contracts/series';
import { planRequest, seriesByKey, sparkKey, SPARK_BUCKETS, type SparkSeries } from './sparkline-data';

export interface SparkEntry {
	/** The row summary's version the series was read at (`seriesVersion`). */
	version: string;
	/** Null when the run turned out to have no such series. */
	series: SparkSeries | null;
}

export interface SparklineStoreOptions {
	entries: Map<string, SparkEntry>;
	fetch: (body: z.input<typeof SeriesBatchBody>) => Promise<Pick<SeriesBatch, 'series'>>;
	/** How long the rows on screen must stay put before they are read. */
	quietMs?: number;
}

/** Scrolling moves the window every frame; a reader stopping on rows keeps it for longer. */
export const QUIET_MS = 150;
/** Room for the largest request (100 runs × 50 metrics), so one window never evicts itself. */
export const CAPACITY = MAX_SERIES_RUNS * MAX_SERIES_METRICS;
const RETRY_MS = 2000;
const MAX_RETRY_MS = 60_000;

type Row = Pick<Experiment, 'id' | 'metrics'>;

export class SparklineStore {
	#entries: Map<string, SparkEntry>;
	#fetch: SparklineStoreOptions['fetch'];
	#quietMs: number;
	#wanted: { rows: readonly Row[]; metrics: readonly string[] } | undefined;
	/** key → version of the pairs the request in flight reads. */
	#reading = new Map<string, string>();
	#busy = false;
	#failures = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#stopped = false;

	constructor(options: SparklineStoreOptions) {
		this.#entries = options.entries;
		this.#fetch = options.fetch;
		this.#quietMs = options.quietMs ?? QUIET_MS;
	}

	/** The series of a cell, once read; undefined while unknown or when the run has none. */
	get(experimentId: string, metric: string): SparkSeries | undefined {
		return this.#entries.get(sparkKey(experimentId, metric))?.series ?? undefined;
	}

	/** The rows now on screen and the metric columns shown; read once they have been still a moment. */
	show(rows: readonly Row[], metrics: readonly string[]): void {
		this.#wanted = { rows, metrics };
		this.#schedule(this.#quietMs);
	}

	stop(): void {
		this.#stopped = true;
		clearTimeout(this.#timer);
	}

	#schedule(ms: number) {
		if (this.#stopped) return;
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => void this.#read(), ms);
	}

	async #read() {
		// The request in flight schedules the next read when it ends.
		if (this.#busy || !this.#wanted) return;
		const plan = planRequest(this.#wanted.rows, this.#wanted.metrics, {
			version: (key) => this.#reading.get(key) ?? this.#entries.get(key)?.version
		});
		if (!plan) return;
		this.#busy = true;
		for (const [key, version] of plan.versions) this.#reading.set(key, version);
		try {
			const answer = await this.#fetch({
				experimentIds: plan.experimentIds,
				metrics: plan.metrics,
				buckets: SPARK_BUCKETS,
				x: 'step'
			});
			if (this.#stopped) return;
			const read = seriesByKey(answer.series);
			for (const [key, version] of plan.versions) this.#put(key, { version, series: read.get(key) ?? null });
			this.#failures = 0;
		} catch {
			this.#failures++;
		} finally {
			this.#busy = false;
			this.#reading.clear();
		}
		// The window may have moved while reading; after a failure, try again later.
		this.#schedule(this.#failures ? Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** (this.#failures - 1)) : 0);
	}

	#put(key: string, entry: SparkEntry) {
		this.#entries.delete(key);
		this.#entries.set(key, entry);
		if (this.#entries.size > CAPACITY) {
			const oldest = this.#entries.keys().next().value;
			if (oldest !== undefined) this.#entries.delete(oldest);
		}
	}
}
