import type { BucketedSeries, RawSeries, SeriesRead } from '$contracts/logs';
import { pointCount } from '$lib/charts/series';
import { readSeriesPage } from '$lib/experiments/api';
import { poller } from './poller';

/** What one chart shows: raw points, or buckets (`bucketWidth` > 1) with their min/max band. */
export interface MetricData {
	/** 1 for raw points. */
	bucketWidth: number;
	/** How many logged points the data stands for. */
	points: number;
	steps: number[];
	times: number[];
	values: number[];
	mins?: number[];
	maxs?: number[];
}

export interface MetricView {
	name: string;
	/** Points logged to the series in total (its summary). */
	count: number;
	/** The whole series, kept current while the run is live. */
	full: MetricData;
	/** A drag-selected step range and its finer data (null while it loads). */
	zoom: { from: number; to: number; data: MetricData | null } | null;
}

const POLL_INTERVAL_MS = 1000;

/** A page of series as the API pages them (by name), and the cursor its live polls continue from. */
interface SeriesPage {
	startAfter: string | null;
	cursor: string;
}

function toData(read: RawSeries | BucketedSeries): MetricData {
	if (read.resolution === 'raw') {
		return {
			bucketWidth: 1,
			points: read.steps.length,
			steps: read.steps,
			times: read.times,
			values: read.values
		};
	}
	return {
		bucketWidth: read.bucket_width,
		points: pointCount(read),
		steps: read.last_steps,
		times: read.times,
		values: read.lasts,
		mins: read.mins,
		maxs: read.maxs
	};
}

/** Views of freshly read series, keeping the zoom each had (by name, in a Map: any name is a key). */
function freshViews(series: Array<RawSeries | BucketedSeries>, previous: MetricView[]): MetricView[] {
	const zooms = new Map(previous.map((view) => [view.name, view.zoom]));
	return series.map((one) => ({
		name: one.name,
		count: one.count,
		full: toData(one),
		zoom: zooms.get(one.name) ?? null
	}));
}

/**
 * A poll's new points appended to the views they belong to; series not shown yet become views.
 * `tooLong` when a series now holds more raw points than `maxPoints` (time to bucket it again).
 */
function appendPolled(views: MetricView[], polled: Array<RawSeries | BucketedSeries>, maxPoints: number) {
	// Maps and Sets, not objects: a metric may be called "__proto__" or "constructor".
	const incoming = new Map(
		polled.flatMap((series) => (series.resolution === 'raw' ? [[series.name, series] as const] : []))
	);
	const known = new Set(views.map((view) => view.name));
	let changed = false;
	let tooLong = false;
	const updated = views.map((view) => {
		const series = incoming.get(view.name);
		if (!series || (series.steps.length === 0 && series.count === view.count)) return view;
		const full = view.full;
		// The chart copies the arrays it draws, so growing them in place is safe and cheap.
		full.steps.push(...series.steps);
		full.times.push(...series.times);
		full.values.push(...series.values);
		full.mins?.push(...series.values);
		full.maxs?.push(...series.values);
		changed = true;
		tooLong ||= full.values.length > maxPoints;
		return { ...view, count: series.count, full: { ...full, points: full.points + series.steps.length } };
	});
	const added: MetricView[] = [...incoming.values()]
		.filter((series) => !known.has(series.name))
		.map((series) => ({ name: series.name, count: series.count, full: toData(series), zoom: null }));
	if (added.length === 0) return { views: updated, changed, tooLong };
	const all = [...updated, ...added].sort((a, b) => (a.name < b.name ? -1 : 1));
	return { views: all, changed: true, tooLong };
}

/**
 * An experiment's metric series for its charts: a bucketed read of everything (page by page, as
 * the API serves at most 100 series a request), then (while the run is live) `after=<cursor>`
 * polls of the same pages whose new points are appended. Views are replaced, never mutated, so
 * only the charts whose series changed redraw.
 */
export class ExperimentMetrics {
	views = $state.raw<MetricView[]>([]);
	loaded = $state(false);
	error = $state<string>();
	/** Set while live polling fails; cleared by the next successful poll. */
	pollError = $state<string>();

	#id: string;
	#buckets: number;
	/** Empty until the first full read: nothing to poll yet. */
	#pages: SeriesPage[] = [];
	/** Bumped by every full read, so an older poll's answer is dropped instead of appended twice. */
	#generation = 0;
	#reloading = false;
	#poller = poller(() => this.#poll(), POLL_INTERVAL_MS);

	constructor(id: string, buckets: number) {
		this.#id = id;
		this.#buckets = buckets;
	}

	/** Reads every series at chart resolution, every page of them. */
	async load(): Promise<void> {
		const generation = ++this.#generation;
		try {
			const pages: SeriesPage[] = [];
			const series: Array<RawSeries | BucketedSeries> = [];
			let startAfter: string | null = null;
			do {
				const read: SeriesRead = await readSeriesPage(this.#id, { buckets: this.#buckets, startAfter });
				if (generation !== this.#generation) return;
				pages.push({ startAfter, cursor: read.cursor });
				series.push(...read.series);
				startAfter = read.next_start_after;
			} while (startAfter !== null);
			this.views = freshViews(series, this.views);
			this.#pages = pages;
			this.error = undefined;
		} catch (error) {
			if (generation !== this.#generation) return;
			this.error = error instanceof Error ? error.message : 'Could not load the metrics.';
		} finally {
			if (generation === this.#generation) this.loaded = true;
		}
	}

	/** Polls for new points every second while `on` (and the tab is visible). */
	setLive(on: boolean) {
		if (on) this.#poller.start(true);
		else if (this.#poller.running) {
			this.#poller.stop();
			// Points logged just before the run finished.
			void this.#poll();
		}
	}

	stop() {
		this.#poller.stop();
		this.#generation++;
	}

	async zoom(name: string, range: { from: number; to: number }): Promise<void> {
		this.#update(name, (view) => ({ ...view, zoom: { ...range, data: null } }));
		try {
			const read = await readSeriesPage(this.#id, {
				names: [name],
				buckets: this.#buckets,
				from: range.from,
				to: range.to
			});
			const series = read.series[0];
			this.#update(name, (view) =>
				view.zoom?.from === range.from && view.zoom.to === range.to && series
					? { ...view, zoom: { ...range, data: toData(series) } }
					: view
			);
		} catch (error) {
			this.#update(name, (view) => ({ ...view, zoom: null }));
			this.pollError = error instanceof Error ? `Zoom failed: ${error.message}` : 'Zoom failed.';
		}
	}

	resetZoom(name: string) {
		this.#update(name, (view) => ({ ...view, zoom: null }));
	}

	#update(name: string, change: (view: MetricView) => MetricView) {
		this.views = this.views.map((view) => (view.name === name ? change(view) : view));
	}

	async #poll(): Promise<void> {
		const pages = this.#pages;
		if (pages.length === 0) return;
		const generation = this.#generation;
		const reads: SeriesRead[] = [];
		try {
			for (const page of pages) {
				reads.push(
					await readSeriesPage(this.#id, {
						buckets: this.#buckets,
						startAfter: page.startAfter,
						after: page.cursor
					})
				);
			}
		} catch (error) {
			this.pollError = error instanceof Error ? error.message : 'Live update failed.';
			return;
		}
		if (generation !== this.#generation || pages !== this.#pages) return;
		this.#pages = pages.map((page, i) => ({ ...page, cursor: reads[i].cursor }));
		this.pollError = undefined;

		const merged = appendPolled(
			this.views,
			reads.flatMap((read) => read.series),
			2 * this.#buckets
		);
		if (merged.changed) this.views = merged.views;
		// Series added where the pages no longer reach (a new name shifts the pages after it) are
		// read by a full reload; so is a series whose appended raw points would slow its chart.
		const missing = merged.views.length < reads[reads.length - 1].series_count;
		if ((merged.tooLong || missing) && !this.#reloading) {
			this.#reloading = true;
			await this.load().finally(() => (this.#reloading = false));
		}
	}
}

/**
 * Buckets per series ≈ a chart's width in device pixels (two charts a row on wide screens, one on
 * phones), so finer data would not show and coarser data would look blocky.
 */
export function chartBuckets(viewportWidth: number, pixelRatio: number): number {
	const chartWidth = viewportWidth >= 1024 ? (Math.min(viewportWidth, 1152) - 64) / 2 : viewportWidth - 64;
	return Math.round(Math.min(Math.max(chartWidth * pixelRatio, 300), 2000));
}
