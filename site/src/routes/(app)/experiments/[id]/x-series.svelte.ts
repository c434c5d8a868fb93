import type { SeriesColumns } from '$contracts/series';
import { api, errorMessage } from '$lib/api';
import { SvelteMap } from 'svelte/reactivity';
import { VersionedReads } from '$lib/charts/versioned-reads';
import { byMetric } from './panel-lines';

export interface XSeriesEntry {
	/** By metric name; undefined while loading. */
	series?: ReadonlyMap<string, SeriesColumns>;
	error?: string;
}

/**
 * Panels drawn against another metric of the run: their series read through `POST /api/series`
 * with `x: {metric}` (the server pairs the two metrics by step), kept per (x metric, metrics) for
 * the page's life. A panel passes a `version` of the data it depends on (its metrics' point
 * counts), so a live run's panels are read again as points arrive, like its step panels follow
 * them (at most one read per panel every few seconds, see VersionedReads).
 */
export class XSeriesLoader {
	#entries = new SvelteMap<string, XSeriesEntry>();
	#reads: VersionedReads;

	constructor(
		private experimentId: string,
		private buckets: number
	) {
		this.#reads = new VersionedReads((key) => this.#read(key));
	}

	static key(x: string, metrics: readonly string[]): string {
		return JSON.stringify([x, metrics]);
	}

	entry(x: string, metrics: readonly string[]): XSeriesEntry | undefined {
		return this.#entries.get(XSeriesLoader.key(x, metrics));
	}

	/**
	 * Starts reading unless already read (at this `version`) or on its way; what was read stays
	 * shown while it is read again (call from an effect, not while rendering).
	 */
	request(x: string, metrics: readonly string[], version = ''): void {
		if (metrics.length === 0) return;
		const key = XSeriesLoader.key(x, metrics);
		if (!this.#entries.has(key)) this.#entries.set(key, {});
		this.#reads.want(key, version);
	}

	#read(key: string): Promise<void> {
		const [x, metrics] = JSON.parse(key) as [string, string[]];
		return api.series
			.batch({
				experimentIds: [this.experimentId],
				metrics,
				x: { metric: x },
				buckets: this.buckets
			})
			.then(
				(batch) => void this.#entries.set(key, { series: byMetric(batch.series) }),
				(error) => {
					// A failed re-read keeps the series shown; only a first read shows the error.
					if (this.#entries.get(key)?.series) return;
					this.#entries.set(key, {
						error: errorMessage(error, { fallback: `Could not read the series against ${x}.` })
					});
				}
			);
	}
}
