import type { SeriesRead } from '$contracts/logs';
import { SERIES_PAGE, type SeriesReadRequest } from '$lib/api/experiments';
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
	/** The series read so far (only those some panel asked for), by name. */
	views: MetricView[];
	/** Names whose read was answered: with a view, or without one (no points to draw). */
	answered: ReadonlySet<string>;
	/** Names whose last read failed, with the reason; `retry()` asks again. */
	failed: ReadonlyMap<string, string>;
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

/** Series read together (at most SERIES_PAGE names), and the cursor their live polls continue from. */
interface SeriesGroup {
	names: string[];
	cursor: string;
}

/**
 * A read's names, as its URL carries them, stay under this many characters: 100 names of 100
 * characters would make a URL that servers and proxies refuse (Node's limit is 16 KB of headers).
 */
const MAX_NAMES_CHARS = 6000;

/** Names in the groups one read each takes: at most SERIES_PAGE, and a URL of sensible length. */
function chunks(names: readonly string[]): string[][] {
	const groups: string[][] = [];
	let group: string[] = [];
	let chars = 0;
	for (const name of names) {
		// Encoded, with the comma that joins it to the next.
		const size = encodeURIComponent(`${name},`).length;
		if (group.length === SERIES_PAGE || (group.length > 0 && chars + size > MAX_NAMES_CHARS)) {
			groups.push(group);
			group = [];
			chars = 0;
		}
		group.push(name);
		chars += size;
	}
	if (group.length > 0) groups.push(group);
	return groups;
}

const byName = (a: MetricView, b: MetricView) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** `views` with the freshly read series in place of (or beside) their old views, keeping each one's zoom. */
function withFresh(views: MetricView[], series: ApiSeries[]): MetricView[] {
	// Maps, not objects: a metric may be called "__proto__" or "constructor".
	const fresh = new Map(series.map((one) => [one.name, one]));
	const kept = views.filter((view) => !fresh.has(view.name));
	const zooms = new Map(views.map((view) => [view.name, view.zoom]));
	const added = series.map((one) => ({
		name: one.name,
		count: one.count,
		full: toMetricData(one),
		zoom: zooms.get(one.name) ?? null
	}));
	return [...kept, ...added].sort(byName);
}

/**
 * A poll's new points appended to the views they belong to. `tooLong` when a series now holds
 * more raw points than `maxPoints` (time to bucket it again).
 */
function appendPolled(views: MetricView[], polled: ApiSeries[], maxPoints: number) {
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
	// A series polled before it had points (answered without a view) gets one with its first points.
	const added: MetricView[] = [...incoming.values()]
		.filter((series) => !known.has(series.name) && series.steps.length > 0)
		.map((series) => ({ name: series.name, count: series.count, full: toMetricData(series), zoom: null }));
	if (added.length === 0) return { views: updated, changed, tooLong };
	return { views: [...updated, ...added].sort(byName), changed: true, tooLong };
}

function messageOf(error: unknown, fallback: string): string {
	return error instanceof Error ? error.message : fallback;
}

/**
 * An experiment's metric series for its chart panels, read only when a panel asks for them
 * (`request()`, from the panels near the viewport): a run with 60 metrics reads the few on screen
 * first and the others as they scroll into view. The names asked for in one go (the same task)
 * are read together, bucketed to chart resolution. While the run is live, each such group is
 * polled from its cursor (`after=`) and the new points appended; when scrolling has made more
 * groups than the API needs requests, they are read again as one. Views are replaced, never
 * mutated, so only the charts whose series changed redraw.
 */
export class LiveMetrics {
	readonly state: MetricsState;

	#id: string;
	#buckets: number;
	#read: LiveMetricsOptions['read'];
	/** Groups already read, polled while live. */
	#groups: SeriesGroup[] = [];
	/** Names asked for and not failed: read, or on their way. */
	#asked = new Set<string>();
	/** Names asked for in this task, read together in the next one. */
	#queued: string[] = [];
	#flushTimer: ReturnType<typeof setTimeout> | undefined;
	/** Bumped by stop(), so answers still on their way are dropped. */
	#generation = 0;
	#poller: ReturnType<typeof poller>;

	constructor({ experimentId, buckets, read, state, visibility }: LiveMetricsOptions) {
		this.#id = experimentId;
		this.#buckets = buckets;
		this.#read = read;
		this.state = state ?? { views: [], answered: new Set(), failed: new Map(), pollError: undefined };
		this.#poller = poller(() => this.#poll(), POLL_INTERVAL_MS, {
			maxInterval: MAX_POLL_INTERVAL_MS,
			visibility
		});
	}

	get views(): MetricView[] {
		return this.state.views;
	}
	get answered(): ReadonlySet<string> {
		return this.state.answered;
	}
	get failed(): ReadonlyMap<string, string> {
		return this.state.failed;
	}
	get pollError(): string | undefined {
		return this.state.pollError;
	}

	/**
	 * Reads these metrics' series unless already read or on their way. Names asked for in the
	 * same task (several panels coming into view together) share one request, sent in the next
	 * task; `now` sends it at once (the page's first screen, asked for before the page is built).
	 */
	request(names: readonly string[], { now = false } = {}): void {
		for (const name of names) {
			if (this.#asked.has(name)) continue;
			this.#asked.add(name);
			this.#queued.push(name);
		}
		if (now) this.#flush();
		else if (this.#queued.length > 0 && this.#flushTimer === undefined) {
			this.#flushTimer = setTimeout(() => this.#flush(), 0);
		}
	}

	/** Asks again for names whose read failed. */
	retry(names: readonly string[]): void {
		const failed = names.filter((name) => this.state.failed.has(name));
		if (failed.length === 0) return;
		const left = new Map(this.state.failed);
		for (const name of failed) left.delete(name);
		this.state.failed = left;
		this.request(failed);
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
		clearTimeout(this.#flushTimer);
		this.#flushTimer = undefined;
		this.#queued = [];
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

	#flush() {
		clearTimeout(this.#flushTimer);
		this.#flushTimer = undefined;
		const names = this.#queued;
		this.#queued = [];
		for (const chunk of chunks(names)) void this.#readGroup(chunk);
	}

	/** One group of names at chart resolution; a failure is kept per name for `retry()`. */
	async #readGroup(names: string[]): Promise<void> {
		const generation = this.#generation;
		try {
			const read = await this.#read(this.#id, { buckets: this.#buckets, names });
			if (generation !== this.#generation) return;
			// A new array: a poll going on holds the groups it started with.
			this.#groups = [...this.#groups, { names, cursor: read.cursor }];
			this.#answer(names, read.series);
		} catch (error) {
			if (generation !== this.#generation) return;
			const message = messageOf(error, 'Could not load the metrics.');
			for (const name of names) this.#asked.delete(name);
			this.state.failed = new Map([...this.state.failed, ...names.map((name) => [name, message] as const)]);
		}
	}

	#answer(names: readonly string[], series: ApiSeries[]) {
		this.state.views = withFresh(this.state.views, series);
		this.state.answered = new Set([...this.state.answered, ...names]);
	}

	/** Every group read again at chart resolution, as few groups as the API allows. */
	async #reread(): Promise<void> {
		const replaced = this.#groups;
		const generation = this.#generation;
		const fresh: { group: SeriesGroup; series: ApiSeries[] }[] = [];
		for (const names of chunks(replaced.flatMap((group) => group.names))) {
			const read = await this.#read(this.#id, { buckets: this.#buckets, names });
			fresh.push({ group: { names, cursor: read.cursor }, series: read.series });
		}
		if (generation !== this.#generation) return;
		// Groups read meanwhile (panels that came into view) stay as they are.
		this.#groups = [
			...this.#groups.filter((group) => !replaced.includes(group)),
			...fresh.map((f) => f.group)
		];
		for (const { group, series } of fresh) this.#answer(group.names, series);
	}

	/** One poll of every group for points past its cursor. Throws (after reporting) when it fails. */
	async #poll(): Promise<void> {
		const groups = this.#groups;
		if (groups.length === 0) return;
		const generation = this.#generation;
		try {
			// Panels scrolled into view one by one made many small groups: poll them as few.
			if (groups.length > chunks(groups.flatMap((group) => group.names)).length) {
				await this.#reread();
				this.state.pollError = undefined;
				return;
			}
			const reads: SeriesRead[] = [];
			for (const group of groups) {
				reads.push(
					await this.#read(this.#id, { buckets: this.#buckets, names: group.names, after: group.cursor })
				);
			}
			if (generation !== this.#generation) return;
			this.#groups = [
				...groups.map((group, i) => ({ ...group, cursor: reads[i].cursor })),
				...this.#groups.filter((group) => !groups.includes(group))
			];
			this.state.pollError = undefined;
			const merged = appendPolled(
				this.state.views,
				reads.flatMap((read) => read.series),
				2 * this.#buckets
			);
			if (merged.changed) this.state.views = merged.views;
			// A series whose appended raw points would slow its chart is bucketed again.
			if (merged.tooLong) await this.#reread();
		} catch (error) {
			this.state.pollError = messageOf(error, 'Live update failed.');
			// The poller waits longer before the next try.
			throw error;
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
