import type { SeriesColumns } from '$contracts/series';
import { api, errorMessage } from '$lib/api';
import { SvelteMap } from 'svelte/reactivity';
import { byMetric } from './panel-lines';

export interface XSeriesEntry {
	/** By metric name; undefined while loading. */
	series?: ReadonlyMap<string, SeriesColumns>;
	error?: string;
}

/**
 * Panels drawn against another metric of the run: their series read once through
 * `POST /api/series` with `x: {metric}` (the server pairs the two metrics by step), kept per
 * (x metric, metrics) for the page's life. They do not follow a live run; reloading the page does.
 */
export class XSeriesLoader {
	#entries = new SvelteMap<string, XSeriesEntry>();

	constructor(
		private experimentId: string,
		private buckets: number
	) {}

	static key(x: string, metrics: readonly string[]): string {
		return JSON.stringify([x, metrics]);
	}

	entry(x: string, metrics: readonly string[]): XSeriesEntry | undefined {
		return this.#entries.get(XSeriesLoader.key(x, metrics));
	}

	/** Starts reading unless already read or on its way (call from an effect, not while rendering). */
	request(x: string, metrics: readonly string[]): void {
		const key = XSeriesLoader.key(x, metrics);
		if (this.#entries.has(key) || metrics.length === 0) return;
		this.#entries.set(key, {});
		api.series
			.batch({
				experimentIds: [this.experimentId],
				metrics: [...metrics],
				x: { metric: x },
				buckets: this.buckets
			})
			.then(
				(batch) => this.#entries.set(key, { series: byMetric(batch.series) }),
				(error) =>
					this.#entries.set(key, {
						error: errorMessage(error, { fallback: `Could not read the series against ${x}.` })
					})
			);
	}
}
