/**
 * Page-side measurements of a runs table (P13), the same on the dashboard and on a bare HTML
 * page: both mark their table `aria-label="Experiments"` and their data rows `aria-rowindex`
 * (the dashboard's skeleton, spacer and "Loading more…" rows carry none).
 *
 * The scripts are source text, not functions: the TypeScript loader would wrap a function's
 * inner functions in a naming helper the page does not have.
 */

export const TABLE_SELECTOR = 'table[aria-label="Experiments"]';
const ROW_SELECTOR = `${TABLE_SELECTOR} tbody tr[aria-rowindex]`;

/** One navigation as the page saw it; times are ms since navigation start (`performance.now()`). */
export interface FirstRows {
	/** The first data row was in the DOM (a MutationObserver noticed it). */
	insertedAt: number;
	/** The frame holding that row was drawn: a task queued from that frame's requestAnimationFrame. */
	drawnAt: number;
	/** The first row's name cell. */
	firstName: string;
	/** When the page's first `/experiments?` list request started and its response ended (null on a page that asks none). */
	listRequestStart: number | null;
	listResponseEnd: number | null;
}

/**
 * An init script: from the document's start, watches for the first data row and settles
 * `window.__tableTiming.drawn` once the frame with it has been drawn. A requestAnimationFrame
 * callback runs just before the frame's style, layout and paint; a message posted from it is
 * handled right after them. It also keeps every long task (≥ 50 ms) for the scroll window.
 */
export const FIRST_ROWS_INIT_SCRIPT = `(() => {
	const state = { longTasks: [] };
	window.__tableTiming = state;
	try {
		new PerformanceObserver((list) => {
			for (const entry of list.getEntries()) state.longTasks.push([entry.startTime, entry.duration]);
		}).observe({ type: 'longtask', buffered: true });
	} catch {}
	state.drawn = new Promise((resolve) => {
		const observer = new MutationObserver(() => {
			const row = document.querySelector(${JSON.stringify(ROW_SELECTOR)});
			if (!row) return;
			observer.disconnect();
			const insertedAt = performance.now();
			const firstName = (row.cells[1] ? row.cells[1].textContent : '').trim();
			requestAnimationFrame(() => {
				const channel = new MessageChannel();
				channel.port1.onmessage = () => {
					const list = performance.getEntriesByType('resource')
						.find((entry) => /\\/api\\/workspaces\\/[^/]+\\/experiments\\?/.test(entry.name));
					resolve({ insertedAt, drawnAt: performance.now(), firstName,
						listRequestStart: list ? list.startTime : null, listResponseEnd: list ? list.responseEnd : null });
				};
				channel.port2.postMessage(null);
			});
		});
		observer.observe(document, { childList: true, subtree: true });
	});
})();`;

/** Page-side: waits (at most `timeoutMs`) for the init script's result; null when it never came. */
export const firstRowsScript = (timeoutMs: number) => `
	Promise.race([
		window.__tableTiming.drawn,
		new Promise((resolve) => setTimeout(() => resolve(null), ${timeoutMs}))
	])`;

/** When the dashboard's first sparkline was drawn, and when it asked for it; ms since navigation start. */
export interface FirstSparkline {
	drawnAt: number;
	/** The first `POST /api/series` of the page: sent and answered (null when none is seen). */
	requestStart: number | null;
	responseEnd: number | null;
}

/**
 * An init script for pages whose sparklines are timed: settles `window.__sparkTiming` once the
 * frame holding the first drawn sparkline (`svg[data-sparkline="drawn"]`) has been drawn, the
 * same way as the first row. Added only where it is measured: its observer watches attributes
 * until then, which a scroll measurement should not pay for.
 */
export const SPARKLINE_INIT_SCRIPT = `(() => {
	window.__sparkTiming = new Promise((resolve) => {
		const observer = new MutationObserver(() => {
			if (!document.querySelector('svg[data-sparkline="drawn"]')) return;
			observer.disconnect();
			requestAnimationFrame(() => {
				const channel = new MessageChannel();
				channel.port1.onmessage = () => {
					const series = performance.getEntriesByType('resource')
						.find((entry) => /\\/api\\/series$/.test(entry.name));
					resolve({ drawnAt: performance.now(),
						requestStart: series ? series.startTime : null, responseEnd: series ? series.responseEnd : null });
				};
				channel.port2.postMessage(null);
			});
		});
		observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-sparkline'] });
	});
})();`;

/** Page-side: waits (at most `timeoutMs`) for the first sparkline; null when none was drawn. */
export const firstSparklineScript = (timeoutMs: number) => `
	Promise.race([
		window.__sparkTiming,
		new Promise((resolve) => setTimeout(() => resolve(null), ${timeoutMs}))
	])`;

export interface ScrollRun {
	/** Every interval between two animation frames while scrolling (ms). */
	intervals: number[];
	scrolled: number;
	startedAt: number;
	endedAt: number;
	/** List requests that started while scrolling: with a cursor (paging) and without (a re-read). */
	pageRequests: number;
	rereads: number;
	/** Long tasks (≥ 50 ms) that started while scrolling: [start, duration]. */
	longTasks: [number, number][];
}

/**
 * P8's method: the table's scroll container scrolled by `step` px per animation frame for `ms`,
 * every frame interval recorded by requestAnimationFrame.
 */
export const scrollScript = (args: { step: number; ms: number }) => `
	new Promise((resolve) => {
		const { step, ms } = ${JSON.stringify(args)};
		const table = document.querySelector(${JSON.stringify(TABLE_SELECTOR)});
		if (!table) throw new Error('no runs table on the page: ' + document.body.innerText.slice(0, 300));
		const element = table.parentElement;
		const intervals = [];
		let start = 0;
		let last = 0;
		requestAnimationFrame(function frame(now) {
			if (start === 0) start = now;
			else intervals.push(now - last);
			last = now;
			element.scrollTop += step;
			if (now - start < ms) {
				requestAnimationFrame(frame);
				return;
			}
			const during = (time) => time >= start && time <= now;
			const lists = performance.getEntriesByType('resource')
				.filter((entry) => /\\/api\\/workspaces\\/[^/]+\\/experiments\\?/.test(entry.name) && during(entry.startTime));
			const paging = lists.filter((entry) => new URL(entry.name).searchParams.has('cursor')).length;
			resolve({
				intervals,
				scrolled: element.scrollTop,
				startedAt: start,
				endedAt: now,
				pageRequests: paging,
				rereads: lists.length - paging,
				longTasks: ((window.__tableTiming || {}).longTasks || []).filter(([at]) => during(at))
			});
		});
	})`;

/** One vsync interval at 60 Hz. */
export const FRAME_MS = 1000 / 60;

export interface FrameSummary {
	frames: number;
	p50: number;
	p99: number;
	worst: number;
	/** Frames that took longer than one vsync interval (16.7 ms): at least one vsync missed. */
	overOne: number;
	/** Frames that took longer than two (33.3 ms): P8's "dropped" frames. */
	overTwo: number;
}

/**
 * Intervals jitter around the vsync interval (16.5 to 16.8 ms in headless Chromium), so a frame
 * counts as longer than n intervals only past n and a half: an on-time frame of 16.8 ms is not
 * late, and one that missed a vsync (≈ 33.3 ms) is late but not longer than two intervals.
 */
export function summariseFrames(intervals: number[]): FrameSummary {
	const sorted = [...intervals].sort((a, b) => a - b);
	const longerThan = (frames: number) => sorted.filter((ms) => ms > (frames + 0.5) * FRAME_MS).length;
	return {
		frames: sorted.length,
		p50: percentile(sorted, 0.5),
		p99: percentile(sorted, 0.99),
		worst: sorted.at(-1) ?? 0,
		overOne: longerThan(1),
		overTwo: longerThan(2)
	};
}

export function percentile(values: number[], share: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}
