/**
 * P13 dashboard runs: the runs table in Chromium over a workspace of 100,000 runs (issue 14;
 * `BENCH_P13_RUNS`, 40,000 on PGlite as P11), seeded as P11 seeds it. Two views, each opened by
 * its URL the way a shared link opens it:
 *
 * - the default view (newest first, the default columns);
 * - P11's view: filter `hp.lr < 1e-3 and (tag = "a" or status = failed)`, sorted by
 *   `metric.train/loss.min`, P11's ten columns (status and created are always shown; the other
 *   eight are chosen columns).
 *
 * First rows: from navigation start to the frame that drew the first data row, measured in the
 * page (bench/lib/table-timing.ts: a MutationObserver, then a task queued from that frame's
 * requestAnimationFrame); every navigation in a fresh context (empty HTTP cache), as P5 does;
 * the first row drawn must be the first run of the API's answer for that view. The note gives
 * when the list request left (the page's inline script sends it while the HTML is parsed) and
 * when it was answered: the rest is the page's code arriving, hydrating and drawing.
 *
 * Scroll: P8's method: the table's scroll container scrolled by 200 px per animation frame for
 * `BENCH_P13_SECONDS` (4 s), keyset pages loading as it nears the end; every frame interval is
 * recorded; a frame longer than one vsync interval (16.7 ms) missed a vsync, one longer than two
 * (33.3 ms, P8's "dropped") missed two (past n and a half intervals, so that vsync jitter does
 * not count: see summariseFrames).
 *
 * Sparklines: the view with metric columns draws one per metric cell on screen, read by one
 * `POST /api/series` once the rows stop moving. The seeded summaries have no points, so the runs
 * of each view's first page get rollups (a 1,000-step curve each) to draw from; the first
 * sparkline drawn is timed in the same navigations, and its request must start after the first
 * rows were drawn (they never wait for it).
 *
 * Baseline, same browser, same server, same run: a bare static HTML page (no script) holding a
 * plain table of the same rows from the same API answer: the first page (100 rows, what the
 * dashboard first shows) for first rows; every row the dashboard had loaded by the end of its
 * scroll, all in the DOM, at the dashboard's row height and in a scroll box of its height, for
 * the scroll.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type postgres from 'postgres';
import type { Experiment, ExperimentPage } from '../functions/_lib/contracts/experiments.ts';
import { siteBuildDir } from '../server/paths.ts';
import { launchBrowser, localSession, median, signedInContext, type BrowserSession } from './lib/browser.ts';
import { runIfMain } from './lib/main.ts';
import { seedRunWorkspace } from './lib/run-workspace.ts';
import {
	FIRST_ROWS_INIT_SCRIPT,
	firstRowsScript,
	firstSparklineScript,
	SPARKLINE_INIT_SCRIPT,
	percentile,
	scrollScript,
	summariseFrames,
	TABLE_SELECTOR,
	type FirstRows,
	type FirstSparkline,
	type FrameSummary,
	type ScrollRun
} from './lib/table-timing.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P13 dashboard';
const runsFor = (ctx: BenchContext) =>
	Number(process.env.BENCH_P13_RUNS ?? (ctx.dbKind === 'postgres' ? 100_000 : 40_000));
const SAMPLES = Number(process.env.BENCH_P13_SAMPLES ?? 20);
const SCROLL_SECONDS = Number(process.env.BENCH_P13_SECONDS ?? 4);
const STEP_PX = 200;
const VIEWPORT = { width: 1280, height: 900 };
/** What the dashboard asks for per list request (PAGE_SIZE in its first-page.ts). */
const DASHBOARD_PAGE = 100;
/** The dashboard's fixed row height (ROW in ExperimentTable.svelte): the baseline's rows match it. */
const ROW_PX = 44;
const GOAL_FIRST_ROWS_MS = 300;
const WAIT_MS = 30_000;

interface View {
	name: string;
	/** Query-string parameters of the dashboard's URL (beside `ws`). */
	search: [string, string][];
	/** The list request the dashboard makes for it (beside `limit` and `cursor`). */
	list: [string, string][];
	/** Column keys the dashboard shows beside name, status, tags and created. */
	columns: string[];
}

const P11_SORT = 'metric.train/loss.min';
const P11_FILTER = 'hp.lr < 1e-3 and (tag = "a" or status = failed)';
/** P11's ten columns but `status` and `created`, which the table always shows. */
const P11_COLUMNS = [
	P11_SORT,
	'metric.val/loss.last',
	'metric.val/acc.max',
	'metric.train/acc.last',
	'hp.lr',
	'hp.batch_size',
	'hp.optimizer',
	'result.test/accuracy'
];
/** DEFAULT_COLUMNS in site/src/lib/experiments/columns.ts: a fresh browser's columns. */
const DEFAULT_COLUMNS = ['duration', 'updated'];

const VIEWS: View[] = [
	{
		name: 'default view (newest first)',
		search: [],
		list: [
			['sort', 'created'],
			['order', 'desc'],
			...DEFAULT_COLUMNS.map((c): [string, string] => ['columns', c])
		],
		columns: DEFAULT_COLUMNS
	},
	{
		name: 'P11 view (filter, sort by train/loss.min, 10 columns)',
		search: [
			['filter', P11_FILTER],
			['sort', P11_SORT],
			['order', 'asc'],
			['columns', P11_COLUMNS.join(',')]
		],
		list: [
			['filter', P11_FILTER],
			['sort', P11_SORT],
			['order', 'asc'],
			...P11_COLUMNS.map((c): [string, string] => ['columns', c])
		],
		columns: P11_COLUMNS
	}
];

const hasMetricColumns = (view: View) => view.columns.some((c) => c.startsWith('metric.'));

interface ViewResult {
	view: View;
	ours: FirstRows[];
	/** The first sparkline of each of those navigations (views with metric columns). */
	sparklines: FirstSparkline[];
	baseline: FirstRows[];
	scroll: { ours: ScrollRun; baseline: ScrollRun; rowsLoaded: number; rowsInDom: number };
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const session = await localSession(ctx.baseUrl, `bench-p13-${Date.now()}@example.test`);
	const workspaceId = await personalWorkspace(ctx.baseUrl, session.accessToken);
	const runs = runsFor(ctx);
	ctx.log(`P13: seeding ${runs.toLocaleString('en')} runs`);
	const seeded = await seedRunWorkspace(ctx.sql, workspaceId, session.stored.user.id, runs);
	ctx.log(`P13: seeded in ${seeded.seconds.toFixed(1)} s`);

	const api = listClient(ctx.baseUrl, session.accessToken, workspaceId);
	const files: string[] = [];
	const servePage = (name: string, html: string) => {
		files.push(join(siteBuildDir, name));
		writeFileSync(join(siteBuildDir, name), html);
		return `${ctx.baseUrl}/${name}`;
	};
	const browser = await launchBrowser();
	try {
		const firsts: Experiment[][] = [];
		const pages = await Promise.all(
			VIEWS.map(async (view, index) => {
				const first = await api.page(view, null);
				firsts.push(first.items);
				if (first.items.length === 0) throw new Error(`${view.name}: the API lists no runs`);
				return {
					view,
					dashboard: dashboardUrl(ctx.baseUrl, workspaceId, view),
					baseline: servePage(`bench-p13-first-${index}.html`, tableHtml(first.items, view.columns)),
					expectedFirst: first.items[0].name
				};
			})
		);
		const seededRuns = [...new Set(firsts.flatMap((items) => items.map((e) => e.id)))];
		await seedSparklineRollups(ctx.sql, seededRuns);
		ctx.log(`P13: rollups for the sparklines of ${seededRuns.length} runs`);

		// One unmeasured round warms the server, the page's files and Chromium; then every round
		// opens each page once, so drift on a shared machine hits all of them alike.
		const timings = pages.map(() => ({
			ours: [] as FirstRows[],
			sparklines: [] as FirstSparkline[],
			baseline: [] as FirstRows[]
		}));
		for (let round = -1; round < SAMPLES; round++) {
			for (const [index, page] of pages.entries()) {
				const { first: ours, sparkline } = await firstRows(
					browser,
					session,
					page.dashboard,
					hasMetricColumns(page.view)
				);
				const { first: baseline } = await firstRows(browser, session, page.baseline);
				for (const [label, seen] of [
					['dashboard', ours],
					['baseline page', baseline]
				] as const) {
					if (seen.firstName !== page.expectedFirst) {
						throw new Error(
							`${page.view.name}: the ${label} drew ${seen.firstName} first, the API lists ${page.expectedFirst}`
						);
					}
				}
				if (sparkline && !(sparkline.requestStart !== null && sparkline.requestStart >= ours.drawnAt)) {
					throw new Error(
						`${page.view.name}: the sparklines were asked for at ${sparkline.requestStart} ms, ` +
							`before the first rows were drawn (${ours.drawnAt.toFixed(0)} ms)`
					);
				}
				if (round < 0) continue;
				timings[index].ours.push(ours);
				if (sparkline) timings[index].sparklines.push(sparkline);
				timings[index].baseline.push(baseline);
			}
		}

		const results: ViewResult[] = [];
		for (const [index, page] of pages.entries()) {
			const dashboard = await scrollDashboard(browser, session, page.dashboard, page.view);
			const rows = await api.rows(page.view, dashboard.rowsLoaded);
			const baselineUrl = servePage(
				`bench-p13-scroll-${index}.html`,
				tableHtml(rows, page.view.columns, dashboard.boxHeight)
			);
			const baseline = await scrollBaseline(browser, session, baselineUrl);
			ctx.log(
				`P13 ${page.view.name}: scrolled ${Math.round(dashboard.run.scrolled).toLocaleString('en')} px ` +
					`(plain table ${Math.round(baseline.scrolled).toLocaleString('en')} px), ` +
					`${dashboard.rowsLoaded} rows loaded in ${dashboard.run.pageRequests} page requests, ` +
					`${dashboard.run.rereads} live re-reads, ${dashboard.rowsInDom} rows in the DOM; long tasks ` +
					`${describeLongTasks(dashboard.run)} (plain table ${describeLongTasks(baseline)})`
			);
			results.push({
				view: page.view,
				...timings[index],
				scroll: {
					ours: dashboard.run,
					baseline,
					rowsLoaded: dashboard.rowsLoaded,
					rowsInDom: dashboard.rowsInDom
				}
			});
		}
		return results.flatMap((result) => rowsFor(result, runs, ctx.dbKind === 'postgres'));
	} finally {
		await browser.close();
		for (const file of files) rmSync(file, { force: true });
	}
}

function rowsFor(result: ViewResult, runs: number, onServer: boolean): BenchRow[] {
	const { view, ours, baseline, scroll, sparklines } = result;
	const drawn = (samples: FirstRows[], share: number) =>
		percentile(
			samples.map((s) => s.drawnAt),
			share
		);
	const oursP50 = drawn(ours, 0.5);
	const listStart = median(ours.map((s) => s.listRequestStart ?? Number.NaN));
	const listEnd = median(ours.map((s) => s.listResponseEnd ?? Number.NaN));
	const scale = `${runs.toLocaleString('en')} runs`;
	const a = summariseFrames(scroll.ours.intervals);
	const b = summariseFrames(scroll.baseline.intervals);
	const share = (count: number, summary: FrameSummary) => (100 * count) / Math.max(1, summary.frames);
	const scrollNote =
		`${a.overTwo} of ${a.frames} frames (plain table ${b.overTwo} of ${b.frames}); ${scroll.rowsLoaded} rows ` +
		`loaded in ${scroll.ours.pageRequests} page requests while scrolling, ${scroll.rowsInDom} in the DOM`;
	const sparkRows: BenchRow[] = sparklines.length
		? [
				{
					benchmark: BENCHMARK,
					metric: `${view.name}: first sparkline drawn after navigation p50`,
					ours: median(sparklines.map((s) => s.drawnAt)),
					baseline: null,
					unit: 'ms',
					goal: 'asked for after the first rows are drawn',
					met: true,
					note:
						`POST /api/series sent at ${median(sparklines.map((s) => s.requestStart ?? Number.NaN)).toFixed(0)} ms, ` +
						`answered at ${median(sparklines.map((s) => s.responseEnd ?? Number.NaN)).toFixed(0)} ms (p50s); ` +
						`after the first rows in all ${sparklines.length} navigations (the page waits for the rows to stay put)`
				}
			]
		: [];
	return [
		...sparkRows,
		{
			benchmark: BENCHMARK,
			metric: `${scale}, ${view.name}: first rows drawn after navigation p50`,
			ours: oursP50,
			baseline: drawn(baseline, 0.5),
			unit: 'ms',
			goal: `≤ ${GOAL_FIRST_ROWS_MS} ms`,
			met: onServer ? oursP50 <= GOAL_FIRST_ROWS_MS : undefined,
			note:
				`${ours.length} navigations, fresh context each; list request sent at ${listStart.toFixed(0)} ms, ` +
				`answered at ${listEnd.toFixed(0)} ms (p50s); ` +
				`baseline: the same ${DASHBOARD_PAGE} rows in a bare HTML page` +
				(onServer ? '' : '; absolute goals apply on PostgreSQL')
		},
		{
			benchmark: BENCHMARK,
			metric: `${view.name}: first rows drawn p99`,
			ours: drawn(ours, 0.99),
			baseline: drawn(baseline, 0.99),
			unit: 'ms'
		},
		{
			benchmark: BENCHMARK,
			metric: `${view.name}, ${SCROLL_SECONDS} s scroll: dropped frames (> 33.3 ms, P8's)`,
			ours: share(a.overTwo, a),
			baseline: share(b.overTwo, b),
			unit: '%',
			ratio: Number.NaN,
			goal: 'none beyond the plain table’s',
			met: a.overTwo <= b.overTwo,
			note: scrollNote
		},
		{
			benchmark: BENCHMARK,
			metric: `${view.name}: frames > 16.7 ms (a vsync missed)`,
			ours: share(a.overOne, a),
			baseline: share(b.overOne, b),
			unit: '%',
			ratio: Number.NaN,
			note: `${a.overOne} of ${a.frames} frames (plain table ${b.overOne} of ${b.frames})`
		},
		{
			benchmark: BENCHMARK,
			metric: `${view.name}: frame interval p50`,
			ours: a.p50,
			baseline: b.p50,
			unit: 'ms'
		},
		{
			benchmark: BENCHMARK,
			metric: `${view.name}: frame interval p99`,
			ours: a.p99,
			baseline: b.p99,
			unit: 'ms',
			note: `worst ${a.worst.toFixed(0)} ms (plain table ${b.worst.toFixed(0)} ms)`
		}
	];
}

async function personalWorkspace(baseUrl: string, token: string): Promise<string> {
	const response = await fetch(`${baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
	if (!response.ok) throw new Error(`GET /api/me: ${response.status} ${await response.text()}`);
	const { data } = (await response.json()) as { data: { personalWorkspaceId: string } };
	return data.personalWorkspaceId;
}

function dashboardUrl(baseUrl: string, workspaceId: string, view: View): string {
	return `${baseUrl}/dashboard?${new URLSearchParams([['ws', workspaceId], ...view.search])}`;
}

/** The dashboard's list requests, made from here: its first page, and its first `count` rows. */
function listClient(baseUrl: string, token: string, workspaceId: string) {
	const page = async (view: View, cursor: string | null): Promise<ExperimentPage> => {
		const query = new URLSearchParams([['limit', String(DASHBOARD_PAGE)], ...view.list]);
		if (cursor) query.set('cursor', cursor);
		const response = await fetch(`${baseUrl}/api/workspaces/${workspaceId}/experiments?${query}`, {
			headers: { authorization: `Bearer ${token}` }
		});
		const text = await response.text();
		if (response.status !== 200) throw new Error(`list: ${response.status} ${text.slice(0, 300)}`);
		return (JSON.parse(text) as { data: ExperimentPage }).data;
	};
	return {
		page,
		async rows(view: View, count: number): Promise<Experiment[]> {
			const rows: Experiment[] = [];
			let cursor: string | null = null;
			do {
				const next: ExperimentPage = await page(view, cursor);
				rows.push(...next.items);
				cursor = next.next_cursor;
			} while (cursor && rows.length < count);
			return rows.slice(0, count);
		}
	};
}

/** A fresh signed-in page at the benchmark's viewport, measuring its table from its first byte. */
async function openPage(browser: Browser, session: BrowserSession, url: string, sparklines = false) {
	const context = await signedInContext(browser, session);
	await context.addInitScript(FIRST_ROWS_INIT_SCRIPT);
	if (sparklines) await context.addInitScript(SPARKLINE_INIT_SCRIPT);
	const page = await context.newPage();
	await page.setViewportSize(VIEWPORT);
	await page.goto(url, { waitUntil: 'commit' });
	const first = (await page.evaluate(firstRowsScript(WAIT_MS))) as FirstRows | null;
	if (!first) {
		await context.close();
		throw new Error(`${url}: no table row drawn within ${WAIT_MS / 1000} s`);
	}
	return { context, page, first };
}

async function firstRows(
	browser: Browser,
	session: BrowserSession,
	url: string,
	sparklines = false
): Promise<{ first: FirstRows; sparkline?: FirstSparkline }> {
	const { context, page, first } = await openPage(browser, session, url, sparklines);
	try {
		if (!sparklines) return { first };
		const sparkline = (await page.evaluate(firstSparklineScript(WAIT_MS))) as FirstSparkline | null;
		if (!sparkline) throw new Error(`${url}: no sparkline drawn within ${WAIT_MS / 1000} s`);
		return { first, sparkline };
	} finally {
		await context.close();
	}
}

/**
 * Level-1 rollups (16 steps a bucket) for every seeded series of these runs: a 1,000-step curve,
 * falling for losses and rising for accuracies, with a little wobble. The seeded summaries say
 * 1,000 points over steps 0–999, and a 28-bucket read of that range merges level-1 rollups only.
 */
async function seedSparklineRollups(sql: postgres.Sql, runIds: string[]): Promise<void> {
	await sql`
		insert into metric_rollups (series_id, level, bucket, point_count, min_value, max_value, last_step,
			last_value, last_logged_at)
		select s.id, 1, b, case when b = 62 then 8 else 16 end, v - 0.02 * spread, v + 0.02 * spread,
			least(b * 16 + 15, 999), v, s.last_logged_at
		from metric_series s
		cross join generate_series(0, 62) b
		cross join lateral (
			select greatest(s.max_value - s.min_value, 1e-6) as spread,
				case when s.name like '%acc%'
					then s.min_value + (s.max_value - s.min_value) * (1 - exp(-4 * b / 62.0))
					else s.min_value + (s.max_value - s.min_value) * exp(-4 * b / 62.0)
				end + 0.03 * (s.max_value - s.min_value) * sin(b + s.id) as v
		) shaped
		where s.experiment_id = any(${sql.array(runIds)}::uuid[])
		on conflict do nothing
	`;
}

async function scrollDashboard(browser: Browser, session: BrowserSession, url: string, view: View) {
	const { context, page } = await openPage(browser, session, url);
	try {
		// The checkbox, name, status, the view's columns, tags and created: every column it names.
		const headers = await page.locator(`${TABLE_SELECTOR} thead th`).count();
		if (headers !== 5 + view.columns.length) {
			throw new Error(`${view.name}: the dashboard shows ${headers} columns, not ${5 + view.columns.length}`);
		}
		// Scroll once the page has settled (its other requests answered), as a reader would.
		await page.waitForLoadState('networkidle');
		const run = await scroll(page);
		const rowCount = Number(await page.locator(TABLE_SELECTOR).getAttribute('aria-rowcount'));
		const rowsInDom = await page.locator(`${TABLE_SELECTOR} tbody tr[aria-rowindex]`).count();
		const boxHeight = (await page.evaluate(
			`document.querySelector(${JSON.stringify(TABLE_SELECTOR)}).parentElement.clientHeight`
		)) as number;
		return { run, rowsLoaded: rowCount - 1, rowsInDom, boxHeight };
	} finally {
		await context.close();
	}
}

async function scrollBaseline(browser: Browser, session: BrowserSession, url: string): Promise<ScrollRun> {
	const { context, page } = await openPage(browser, session, url);
	try {
		await page.waitForLoadState('load');
		return await scroll(page);
	} finally {
		await context.close();
	}
}

async function scroll(page: Page): Promise<ScrollRun> {
	return (await page.evaluate(scrollScript({ step: STEP_PX, ms: SCROLL_SECONDS * 1000 }))) as ScrollRun;
}

function describeLongTasks(run: ScrollRun): string {
	if (run.longTasks.length === 0) return 'none';
	const total = run.longTasks.reduce((sum, [, duration]) => sum + duration, 0);
	const worst = Math.max(...run.longTasks.map(([, duration]) => duration));
	return `${run.longTasks.length} (${total.toFixed(0)} ms in all, worst ${worst.toFixed(0)} ms)`;
}

/**
 * The bare page: a plain table of the rows, the dashboard's columns as text, rows of its height,
 * in a scroll box of its height (when given; otherwise the dashboard's own rule for it). The
 * table and its rows carry the attributes the page-side measurement looks for.
 */
function tableHtml(rows: Experiment[], columns: string[], boxHeight?: number): string {
	const escape = (text: string) =>
		text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
	// The first cell stands where the dashboard has its checkbox, so the name is the second cell.
	const head = ['', 'Name', 'Status', ...columns, 'Tags', 'Created']
		.map((c) => `<th>${escape(c)}</th>`)
		.join('');
	const body = rows
		.map((row, i) => {
			const cells = [
				'',
				row.name,
				row.status,
				...columns.map((c) => cellText(row, c)),
				row.tags.join(' '),
				row.created_at
			];
			return `<tr aria-rowindex="${i + 2}">${cells.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`;
		})
		.join('\n');
	const height = boxHeight === undefined ? 'calc(100vh - 16rem)' : `${boxHeight}px`;
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>P13 baseline</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px; }
.box { max-height: ${height}; overflow: auto; border: 1px solid #e4e4e7; }
table { width: 100%; table-layout: fixed; border-collapse: separate; border-spacing: 0; }
th, td { padding: 0 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; border-bottom: 1px solid #f4f4f5; text-align: left; }
th { position: sticky; top: 0; height: 40px; background: #fafafa; }
tr { height: ${ROW_PX}px; }
th:first-child { width: 20px; }
</style></head>
<body><div class="box"><table aria-label="Experiments"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div></body></html>
`;
}

/** A cell as text: a metric summary (`metric.<name>.<aggregate>`), a hyperparameter, a result or a field. */
function cellText(row: Experiment, column: string): string {
	const metric = /^metric\.(.+)\.(\w+)$/.exec(column);
	if (metric) {
		const summary = row.metrics.find((m) => m.name === metric[1]) as Record<string, unknown> | undefined;
		return String(summary?.[metric[2]] ?? '—');
	}
	if (column.startsWith('hp.')) {
		return String(row.hyperparams.find((h) => h.key === column.slice(3))?.value ?? '—');
	}
	if (column.startsWith('result.')) {
		return String(row.results.find((r) => r.name === column.slice(7))?.value ?? '—');
	}
	if (column === 'duration') {
		return `${Math.round((Date.parse(row.last_seen_at) - Date.parse(row.created_at)) / 1000)} s`;
	}
	if (column === 'updated') return row.updated_at;
	return '—';
}

runIfMain(import.meta.url, run);
