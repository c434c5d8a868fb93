import type { SeriesRead } from '$contracts/logs';
import type { SeriesReadRequest } from '$lib/api/experiments';
import { toMetricData, type ApiSeries, type MetricData } from '$lib/charts/chart-series';
import { poller, type Visibility } from './poller';

export interface MetricView {
	name: string;
	/** Points logged to the series in total (its summary). */
	count: number;
	/** The whole series, kept current while the run is live. */
	full: MetricData;
	/** A drag-selected step range and its finer data (null while it loads). */
	zoom: { from: number; to: number; data: MetricData | null } | null;
}

/** What the page shows of the metrics: Svelte state on the page (metrics.svelte.ts), a plain object in tests. */
export interface MetricsState {
	views: MetricView[];
	loaded: boolean;
	error: string | undefined;
	/** Set while live polling fails; cleared by the next successful poll. */
	pollError: string | undefined;
}

export interface LiveMetricsOptions {
	experimentId: string;
	/** Buckets per series: see chartBuckets(). */
	buckets: number;
	/** `api.metrics.read`, or the same from a client with a fake `fetch` in tests. */
	read: (experimentId: string, request: SeriesReadRequest) => Promise<SeriesRead>;
	state?: MetricsState;
	visibility?: Visibility;
}

export const POLL_INTERVAL_MS = 1000;
/** While polls fail, the wait between them doubles up to this. */
export const MAX_POLL_INTERVAL_MS = 16_000;

/** A page of series as the API pages them (by name), and the cursor its live polls continue from. */
interface SeriesPage {
	startAfter: string | null;
	cursor: string;
}

/** Views of freshly read series, keeping the zoom each had (by name, in a Map: any name is a key). */
function freshViews(series: ApiSeries[], previous: MetricView[]): MetricView[] {
	const zooms = new Map(previous.map((view) => [view.name, view.zoom]));
	return series.map((one) => ({
		name: one.name,
		count: one.count,
		full: toMetricData(one),
		zoom: zooms.get(one.name) ?? null
	}));
}

/**
 * A poll's new points appended to the views they belong to; series not shown yet become views.
 * `tooLong` when a series now holds more raw points than `maxPoints` (time to bucket it again).
 */
function appendPolled(views: MetricView[], polled: ApiSeries[], maxPoints: number) {
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
		.map((series) => ({ name: series.name, count: series.count, full: toMetricData(series), zoom: null }));
	if (added.length === 0) return { views: updated, changed, tooLong };
	const all = [...updated, ...added].sort((a, b) => (a.name < b.name ? -1 : 1));
	return { views: all, changed: true, tooLong };
}

function messageOf(error: unknown, fallback: string): string {
	return error instanceof Error ? error.message : fallback;
}

/**
 * An experiment's metric series for its charts: a bucketed read of everything (page by page, as
 * the API serves at most 100 series a request), then (while the run is live) `after=<cursor>`
 * polls of the same pages whose new points are appended. Views are replaced, never mutated, so
 * only the charts whose series changed redraw.
 */
export class LiveMetrics {
	readonly state: MetricsState;

	#id: string;
	#buckets: number;
	#read: LiveMetricsOptions['read'];
	/** Empty until the first full read: nothing to poll yet. */
	#pages: SeriesPage[] = [];
	/** Bumped by every full read, so an older poll's answer is dropped instead of appended twice. */
	#generation = 0;
	#reloading = false;
	#poller: ReturnType<typeof poller>;

	constructor({ experimentId, buckets, read, state, visibility }: LiveMetricsOptions) {
		this.#id = experimentId;
		this.#buckets = buckets;
		this.#read = read;
		this.state = state ?? { views: [], loaded: false, error: undefined, pollError: undefined };
		this.#poller = poller(() => this.#poll(), POLL_INTERVAL_MS, {
			maxInterval: MAX_POLL_INTERVAL_MS,
			visibility
		});
	}

	get views(): MetricView[] {
		return this.state.views;
	}
	get loaded(): boolean {
		return this.state.loaded;
	}
	get error(): string | undefined {
		return this.state.error;
	}
	get pollError(): string | undefined {
		return this.state.pollError;
	}

	/** Reads every series at chart resolution, every page of them. */
	async load(): Promise<void> {
		const generation = ++this.#generation;
		try {
			const pages: SeriesPage[] = [];
			const series: ApiSeries[] = [];
			let startAfter: string | null = null;
			do {
				const read: SeriesRead = await this.#read(this.#id, { buckets: this.#buckets, startAfter });
				if (generation !== this.#generation) return;
				pages.push({ startAfter, cursor: read.cursor });
				series.push(...read.series);
				startAfter = read.next_start_after;
			} while (startAfter !== null);
			this.state.views = freshViews(series, this.state.views);
			this.#pages = pages;
			this.state.error = undefined;
		} catch (error) {
			if (generation !== this.#generation) return;
			this.state.error = messageOf(error, 'Could not load the metrics.');
		} finally {
			if (generation === this.#generation) this.state.loaded = true;
		}
	}

	/** Polls for new points every second while `on` (and the tab is visible). */
	setLive(on: boolean) {
		if (on) this.#poller.start(true);
		else if (this.#poller.running) {
			this.#poller.stop();
			// Points logged just before the run finished; a failure is already in `pollError`.
			this.#poll().catch(() => undefined);
		}
	}

	/** Stops polling and drops the answers still on their way (the page is going away). */
	stop() {
		this.#poller.stop();
		this.#generation++;
	}

	async zoom(name: string, range: { from: number; to: number }): Promise<void> {
		this.#update(name, (view) => ({ ...view, zoom: { ...range, data: null } }));
		try {
			const read = await this.#read(this.#id, {
				names: [name],
				buckets: this.#buckets,
				from: range.from,
				to: range.to
			});
			const series = read.series[0];
			this.#update(name, (view) =>
				view.zoom?.from === range.from && view.zoom.to === range.to && series
					? { ...view, zoom: { ...range, data: toMetricData(series) } }
					: view
			);
		} catch (error) {
			this.#update(name, (view) => ({ ...view, zoom: null }));
			this.state.pollError = error instanceof Error ? `Zoom failed: ${error.message}` : 'Zoom failed.';
		}
	}

	resetZoom(name: string) {
		this.#update(name, (view) => ({ ...view, zoom: null }));
	}

	#update(name: string, change: (view: MetricView) => MetricView) {
		this.state.views = this.state.views.map((view) => (view.name === name ? change(view) : view));
	}

	/** One poll of every page for points past its cursor. Throws (after reporting) when it fails. */
	async #poll(): Promise<void> {
		const pages = this.#pages;
		if (pages.length === 0) return;
		const generation = this.#generation;
		const reads: SeriesRead[] = [];
		try {
			for (const page of pages) {
				reads.push(
					await this.#read(this.#id, {
						buckets: this.#buckets,
						startAfter: page.startAfter,
						after: page.cursor
					})
				);
			}
		} catch (error) {
			this.state.pollError = messageOf(error, 'Live update failed.');
			// The poller waits longer before the next try.
			throw error;
		}
		if (generation !== this.#generation || pages !== this.#pages) return;
		this.#pages = pages.map((page, i) => ({ ...page, cursor: reads[i].cursor }));
		this.state.pollError = undefined;

		const merged = appendPolled(
			this.state.views,
			reads.flatMap((read) => read.series),
			2 * this.#buckets
		);
		if (merged.changed) this.state.views = merged.views;
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
