/**
 * P9 list bounds: a workspace of 20 experiments with 10,000 metrics each, listed as the dashboard
 * lists it (`GET /api/workspaces/:id/experiments?limit=100&sort=created&order=desc&metrics=...`,
 * asking for the summaries of its three metric columns only): response time and size.
 *
 * Baseline, same data, same run: the list as it was before lists were bounded, every summary of
 * every experiment: its SQL (the page, all its summaries, all its results) run by the benchmark's
 * own client and the rows encoded as the JSON the API returned. No HTTP, auth or validation, so a
 * floor for that response rather than its full cost.
 */
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P9 list bounds';
const EXPERIMENTS = 20;
const METRICS = 10_000;
/** The dashboard's page size and a view with three metric columns. */
const PAGE_SIZE = 100;
const COLUMNS = ['m00001', 'm05000', 'm09999'];
const READS = 30;
const BASELINE_READS = 10;
const GOAL_MS = 200;
const GOAL_BYTES = 1024 * 1024;

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];

async function timed(reads: number, read: () => Promise<number>): Promise<{ ms: number; bytes: number }> {
	await read();
	await read();
	const times: number[] = [];
	let bytes = 0;
	for (let i = 0; i < reads; i++) {
		const started = performance.now();
		bytes = await read();
		times.push(performance.now() - started);
	}
	return { ms: median(times), bytes };
}

async function seed(ctx: BenchContext, token: string, workspaceId: string): Promise<void> {
	for (let i = 0; i < EXPERIMENTS; i++) {
		const res = await fetch(`${ctx.baseUrl}/api/experiments`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: JSON.stringify({
				name: `p9-${i}`,
				workspaceId,
				hyperparams: [
					{ key: 'lr', value: 0.001 * (i + 1) },
					{ key: 'batch', value: 64 }
				]
			})
		});
		if (res.status !== 201) throw new Error(`create experiment: ${res.status} ${await res.text()}`);
	}
	// Summaries straight into the table, as ingest keeps them: logging 200,000 series is not what
	// this measures (P2 does).
	await ctx.sql`
		insert into metric_series (experiment_id, name, point_count, first_step, last_step, min_value,
			max_value, last_value, first_logged_at, last_logged_at)
		select e.id, 'm' || lpad(g::text, 5, '0'), 1000, 0, 999, 0.1, 2.5, 0.12, now(), now()
		from experiments e, generate_series(0, ${METRICS - 1}) g
		where e.workspace_id = ${workspaceId}
	`;
	await ctx.sql`
		insert into results (experiment_id, name, value, msg_id)
		select e.id, r.name, 0.9, gen_random_uuid()
		from experiments e, (values ('test/accuracy'), ('test/loss')) as r(name)
		where e.workspace_id = ${workspaceId}
	`;
	await ctx.sql`analyze metric_series`;
}

/** The pre-bound list's statements and response body: every summary of every listed experiment. */
async function unboundedList(ctx: BenchContext, workspaceId: string): Promise<number> {
	const rows = await ctx.sql`
		select * from experiments where workspace_id = ${workspaceId}
		order by created_at desc, id desc limit ${PAGE_SIZE + 1}
	`;
	const ids = rows.map((row) => row.id as string);
	const series = await ctx.sql`
		select experiment_id, name, point_count, first_step, last_step, min_value, max_value, last_value
		from metric_series where experiment_id in ${ctx.sql(ids)} order by experiment_id, name
	`;
	const results = await ctx.sql`
		select experiment_id, name, value, logged_at from results
		where experiment_id in ${ctx.sql(ids)} order by experiment_id, name
	`;
	const metricsById = new Map<string, unknown[]>();
	for (const s of series) {
		const list = metricsById.get(s.experiment_id) ?? [];
		list.push({
			name: s.name,
			count: s.point_count,
			first_step: s.first_step,
			last_step: s.last_step,
			min: s.min_value,
			max: s.max_value,
			last: s.last_value
		});
		metricsById.set(s.experiment_id, list);
	}
	const items = rows.slice(0, PAGE_SIZE).map((row) => ({
		...row,
		metrics: metricsById.get(row.id) ?? [],
		results: results.filter((r) => r.experiment_id === row.id)
	}));
	return Buffer.byteLength(JSON.stringify({ status: 200, data: { items, next_cursor: null } }));
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const { token, workspaceId } = await ctx.signIn();
	ctx.log(`P9: seeding ${EXPERIMENTS} experiments × ${METRICS.toLocaleString('en')} metrics`);
	await seed(ctx, token, workspaceId);

	const query = new URLSearchParams({
		limit: String(PAGE_SIZE),
		sort: 'created',
		order: 'desc',
		metrics: COLUMNS.join(',')
	});
	const dashboardList = async () => {
		const res = await fetch(`${ctx.baseUrl}/api/workspaces/${workspaceId}/experiments?${query}`, {
			headers: { authorization: `Bearer ${token}` }
		});
		const body = await res.arrayBuffer();
		if (res.status !== 200)
			throw new Error(`list: ${res.status} ${Buffer.from(body).toString().slice(0, 200)}`);
		const { data } = JSON.parse(Buffer.from(body).toString()) as {
			data: { items: Array<{ metrics: unknown[]; metric_count: number }> };
		};
		if (data.items.length !== EXPERIMENTS || data.items.some((item) => item.metric_count !== METRICS)) {
			throw new Error(`list: unexpected page ${JSON.stringify(data).slice(0, 200)}`);
		}
		return body.byteLength;
	};
	const ours = await timed(READS, dashboardList);
	const baseline = await timed(BASELINE_READS, () => unboundedList(ctx, workspaceId));
	const kb = (bytes: number) => bytes / 1024;
	return [
		{
			benchmark: BENCHMARK,
			metric: `dashboard list, ${EXPERIMENTS} experiments × ${METRICS.toLocaleString('en')} metrics, ${COLUMNS.length} metric columns: time (median)`,
			ours: ours.ms,
			baseline: baseline.ms,
			unit: 'ms',
			goal: `≤ ${GOAL_MS} ms`,
			met: ours.ms <= GOAL_MS,
			note: 'ours over HTTP (auth included); baseline: the unbounded list’s SQL and JSON, in-process'
		},
		{
			benchmark: BENCHMARK,
			metric: 'dashboard list: response size',
			ours: kb(ours.bytes),
			baseline: kb(baseline.bytes),
			unit: 'KB',
			goal: '≤ 1 MB',
			met: ours.bytes <= GOAL_BYTES,
			note: 'baseline: every summary of every experiment, as lists returned them before'
		}
	];
}

runIfMain(import.meta.url, run);
