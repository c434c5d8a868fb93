import type { BucketedSeries, RawSeries, SeriesRead } from '$contracts/logs';
import { apiGet } from '$lib/api';
import { pointCount } from '$lib/charts/series';
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

/**
 * An experiment's metric series for its charts: one bucketed read of everything, then (while the
 * run is live) `after=<cursor>` polls whose new points are appended. Views are replaced, never
 * mutated, so only the charts whose series changed redraw.
 */
export class ExperimentMetrics {
	views = $state.raw<MetricView[]>([]);
	loaded = $state(false);
	error = $state<string>();
	/** Set while live polling fails; cleared by the next successful poll. */
	pollError = $state<string>();

	#id: string;
	#buckets: number;
	#cursor: string | undefined;
	/** Bumped by every full read, so an older poll's answer is dropped instead of appended twice. */
	#generation = 0;
	#reloading = false;
	#poller = poller(() => this.#poll(), POLL_INTERVAL_MS);

	constructor(id: string, buckets: number) {
		this.#id = id;
		this.#buckets = buckets;
	}

	/** Reads every series at chart resolution. */
	async load(): Promise<void> {
		const generation = ++this.#generation;
		try {
			const read = await apiGet<SeriesRead>(`/api/experiments/${this.#id}/metrics?buckets=${this.#buckets}`);
			if (generation !== this.#generation) return;
			const previous = this.views;
			this.views = read.series.map((series) => ({
				name: series.name,
				count: series.count,
				full: toData(series),
				zoom: previous.find((view) => view.name === series.name)?.zoom ?? null
			}));
			this.#cursor = read.cursor;
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
		const query = `names=${encodeURIComponent(name)}&buckets=${this.#buckets}&from=${range.from}&to=${range.to}`;
		try {
			const read = await apiGet<SeriesRead>(`/api/experiments/${this.#id}/metrics?${query}`);
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
		const cursor = this.#cursor;
		if (cursor === undefined) return;
		const generation = this.#generation;
		let read: SeriesRead;
		try {
			read = await apiGet<SeriesRead>(
				`/api/experiments/${this.#id}/metrics?after=${encodeURIComponent(cursor)}`
			);
		} catch (error) {
			this.pollError = error instanceof Error ? error.message : 'Live update failed.';
			return;
		}
		if (generation !== this.#generation || cursor !== this.#cursor) return;
		this.#cursor = read.cursor;
		this.pollError = undefined;

		const byName: Record<string, MetricView> = Object.fromEntries(
			this.views.map((view) => [view.name, view])
		);
		let changed = false;
		let tooLong = false;
		for (const series of read.series) {
			if (series.resolution !== 'raw') continue;
			const view = byName[series.name];
			if (!view) {
				byName[series.name] = { name: series.name, count: series.count, full: toData(series), zoom: null };
				changed = true;
				continue;
			}
			if (series.steps.length === 0 && series.count === view.count) continue;
			const full = view.full;
			// The chart copies the arrays it draws, so growing them in place is safe and cheap.
			full.steps.push(...series.steps);
			full.times.push(...series.times);
			full.values.push(...series.values);
			full.mins?.push(...series.values);
			full.maxs?.push(...series.values);
			byName[series.name] = {
				...view,
				count: series.count,
				full: { ...full, points: full.points + series.steps.length }
			};
			changed = true;
			tooLong ||= full.values.length > 2 * this.#buckets;
		}
		if (changed) this.views = Object.values(byName).sort((a, b) => (a.name < b.name ? -1 : 1));
		// Appended raw points add up; bucket the series again before charts get slow.
		if (tooLong && !this.#reloading) {
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
