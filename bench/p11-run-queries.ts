/**
 * P11 run queries: "which run is best?" at 100,000 runs (issue 14). A workspace of 100,000 runs
 * (`BENCH_P11_RUNS`; 40,000 on PGlite) with 20 hyperparameters, 10 metric series and 3 results
 * each, listed through the real endpoint over HTTP, 50 rows with 10 columns:
 *
 * - sorted by `metric.train/loss.min` with the filter `hp.lr < 1e-3 and (tag = "a" or status =
 *   failed)`: the first page, and page 100 reached by following `next_cursor` 99 times;
 * - sorted by `created` with no filter (the index path), for reference.
 *
 * Baseline, same data, same run: the SQL a person would write for the same page (a join on
 * metric_series for the sort, jsonb lookups for the filter, keyset paging on (value, id)), then
 * the page's column summaries and results, run on the benchmark's own connection: no HTTP, auth,
 * validation or JSON, so a floor rather than the full cost. Each timed request alternates with its
 * baseline, so drift on a shared machine hits both alike, and the two must return the same runs
 * in the same order (otherwise the benchmark fails: the baseline would not be the same page).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../server/paths.ts';
import { runIfMain } from './lib/main.ts';
import { RUN_METRICS, seedRunWorkspace } from './lib/run-workspace.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P11 run queries';
/**
 * On the embedded PGlite the workspace is smaller (40,000 runs, enough for 100 filtered pages) to
 * keep the run short: PGlite runs one statement at a time on one core. The goals apply to the
 * PostgreSQL run.
 */
const runsFor = (ctx: BenchContext) =>
	Number(process.env.BENCH_P11_RUNS ?? (ctx.dbKind === 'postgres' ? 100_000 : 40_000));
const SAMPLES = Number(process.env.BENCH_P11_SAMPLES ?? 30);
const PAGE_SIZE = 50;
const DEEP_PAGE = 100;
const SORT = 'metric.train/loss.min';
const FILTER = 'hp.lr < 1e-3 and (tag = "a" or status = failed)';
/** Ten columns, as a saved view would show them; the sort column is one of them. */
const COLUMNS = [
	SORT,
	'metric.val/loss.last',
	'metric.val/acc.max',
	'metric.train/acc.last',
	'hp.lr',
	'hp.batch_size',
	'hp.optimizer',
	'result.test/accuracy',
	'status',
	'created'
];
const COLUMN_METRICS = [
	...new Set(COLUMNS.flatMap((column) => /^metric\.(.+)\.\w+$/.exec(column)?.[1] ?? []))
];
const GOAL_PAGE_MS = 50;
const GOAL_DEEP_RATIO = 1.5;
const GOAL_KEYS_MS = 30;

interface Page {
	ids: string[];
	nextCursor: string | null;
}

interface Timings {
	ours: number[];
	baseline: number[];
}

const percentile = (times: number[], share: number) => {
	const sorted = [...times].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
};

async function time<T>(work: () => Promise<T>): Promise<[number, T]> {
	const started = performance.now();
	const value = await work();
	return [performance.now() - started, value];
}

/**
 * Two warm-up rounds, then `SAMPLES` rounds of ours then the baseline; each round's pages must
 * list the same runs.
 */
async function interleaved(label: string, ours: () => Promise<Page>, baseline: () => Promise<Page>) {
	const timings: Timings = { ours: [], baseline: [] };
	for (let round = -2; round < SAMPLES; round++) {
		const [oursMs, oursPage] = await time(ours);
		const [baselineMs, baselinePage] = await time(baseline);
		if (oursPage.ids.join() !== baselinePage.ids.join()) {
			throw new Error(`${label}: the endpoint and the hand-written SQL list different runs`);
		}
		if (round < 0) continue;
		timings.ours.push(oursMs);
		timings.baseline.push(baselineMs);
	}
	return timings;
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const { token, userId, workspaceId } = await ctx.signIn();
	const runs = runsFor(ctx);
	ctx.log(`P11: seeding ${runs.toLocaleString('en')} runs`);
	const seeded = await seedRunWorkspace(ctx.sql, workspaceId, userId, runs);
	ctx.log(
		`P11: ${seeded.runs} runs, ${seeded.series} series, ${seeded.results} results in ${seeded.seconds.toFixed(1)} s ` +
			`(${Object.entries(seeded.steps)
				.map(([step, at]) => `${step} done at ${at.toFixed(1)} s`)
				.join(', ')})`
	);

	const list = async (params: Record<string, string>, cursor?: string): Promise<Page> => {
		const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...params });
		for (const column of COLUMNS) query.append('columns', column);
		if (cursor) query.set('cursor', cursor);
		const res = await fetch(`${ctx.baseUrl}/api/workspaces/${workspaceId}/experiments?${query}`, {
			headers: { authorization: `Bearer ${token}` }
		});
		const text = await res.text();
		if (res.status !== 200) throw new Error(`list: ${res.status} ${text.slice(0, 300)}`);
		const { data } = JSON.parse(text) as {
			data: { items: Array<{ id: string }>; next_cursor: string | null };
		};
		return { ids: data.items.map((item) => item.id), nextCursor: data.next_cursor };
	};
	const hand = handWrittenQueries(ctx, workspaceId);

	// Filtered, sorted by a metric: page 1, then page 100 by following the cursor.
	const filtered = { sort: SORT, order: 'asc', filter: FILTER };
	const firstPage = await interleaved('page 1', () => list(filtered), hand.byLoss);
	// A small workspace (BENCH_P11_RUNS, while developing) may run out of pages first: then the
	// last full page reached stands in, and the rows name its number.
	let deepPage = 1;
	let deepCursor = '';
	for (let cursor: string | null = null; deepPage < DEEP_PAGE; deepPage++) {
		const page: Page = await list(filtered, cursor ?? undefined);
		if (!page.nextCursor || page.ids.length < PAGE_SIZE) break;
		cursor = page.nextCursor;
		deepCursor = cursor;
	}
	if (!deepCursor) throw new Error('fewer than two pages match the filter; seed more runs (BENCH_P11_RUNS)');
	const lastBeforeDeepPage = await hand.lastRowBefore(deepPage);
	const deep = await interleaved(
		`page ${deepPage}`,
		() => list(filtered, deepCursor),
		() => hand.byLoss(lastBeforeDeepPage)
	);

	// Newest first, no filter: the (workspace_id, created_at desc, id desc) index serves it.
	const byCreated = await interleaved(
		'created',
		() => list({ sort: 'created', order: 'desc' }),
		hand.byCreated
	);

	// Other sort keys, same filter, page 1: a hyperparameter (its experiment_params index) and a
	// metric aggregate no index serves (every matching run is read: the fallback's cost).
	const byLr = await interleaved(
		'hp.lr',
		() => list({ sort: 'hp.lr', order: 'desc', filter: FILTER }),
		hand.byLr
	);
	const byFirst = await interleaved(
		'first',
		() => list({ sort: 'metric.train/loss.first', order: 'asc', filter: FILTER }),
		hand.byFirst
	);

	const onServer = ctx.dbKind === 'postgres';
	const goalNote = onServer ? undefined : 'absolute goals apply on PostgreSQL';
	const firstP50 = percentile(firstPage.ours, 0.5);
	const deepP50 = percentile(deep.ours, 0.5);
	const row = (
		metric: string,
		timings: Timings,
		share: number,
		goal?: string,
		met?: boolean,
		note?: string
	): BenchRow => ({
		benchmark: BENCHMARK,
		metric,
		ours: percentile(timings.ours, share),
		baseline: percentile(timings.baseline, share),
		unit: 'ms',
		goal,
		met,
		note
	});
	const scale = `${runs.toLocaleString('en')} runs`;
	const rows: BenchRow[] = [
		row(
			`${scale}, filter + sort by ${SORT}, page 1 (${PAGE_SIZE} rows, ${COLUMNS.length} columns) p50`,
			firstPage,
			0.5,
			`≤ ${GOAL_PAGE_MS} ms`,
			onServer ? firstP50 <= GOAL_PAGE_MS : undefined,
			goalNote ?? 'ours over HTTP (auth included); baseline: hand-written SQL, same connection'
		),
		row(`filter + sort by ${SORT}, page 1 p99`, firstPage, 0.99),
		row(
			`filter + sort by ${SORT}, page ${deepPage} (keyset) p50`,
			deep,
			0.5,
			`≤ ${GOAL_DEEP_RATIO}× our page 1`,
			deepP50 <= GOAL_DEEP_RATIO * firstP50,
			`page ${deepPage} / page 1 = ${(deepP50 / firstP50).toFixed(2)}×`
		),
		row(`filter + sort by ${SORT}, page ${deepPage} p99`, deep, 0.99),
		row(
			`filter + sort by hp.lr desc, page 1 p50`,
			byLr,
			0.5,
			undefined,
			undefined,
			'experiment_params index'
		),
		row(`filter + sort by hp.lr desc, page 1 p99`, byLr, 0.99),
		row(
			`filter + sort by metric.train/loss.first, page 1 p50`,
			byFirst,
			0.5,
			undefined,
			undefined,
			'no index for first: reads every matching run'
		),
		row(`filter + sort by metric.train/loss.first, page 1 p99`, byFirst, 0.99),
		row(`sort by created, no filter, page 1 p50`, byCreated, 0.5, undefined, undefined, 'the index path'),
		row(`sort by created, no filter, page 1 p99`, byCreated, 0.99)
	];
	rows.push(...(await keyAutocomplete(ctx, token, workspaceId, onServer)));
	return rows;
}

/**
 * The same pages in SQL as a person would write them: an inner join on the sort metric's series
 * (runs without it cannot be on these pages: the endpoint lists them last) ordered as its sort
 * index (workspace_id, name, min_value, experiment_id) reads, `->>` casts for hyperparameters,
 * then the page's column summaries and results as the list carries them.
 */
function handWrittenQueries(ctx: BenchContext, workspaceId: string) {
	const { sql } = ctx;
	const columnsOf = async (ids: string[]) => {
		if (ids.length === 0) return;
		await Promise.all([
			sql`
				select experiment_id, name, point_count, first_step, last_step, min_value, max_value, last_value,
					first_value
				from metric_series where experiment_id in ${sql(ids)} and name in ${sql(COLUMN_METRICS)}
			`,
			sql`select experiment_id, name, value, logged_at from results where experiment_id in ${sql(ids)}`
		]);
	};
	const filteredByLoss = (after: { value: number; id: string } | null, extra: { offset: number }) => sql`
		select e.*, s.min_value as sort_value
		from experiments e
		join metric_series s on s.experiment_id = e.id and s.name = 'train/loss' and s.workspace_id = e.workspace_id
		where e.workspace_id = ${workspaceId}
			and (e.hyperparams_by_key ->> 'lr')::float8 < 1e-3
			and ('a' = any (e.tags) or e.status = 'failed')
			${after ? sql`and (s.min_value, s.experiment_id) > (${after.value}::float8, ${after.id}::uuid)` : sql``}
		order by s.min_value, s.experiment_id
		offset ${extra.offset} limit ${PAGE_SIZE + 1}
	`;
	return {
		async byLoss(after: { value: number; id: string } | null = null): Promise<Page> {
			const rows = await filteredByLoss(after, { offset: 0 });
			const ids = rows.slice(0, PAGE_SIZE).map((r) => r.id as string);
			await columnsOf(ids);
			return { ids, nextCursor: null };
		},
		/** The last run of page `page - 1`, where a keyset read of page `page` starts (not timed). */
		async lastRowBefore(page: number): Promise<{ value: number; id: string }> {
			const [last] = await filteredByLoss(null, { offset: (page - 1) * PAGE_SIZE - 1 });
			return { value: last.sort_value as number, id: last.id as string };
		},
		async byLr(): Promise<Page> {
			const rows = await sql`
				select e.* from experiments e
				join experiment_params p on p.experiment_id = e.id and p.key = 'lr' and p.workspace_id = e.workspace_id
				where e.workspace_id = ${workspaceId}
					and p.workspace_id = ${workspaceId} and p.kind = 0 and p.number_value < 1e-3
					and (e.hyperparams_by_key ->> 'lr')::float8 < 1e-3
					and ('a' = any (e.tags) or e.status = 'failed')
				order by p.kind desc, p.number_value desc, p.text_value desc, p.experiment_id desc
				limit ${PAGE_SIZE + 1}
			`;
			const ids = rows.slice(0, PAGE_SIZE).map((r) => r.id as string);
			await columnsOf(ids);
			return { ids, nextCursor: null };
		},
		async byFirst(): Promise<Page> {
			const rows = await sql`
				select e.* from experiments e
				join metric_series s on s.experiment_id = e.id and s.name = 'train/loss'
				where e.workspace_id = ${workspaceId}
					and (e.hyperparams_by_key ->> 'lr')::float8 < 1e-3
					and ('a' = any (e.tags) or e.status = 'failed')
				order by s.first_value, e.id
				limit ${PAGE_SIZE + 1}
			`;
			const ids = rows.slice(0, PAGE_SIZE).map((r) => r.id as string);
			await columnsOf(ids);
			return { ids, nextCursor: null };
		},
		async byCreated(): Promise<Page> {
			const rows = await sql`
				select e.* from experiments e where e.workspace_id = ${workspaceId}
				order by e.created_at desc, e.id desc limit ${PAGE_SIZE + 1}
			`;
			const ids = rows.slice(0, PAGE_SIZE).map((r) => r.id as string);
			await columnsOf(ids);
			return { ids, nextCursor: null };
		}
	};
}

/**
 * Autocomplete in the query box (`GET /api/workspaces/:id/keys`), when that endpoint exists in
 * this tree: every key name the workspace has used, then the values of one hyperparameter.
 * Baseline for the names: the same lists by `select distinct` over every run, series and result
 * of the workspace (what the key catalog saves), on the benchmark's own connection; it is slow,
 * so it gets fewer samples and only a p50.
 */
async function keyAutocomplete(
	ctx: BenchContext,
	token: string,
	workspaceId: string,
	onServer: boolean
): Promise<BenchRow[]> {
	if (!existsSync(join(repoRoot, 'functions', 'workspace-keys.mts'))) {
		ctx.log('P11: functions/workspace-keys.mts does not exist: no key autocomplete rows');
		return [];
	}
	const keys = async (query = '') => {
		const res = await fetch(`${ctx.baseUrl}/api/workspaces/${workspaceId}/keys${query}`, {
			headers: { authorization: `Bearer ${token}` }
		});
		const text = await res.text();
		if (res.status !== 200) throw new Error(`keys: ${res.status} ${text.slice(0, 300)}`);
		return text;
	};
	const samples = async (count: number, work: () => Promise<unknown>) => {
		const times: number[] = [];
		for (let round = -2; round < count; round++) {
			const [ms] = await time(work);
			if (round >= 0) times.push(ms);
		}
		return times;
	};
	const names = await keys();
	if (!RUN_METRICS.every((name) => names.includes(`"${name}"`))) {
		throw new Error(`keys: metric names missing: ${names.slice(0, 300)}`);
	}
	const { sql } = ctx;
	const distinctNames = () =>
		Promise.all([
			sql`select distinct k from experiments e, jsonb_object_keys(e.hyperparams_by_key) k
				where e.workspace_id = ${workspaceId} order by k`,
			sql`select distinct t from experiments e, unnest(e.tags) t where e.workspace_id = ${workspaceId} order by t`,
			sql`select distinct s.name from metric_series s join experiments e on e.id = s.experiment_id
				where e.workspace_id = ${workspaceId} order by s.name`,
			sql`select distinct r.name from results r join experiments e on e.id = r.experiment_id
				where e.workspace_id = ${workspaceId} order by r.name`
		]);
	const ours = await samples(SAMPLES, () => keys());
	const baseline = await samples(5, distinctNames);
	const values = await samples(SAMPLES, () => keys('?values=hp.optimizer'));
	const p50 = percentile(ours, 0.5);
	const valuesP50 = percentile(values, 0.5);
	const row = (
		metric: string,
		ms: number,
		baselineMs: number | null,
		goal?: string,
		met?: boolean
	): BenchRow => ({
		benchmark: BENCHMARK,
		metric,
		ours: ms,
		baseline: baselineMs,
		unit: 'ms',
		goal,
		met: onServer ? met : undefined,
		note:
			baselineMs === null ? undefined : 'baseline: select distinct over the workspace’s runs, series, results'
	});
	return [
		row(
			'GET /api/workspaces/:id/keys (all key names) p50',
			p50,
			percentile(baseline, 0.5),
			`≤ ${GOAL_KEYS_MS} ms`,
			p50 <= GOAL_KEYS_MS
		),
		row('GET /api/workspaces/:id/keys (all key names) p99', percentile(ours, 0.99), null),
		row(
			'GET /api/workspaces/:id/keys?values=hp.optimizer p50',
			valuesP50,
			null,
			`≤ ${GOAL_KEYS_MS} ms`,
			valuesP50 <= GOAL_KEYS_MS
		),
		row('GET /api/workspaces/:id/keys?values=hp.optimizer p99', percentile(values, 0.99), null)
	];
}

runIfMain(import.meta.url, run);
