/**
 * P15 compare page: the compare page over 100 runs × 5 metrics × `BENCH_P15_POINTS` points
 * (100,000 on PostgreSQL, 2,000 on PGlite), seeded as P12 seeds them, in Chromium at 1440 × 900
 * (issue 15: "all panels drawn ≤ 1.5 s in Chromium from navigation; hover and zoom redraws
 * ≤ 50 ms (frame time measured)").
 *
 * - All panels drawn: from navigation start to the frame showing the last of the five metric
 *   panels with a line for every run (each panel's canvas is there and its legend lists all 100
 *   runs; then a task queued from the next requestAnimationFrame runs once that frame is drawn,
 *   as bench/lib/table-timing.ts times rows). Every navigation is a fresh context.
 * - Hover: the pointer swept across the first panel, one `mousemove` per animation frame (the
 *   crosshair and the highlighted line follow on all five charts); every frame interval.
 * - Zoom: a drag across the first panel (every panel zooms), then a double-click (every panel
 *   zooms out); from the `mouseup` (or `dblclick`) to the frame that shows the new range on all
 *   five panels (their `data-x-min` attributes checked).
 *
 * Baseline, same browser, same server, same run: a bare page served from site/build holding
 * uPlot and the page's own `POST /api/series` answer inline: five charts of the same width and
 * height drawing the same 100 lines each (joined with `uPlot.join`), with the same cursor sync,
 * focus and drag-to-zoom of all five, and nothing else; timed and swept the same way. Also
 * reported: the page's curves request against the same request sent outside the browser.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot, siteBuildDir } from '../server/paths.ts';
import { launchBrowser, localSession, median, signedInContext, type BrowserSession } from './lib/browser.ts';
import { runIfMain } from './lib/main.ts';
import { percentile } from './lib/table-timing.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';
import { seed } from './p12-series-batch.ts';

const BENCHMARK = 'P15 compare page';
const RUNS = 100;
const METRICS = 5;
const pointsFor = (ctx: BenchContext) =>
	Number(process.env.BENCH_P15_POINTS ?? (ctx.dbKind === 'postgres' ? 100_000 : 2_000));
const SAMPLES = Number(process.env.BENCH_P15_SAMPLES ?? 3);
const VIEWPORT = { width: 1440, height: 900 };
const HOVER_FRAMES = Number(process.env.BENCH_P15_HOVER_FRAMES ?? 60);
const ZOOMS = Number(process.env.BENCH_P15_ZOOMS ?? 4);
const GOAL_DRAWN_MS = 1500;
const GOAL_FRAME_MS = 50;
const GOAL_POINTS = 100_000;
const FILES = {
	page: 'bench-p15-baseline.html',
	uplot: 'bench-p15-uplot.js',
	css: 'bench-p15-uplot.css',
	script: 'bench-p15-baseline.js'
};

/** Our page: the five panels each hold a canvas and a legend row per run. */
const OURS_DRAWN = `(() => {
	const panels = [...document.querySelectorAll('[data-testid="compare-charts"] [data-metric]')];
	return panels.length >= ${METRICS} && panels.every((panel) =>
		panel.querySelector('canvas') && panel.querySelectorAll('[data-testid="chart-legend"] li').length >= ${RUNS});
})()`;
/** The baseline page says so itself, once its five charts are built. */
const BASELINE_DRAWN = `document.body !== null && document.body.dataset.benchDrawn === '1'`;

/**
 * Before any of the page's scripts: settles `window.__p15` once `condition` holds, with the time
 * it was seen and the time the frame holding it was drawn.
 */
const drawnInitScript = (condition: string) => `(() => {
	window.__p15 = new Promise((resolve) => {
		const observer = new MutationObserver(() => {
			if (!(${condition})) return;
			observer.disconnect();
			const seenAt = performance.now();
			requestAnimationFrame(() => {
				const channel = new MessageChannel();
				channel.port1.onmessage = () => resolve({ seenAt, drawnAt: performance.now() });
				channel.port2.postMessage(null);
			});
		});
		observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-bench-drawn'] });
	});
})();`;

const drawnScript = (timeoutMs: number) => `Promise.race([
	window.__p15,
	new Promise((resolve) => setTimeout(() => resolve(null), ${timeoutMs}))
])`;

/** Page-side: the page's `POST /api/series` requests (resource timing), in order. */
const SERIES_REQUESTS_SCRIPT = `performance.getEntriesByType('resource')
	.filter((entry) => /\\/api\\/series$/.test(entry.name))
	.map((entry) => ({ startTime: entry.startTime, responseEnd: entry.responseEnd }))`;

/**
 * Page-side: the pointer swept across the first panel's plot, one mousemove per animation frame;
 * resolves to every frame interval.
 */
const HOVER_SCRIPT = `new Promise((resolve) => {
	const over = document.querySelector('[data-testid="compare-charts"] .u-over');
	over.scrollIntoView({ block: 'center' });
	const box = over.getBoundingClientRect();
	const y = box.top + box.height / 2;
	const at = (x) => ({ clientX: x, clientY: y, bubbles: true, movementX: 1 });
	over.dispatchEvent(new MouseEvent('mouseenter', at(box.left + 1)));
	const intervals = [];
	let last = 0;
	let frame = 0;
	requestAnimationFrame(function move(now) {
		if (last) intervals.push(now - last);
		last = now;
		if (frame === ${HOVER_FRAMES}) {
			over.dispatchEvent(new MouseEvent('mouseleave', at(box.right + 5)));
			resolve(intervals);
			return;
		}
		const x = box.left + 2 + ((box.width - 4) * frame) / ${HOVER_FRAMES};
		over.dispatchEvent(new MouseEvent('mousemove', at(x)));
		frame++;
		requestAnimationFrame(move);
	});
})`;

/**
 * Page-side: `zooms` drags across the first panel, each followed by a double-click; for each,
 * the time from the releasing event to the frame drawn after it, and whether every panel's
 * `data-x-min` changed by then.
 */
const ZOOM_SCRIPT = `new Promise((resolve) => {
	const over = document.querySelector('[data-testid="compare-charts"] .u-over');
	const plots = [...document.querySelectorAll('[data-testid="compare-charts"] .chart-panel')];
	const box = over.getBoundingClientRect();
	const y = box.top + box.height / 2;
	const at = (x, extra) => ({ clientX: x, clientY: y, bubbles: true, ...extra });
	const ranges = () => plots.map((plot) => plot.dataset.xMin);
	const afterFrame = () => new Promise((done) => requestAnimationFrame(() => {
		const channel = new MessageChannel();
		channel.port1.onmessage = () => done(performance.now());
		channel.port2.postMessage(null);
	}));
	const nextFrame = () => new Promise((done) => requestAnimationFrame(done));
	const zoomIn = [];
	const zoomOut = [];
	let unchanged = 0;
	(async () => {
		for (let i = 0; i < ${ZOOMS}; i++) {
			await nextFrame();
			const from = box.left + box.width * (0.2 + 0.05 * i);
			const to = from + box.width * 0.3;
			const before = ranges();
			over.dispatchEvent(new MouseEvent('mousedown', at(from, { button: 0, buttons: 1 })));
			over.dispatchEvent(new MouseEvent('mousemove', at((from + to) / 2, { buttons: 1, movementX: 5 })));
			over.dispatchEvent(new MouseEvent('mousemove', at(to, { buttons: 1, movementX: 5 })));
			let started = performance.now();
			document.dispatchEvent(new MouseEvent('mouseup', at(to, { button: 0 })));
			zoomIn.push((await afterFrame()) - started);
			const zoomed = ranges();
			unchanged += zoomed.filter((value, index) => value === before[index]).length;
			await nextFrame();
			started = performance.now();
			over.dispatchEvent(new MouseEvent('dblclick', at(from, { button: 0, detail: 2 })));
			zoomOut.push((await afterFrame()) - started);
			unchanged += ranges().filter((value, index) => value === zoomed[index]).length;
		}
		resolve({ zoomIn, zoomOut, unchanged, plots: plots.length });
	})();
})`;

interface Interaction {
	hover: number[];
	zoomIn: number[];
	zoomOut: number[];
}

interface PageSample extends Interaction {
	drawnAt: number;
	/** The page's last `POST /api/series` (the curves): sent and answered. */
	curves?: { startTime: number; responseEnd: number };
	seriesRequests: number;
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const points = pointsFor(ctx);
	ctx.log(`P15: ${RUNS} runs × ${METRICS} metrics × ${points.toLocaleString('en')} points`);
	const seeded = await seed(ctx, points);
	const [owner] = await ctx.sql<{ email: string }[]>`
		select p.email from experiments e join profiles p on p.id = e.created_by where e.id = ${seeded.ids[0]}
	`;
	const session = await localSession(ctx.baseUrl, owner.email);
	const compareUrl = `${ctx.baseUrl}/compare?ids=${seeded.ids.join(',')}`;
	const written: string[] = [];
	const browser = await launchBrowser();
	try {
		// The warm-up navigation also gives the curves request and the chart width the baseline copies.
		const warm = await openOurs(browser, session, compareUrl, true);
		const width = warm.chartWidth;
		const batch = await replay(ctx.baseUrl, session.accessToken, warm.curvesBody!);
		const answered = batchShape(batch);
		if (answered.series !== RUNS * METRICS) {
			throw new Error(`the page's curves request answers ${answered.series} series, not ${RUNS * METRICS}`);
		}
		for (const [name, text] of Object.entries(baselineFiles(batch, width))) {
			const path = join(siteBuildDir, FILES[name as keyof typeof FILES]);
			writeFileSync(path, text);
			written.push(path);
		}
		const baselineUrl = `${ctx.baseUrl}/${FILES.page}`;

		const ours: PageSample[] = [];
		const baseline: PageSample[] = [];
		const replayed: number[] = [];
		for (let round = 0; round < SAMPLES; round++) {
			ours.push((await openOurs(browser, session, compareUrl, false)).sample);
			baseline.push(await openBaseline(browser, session, baselineUrl));
			const started = performance.now();
			await replay(ctx.baseUrl, session.accessToken, warm.curvesBody!);
			replayed.push(performance.now() - started);
			const [mine, bare] = [ours[round], baseline[round]];
			ctx.log(
				`P15 sample ${round + 1}: all panels drawn at ${mine.drawnAt.toFixed(0)} ms ` +
					`(curves answered at ${mine.curves?.responseEnd.toFixed(0)} ms), baseline ${bare.drawnAt.toFixed(0)} ms; ` +
					`hover frame p50 ${percentile(mine.hover, 0.5).toFixed(0)} ms (baseline ${percentile(bare.hover, 0.5).toFixed(0)}), ` +
					`zoom in p50 ${percentile(mine.zoomIn, 0.5).toFixed(0)} ms (baseline ${percentile(bare.zoomIn, 0.5).toFixed(0)})`
			);
		}
		return rows(ctx, points, ours, baseline, replayed, answered);
	} finally {
		await browser.close();
		for (const path of written) rmSync(path, { force: true });
	}
}

function rows(
	ctx: BenchContext,
	points: number,
	ours: PageSample[],
	baseline: PageSample[],
	replayed: number[],
	answered: { buckets: number; kilobytes: number }
): BenchRow[] {
	const atGoalSize = ctx.dbKind === 'postgres' && points >= GOAL_POINTS;
	const size = `${RUNS} runs × ${METRICS} metrics × ${points.toLocaleString('en-US')} points, ${VIEWPORT.width} × ${VIEWPORT.height}`;
	const smaller = atGoalSize
		? ''
		: `; goals are for ${GOAL_POINTS.toLocaleString('en-US')} points on PostgreSQL`;
	const goal = (limit: number, value: number) =>
		atGoalSize ? { goal: `≤ ${limit.toLocaleString('en-US')} ms`, met: value <= limit } : {};
	const drawn = median(ours.map((s) => s.drawnAt));
	const curves = ours.flatMap((s) => (s.curves ? [s.curves] : []));
	const frames = (pick: (s: PageSample) => number[], share: number, from: PageSample[]) =>
		percentile(from.flatMap(pick), share);
	const frameRow = (label: string, pick: (s: PageSample) => number[], note: string): BenchRow[] => {
		const p95 = frames(pick, 0.95, ours);
		return [
			{
				benchmark: BENCHMARK,
				metric: `${label} p50`,
				ours: frames(pick, 0.5, ours),
				baseline: frames(pick, 0.5, baseline),
				unit: 'ms',
				note
			},
			{
				benchmark: BENCHMARK,
				metric: `${label} p95`,
				ours: p95,
				baseline: frames(pick, 0.95, baseline),
				unit: 'ms',
				...goal(GOAL_FRAME_MS, p95),
				note: `worst ${Math.max(...ours.flatMap(pick)).toFixed(0)} ms (baseline ${Math.max(...baseline.flatMap(pick)).toFixed(0)} ms)${smaller}`
			}
		];
	};
	return [
		{
			benchmark: BENCHMARK,
			metric: 'navigation → all 5 panels drawn (100 lines each)',
			ours: drawn,
			baseline: median(baseline.map((s) => s.drawnAt)),
			unit: 'ms',
			...goal(GOAL_DRAWN_MS, drawn),
			note:
				`${size}; median of ${ours.length}; the curves request answered at ${median(curves.map((c) => c.responseEnd)).toFixed(0)} ms ` +
				`(sent at ${median(curves.map((c) => c.startTime)).toFixed(0)} ms, ${ours[0].seriesRequests} series requests); ` +
				`baseline: bare uPlot page, same lines inline${smaller}`
		},
		{
			benchmark: BENCHMARK,
			metric: "the page's curves request (POST /api/series)",
			ours: median(curves.map((c) => c.responseEnd - c.startTime)),
			baseline: median(replayed),
			unit: 'ms',
			note: `${answered.buckets} buckets per series, ${answered.kilobytes.toFixed(0)} KB; baseline: the same request from Node, outside the browser`
		},
		...frameRow(
			'hover: frame interval',
			(s) => s.hover,
			`${HOVER_FRAMES} frames per sample, one mousemove each, crosshair and highlight synced on 5 charts`
		),
		...frameRow(
			'zoom in (drag): release → frame drawn',
			(s) => s.zoomIn,
			`${ZOOMS} drags per sample, every panel follows`
		),
		...frameRow(
			'zoom out (double-click): → frame drawn',
			(s) => s.zoomOut,
			`${ZOOMS} per sample, every panel follows`
		)
	];
}

async function openOurs(
	browser: Browser,
	session: BrowserSession,
	url: string,
	capture: boolean
): Promise<{ sample: PageSample; curvesBody?: unknown; chartWidth: number }> {
	const context = await signedInContext(browser, session);
	try {
		const page = await context.newPage();
		await page.setViewportSize(VIEWPORT);
		await page.addInitScript(drawnInitScript(OURS_DRAWN));
		const bodies: unknown[] = [];
		if (capture) {
			page.on('request', (request) => {
				if (request.method() === 'POST' && request.url().endsWith('/api/series')) {
					bodies.push(request.postDataJSON());
				}
			});
		}
		await page.goto(url);
		const sample = await measure(page, 'compare page');
		const chartWidth = (await page.evaluate(
			`document.querySelector('[data-testid="compare-charts"] .chart-panel').clientWidth`
		)) as number;
		const curvesBody = bodies.filter((body) => (body as { buckets?: number }).buckets !== 1).at(-1);
		if (capture && !curvesBody) throw new Error('the compare page sent no curves request');
		return { sample, curvesBody, chartWidth };
	} finally {
		await context.close();
	}
}

async function openBaseline(browser: Browser, session: BrowserSession, url: string): Promise<PageSample> {
	const context = await signedInContext(browser, session);
	try {
		const page = await context.newPage();
		await page.setViewportSize(VIEWPORT);
		await page.addInitScript(drawnInitScript(BASELINE_DRAWN));
		await page.goto(url);
		return await measure(page, 'baseline page');
	} finally {
		await context.close();
	}
}

async function measure(page: Page, label: string): Promise<PageSample> {
	const drawn = (await page.evaluate(drawnScript(60_000))) as { drawnAt: number } | null;
	if (!drawn) {
		const text = (await page.evaluate('document.body.innerText.slice(0, 400)')) as string;
		throw new Error(`${label}: the panels were not all drawn within 60 s; the page says: ${text}`);
	}
	const requests = (await page.evaluate(SERIES_REQUESTS_SCRIPT)) as {
		startTime: number;
		responseEnd: number;
	}[];
	const hover = (await page.evaluate(HOVER_SCRIPT)) as number[];
	const zoom = (await page.evaluate(ZOOM_SCRIPT)) as {
		zoomIn: number[];
		zoomOut: number[];
		unchanged: number;
		plots: number;
	};
	if (zoom.plots < METRICS || zoom.unchanged > 0) {
		throw new Error(
			`${label}: zoom did not reach every panel (${zoom.unchanged} unchanged of ${zoom.plots})`
		);
	}
	return {
		drawnAt: drawn.drawnAt,
		curves: requests.at(-1),
		seriesRequests: requests.length,
		hover,
		zoomIn: zoom.zoomIn,
		zoomOut: zoom.zoomOut
	};
}

interface BatchSeries {
	experiment_id: string;
	metric: string;
	x: number[];
	y: (number | null)[];
}

interface Batch {
	metrics: string[];
	series: BatchSeries[];
	buckets: number;
	bytes: number;
}

async function replay(baseUrl: string, token: string, body: unknown): Promise<Batch> {
	const response = await fetch(`${baseUrl}/api/series`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: JSON.stringify(body)
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`POST /api/series: ${response.status} ${text.slice(0, 300)}`);
	const { data } = JSON.parse(text) as { data: Omit<Batch, 'bytes'> };
	return { ...data, bytes: Buffer.byteLength(text) };
}

function batchShape(batch: Batch) {
	return { series: batch.series.length, buckets: batch.buckets, kilobytes: batch.bytes / 1024 };
}

/**
 * The baseline's files: uPlot and its CSS as shipped, and a script holding the same lines inline
 * (per metric, one `[x, y]` table per run, joined by uPlot) that draws them as the page would.
 */
function baselineFiles(batch: Batch, width: number): Record<keyof typeof FILES, string> {
	const byMetric = batch.metrics.map((metric) => ({
		metric,
		lines: batch.series.filter((s) => s.metric === metric).map((s) => [s.x, s.y])
	}));
	const uplotDir = join(repoRoot, 'node_modules', 'uplot', 'dist');
	const script = `(() => {
	const metrics = ${JSON.stringify(byMetric)};
	const width = ${width};
	const grid = document.querySelector('[data-testid="compare-charts"]');
	const charts = [];
	const full = [];
	const zoomAll = (min, max) => { for (const chart of charts) chart.setScale('x', { min, max }); };
	metrics.forEach(({ metric, lines }, m) => {
		const cell = document.createElement('div');
		cell.dataset.metric = metric;
		const target = document.createElement('div');
		target.className = 'chart-panel';
		cell.append(target);
		grid.append(cell);
		const data = uPlot.join(lines);
		full.push([data[0][0], data[0][data[0].length - 1]]);
		const series = [{}].concat(lines.map((_, i) => ({
			stroke: 'hsl(' + ((i * 137.5) % 360) + ' 70% 45%)', width: 1.5, spanGaps: true, points: { show: false }
		})));
		charts.push(new uPlot({
			width, height: 220, legend: { show: false }, focus: { alpha: 0.25 },
			cursor: {
				drag: { x: true, y: false, setScale: false }, points: { show: false }, focus: { prox: 16 },
				sync: { key: 'p15', setSeries: true },
				bind: { dblclick: () => () => { zoomAll(full[m][0], full[m][1]); return null; } }
			},
			scales: { x: { time: false } },
			series,
			hooks: {
				setSelect: [(u) => {
					const { left, width } = u.select;
					u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
					if (width >= 4) zoomAll(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'));
				}],
				setScale: [(u, key) => {
					if (key !== 'x') return;
					target.dataset.xMin = String(Number(u.scales.x.min.toPrecision(6)));
					target.dataset.xMax = String(Number(u.scales.x.max.toPrecision(6)));
				}]
			}
		}, data, target));
	});
	document.body.dataset.benchDrawn = '1';
})();
`;
	const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>P15 baseline</title>
<link rel="stylesheet" href="/${FILES.css}">
<style>body { font: 14px system-ui, sans-serif; margin: 0 auto; max-width: 1280px; padding: 24px; }
[data-testid="compare-charts"] { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }</style>
</head><body><h1>Compare (baseline)</h1><div data-testid="compare-charts"></div>
<script src="/${FILES.uplot}"></script><script src="/${FILES.script}"></script></body></html>
`;
	return {
		page,
		uplot: readFileSync(join(uplotDir, 'uPlot.iife.min.js'), 'utf8'),
		css: readFileSync(join(uplotDir, 'uPlot.min.css'), 'utf8'),
		script
	};
}

runIfMain(import.meta.url, run);
