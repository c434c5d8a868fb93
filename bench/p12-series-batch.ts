/**
 * P12 series batch: the compare page's charts for 100 runs (issue 15). 100 runs × 5 metrics ×
 * `BENCH_P12_POINTS` points (100,000 on PostgreSQL, 2,000 on PGlite) read in one request,
 * `POST /api/series` with 200 buckets per series, ungrouped (500 series) and grouped by a
 * hyperparameter into 10 groups (50 bands); p50 and p99 of `BENCH_P12_SAMPLES` requests.
 *
 * Baseline, same data, same run: the same 500 series through 500 single-series requests
 * (`GET /api/experiments/:id/metrics?names=<m>&buckets=200`), six in flight as a browser would
 * send them to one host, timed from the first request to the last answer. Rounds alternate ours
 * and the baseline, so drift on a shared machine hits both alike.
 *
 * CPU per request, same rounds: the server process's and, on PostgreSQL, the backends of the
 * benchmark's database (from /proc: the server runs on this machine). Unlike times, CPU is not
 * stretched by other work waiting for the cores, so it still compares runs on a busy machine.
 *
 * Seeding: the runs are created through the API; their points are written set-wise in SQL, with
 * the rollups and summaries built by the same statement shape ingest uses (level 1 from the
 * points, levels 2–6 from level 1). Before any timing, one series is logged through the real
 * batch endpoint and the same points are stored by the seeder: their rollups and summaries must
 * be equal, or the benchmark fails (it would be reading data ingest never makes).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type postgres from 'postgres';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P12 series batch';
const RUNS = 100;
const METRICS = ['train/loss', 'train/acc', 'val/loss', 'val/acc', 'lr'];
const GROUPS = 10;
const BUCKETS = 200;
/** PGlite runs one statement at a time on one core: a smaller series keeps the run short. */
const pointsFor = (ctx: BenchContext) =>
	Number(process.env.BENCH_P12_POINTS ?? (ctx.dbKind === 'postgres' ? 100_000 : 2_000));
const SAMPLES = Number(process.env.BENCH_P12_SAMPLES ?? 20);
/** Rounds that also time the baseline (500 requests each). */
const BASELINE_ROUNDS = Number(process.env.BENCH_P12_BASELINE_ROUNDS ?? 5);
/** Requests a browser keeps in flight to one host over HTTP/1.1. */
const BROWSER_CONNECTIONS = 6;
const GOAL_MS = 300;
const GOAL_POINTS = 100_000;

const percentile = (times: number[], share: number) => {
	const sorted = [...times].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
};

export interface Seeded {
	key: string;
	ids: string[];
}

async function call(ctx: BenchContext, key: string, method: string, path: string, body?: unknown) {
	const response = await fetch(ctx.baseUrl + path, {
		method,
		headers: { 'x-api-key': key, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
	return { data: JSON.parse(text).data, bytes: Buffer.byteLength(text) };
}

/**
 * Stores the points `source` yields (`series_id, step, value`) for existing, empty series with
 * their rollups and summaries, as ingest's one statement per batch does (its `storePoints`).
 */
async function storeLikeIngest(sql: postgres.Sql, source: postgres.PendingQuery<postgres.Row[]>) {
	await sql`
		with inserted as (
			insert into metric_points (series_id, step, msg_id, value)
			select series_id, step, gen_random_uuid(), value from (${source}) source
			returning series_id, step, msg_id, value
		),
		fine as (
			select series_id, step >> 4 as bucket, count(*) as n, min(value) as low, max(value) as high,
				min(step) as first_step, max(step) as last_step,
				(array_agg(value order by step desc, msg_id desc))[1] as last_value,
				(array_agg(value order by step, msg_id))[1] as first_value
			from inserted group by series_id, step >> 4
		),
		levels as (
			select series_id, 1 as level, bucket, n, low, high, last_step, last_value from fine
			union all
			select series_id, l.level, bucket >> (4 * (l.level - 1)), sum(n), min(low), max(high), max(last_step),
				(array_agg(last_value order by last_step desc))[1]
			from fine cross join generate_series(2, 6) as l(level)
			group by 1, 2, 3
		),
		-- A data-modifying WITH runs to completion whether or not the update reads it.
		rollups as (
			insert into metric_rollups
				(series_id, level, bucket, point_count, min_value, max_value, last_step, last_value, last_logged_at)
			select series_id, level, bucket, n, low, high, last_step, last_value, now() from levels
		),
		per_series as (
			select series_id, sum(n) as n, min(low) as low, max(high) as high, min(first_step) as first_step,
				max(last_step) as last_step, (array_agg(last_value order by last_step desc))[1] as last_value,
				(array_agg(first_value order by first_step))[1] as first_value
			from fine group by series_id
		)
		update metric_series m set
			point_count = p.n, min_value = p.low, max_value = p.high, first_value = p.first_value,
			first_step = p.first_step, last_value = p.last_value, last_step = p.last_step,
			first_logged_at = now(), last_logged_at = now()
		from per_series p
		where m.id = p.series_id
	`;
}

async function createSeries(sql: postgres.Sql, experimentId: string, names: string[]): Promise<number[]> {
	const rows = await sql<{ id: number; name: string }[]>`
		insert into metric_series (experiment_id, name)
		select ${experimentId}::uuid, unnest(${`{${names.map((name) => `"${name}"`).join(',')}}`}::text::text[])
		returning id, name
	`;
	return names.map((name) => Number(rows.find((row) => row.name === name)!.id));
}

/** Logs a series through the real endpoint and stores the same points with the seeder: both must agree. */
async function checkSeeder(ctx: BenchContext, key: string, points: number): Promise<void> {
	const { data: run } = await call(ctx, key, 'POST', '/api/experiments', { name: 'p12 seeder check' });
	const length = Math.min(points, 30_000);
	for (let start = 0; start < length; start += 10_000) {
		const logs = [];
		for (let step = start; step < Math.min(length, start + 10_000); step++) {
			logs.push({ name: 'check', msg_id: randomUUID(), value: Math.sin(step / 97) + (step % 13) / 7, step });
		}
		await call(ctx, key, 'POST', `/api/experiments/${run.id}/logs/batch`, { logs });
	}
	const [ingested] = await ctx.sql<{ id: number }[]>`
		select id from metric_series where experiment_id = ${run.id} and name = 'check'
	`;
	const [seeded] = await createSeries(ctx.sql, run.id, ['check-seeded']);
	await storeLikeIngest(
		ctx.sql,
		ctx.sql`select ${seeded}::bigint as series_id, step, value from metric_points where series_id = ${ingested.id}`
	);
	const shape = async (id: number) =>
		JSON.stringify([
			await ctx.sql`
				select level, bucket, point_count, min_value, max_value, last_step, last_value
				from metric_rollups where series_id = ${id} order by level, bucket
			`,
			await ctx.sql`
				select point_count, first_step, last_step, min_value, max_value, last_value, first_value
				from metric_series where id = ${id}
			`
		]);
	if ((await shape(Number(ingested.id))) !== (await shape(seeded))) {
		throw new Error('the seeder builds other rollups or summaries than ingest for the same points');
	}
}

export async function seed(ctx: BenchContext, points: number): Promise<Seeded> {
	const { token } = await ctx.signIn();
	const key = await ctx.createApiKey(token);
	await checkSeeder(ctx, key, points);
	const ids: string[] = [];
	for (let r = 0; r < RUNS; r++) {
		const { data } = await call(ctx, key, 'POST', '/api/experiments', {
			name: `p12 run ${r}`,
			hyperparams: [
				{ key: 'group', value: `g${r % GROUPS}` },
				{ key: 'seed', value: r }
			]
		});
		ids.push(data.id);
	}
	let next = 0;
	const started = performance.now();
	// Two runs at a time: the statements are CPU-bound on the server.
	const worker = async () => {
		while (next < RUNS) {
			const r = next++;
			const seriesIds = await createSeries(ctx.sql, ids[r], METRICS);
			await storeLikeIngest(
				ctx.sql,
				ctx.sql`
					select s.id as series_id, g as step,
						(sin(g::float8 / 997 + s.m) * (1 + ${r % GROUPS}::float8 / 10) + s.m
							+ ((g * 7919 + ${r * 104_729}) % 1000)::float8 / 10000) as value
					from unnest(${`{${seriesIds.join(',')}}`}::text::bigint[]) with ordinality as s(id, m),
						generate_series(0::bigint, ${points - 1}::bigint) g
				`
			);
			if ((r + 1) % 20 === 0) ctx.log(`P12: seeded ${r + 1} runs`);
		}
	};
	await Promise.all([worker(), worker()]);
	ctx.log(
		`P12: seeded ${(RUNS * METRICS.length * points).toLocaleString('en')} points in ${((performance.now() - started) / 1000).toFixed(1)} s`
	);
	await ctx.sql`analyze metric_series`;
	await ctx.sql`analyze metric_rollups`;
	return { key, ids };
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
	const started = performance.now();
	const value = await work();
	return [performance.now() - started, value];
}

/** utime + stime from /proc (clock ticks of 10 ms); 0 once the process is gone. */
function processCpuMs(pid: number): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) * 10;
	} catch {
		return 0;
	}
}

interface Cpu {
	server: number;
	database: number;
}

/** CPU so far of the server process and of each backend of the database (by pid). */
interface CpuSnapshot {
	server: number;
	backends: Map<number, number>;
}

/**
 * Client backends only (PostgreSQL on this machine): not autovacuum, busy after seeding 50
 * million points. The benchmark's own connections are among them; their CPU barely moves while
 * a request runs, and taking differences per backend keeps their seeding out.
 */
async function cpuNow(ctx: BenchContext): Promise<CpuSnapshot> {
	const backends =
		ctx.dbKind === 'postgres'
			? await ctx.sql<{ pid: number }[]>`
					select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend'
				`
			: [];
	return {
		server: processCpuMs(ctx.serverPid),
		backends: new Map(backends.map(({ pid }) => [pid, processCpuMs(pid)]))
	};
}

/**
 * `work`'s wall time, its value and the CPU the server and the database spent meanwhile. A
 * backend opened meanwhile counts whole; one closed meanwhile is lost (the pools keep theirs).
 */
async function measured<T>(ctx: BenchContext, work: () => Promise<T>): Promise<[number, T, Cpu]> {
	const before = await cpuNow(ctx);
	const [ms, value] = await timed(work);
	const after = await cpuNow(ctx);
	let database = 0;
	for (const [pid, cpu] of after.backends) database += cpu - (before.backends.get(pid) ?? 0);
	return [ms, value, { server: after.server - before.server, database }];
}

const addCpu = (total: Cpu, more: Cpu) => {
	total.server += more.server;
	total.database += more.database;
};

/** The 500 single-series reads, `BROWSER_CONNECTIONS` in flight; their total bytes. */
async function singleSeriesReads(ctx: BenchContext, { key, ids }: Seeded): Promise<number> {
	const reads = ids.flatMap((id) => METRICS.map((metric) => ({ id, metric })));
	let next = 0;
	let bytes = 0;
	const connection = async () => {
		while (next < reads.length) {
			const { id, metric } = reads[next++];
			const read = await call(
				ctx,
				key,
				'GET',
				`/api/experiments/${id}/metrics?names=${metric}&buckets=${BUCKETS}`
			);
			if (read.data.series.length !== 1) throw new Error(`single read of ${metric}: no series`);
			bytes += read.bytes;
		}
	};
	await Promise.all(Array.from({ length: BROWSER_CONNECTIONS }, connection));
	return bytes;
}

/** Checks one answer of each kind against what the data must give, before timing anything. */
async function checkAnswers(ctx: BenchContext, seeded: Seeded, points: number): Promise<void> {
	const body = { experimentIds: seeded.ids, metrics: METRICS, buckets: BUCKETS };
	const { data: flat } = await call(ctx, seeded.key, 'POST', '/api/series', body);
	if (flat.series.length !== RUNS * METRICS.length || flat.truncated) {
		throw new Error(`ungrouped: ${flat.series.length} series, truncated ${flat.truncated}`);
	}
	const { data: single } = await call(
		ctx,
		seeded.key,
		'GET',
		`/api/experiments/${seeded.ids[7]}/metrics?names=val/loss&buckets=${BUCKETS}`
	);
	const mine = flat.series.find(
		(s: { experiment_id: string; metric: string }) =>
			s.experiment_id === seeded.ids[7] && s.metric === 'val/loss'
	);
	const theirs = single.series[0];
	const same =
		points > BUCKETS
			? JSON.stringify(mine.y) === JSON.stringify(theirs.lasts)
			: JSON.stringify(mine.y) === JSON.stringify(theirs.values);
	if (!same) throw new Error('POST /api/series and the single-series read disagree on run 7, val/loss');
	const { data: grouped } = await call(ctx, seeded.key, 'POST', '/api/series', {
		...body,
		groupBy: 'hp.group'
	});
	if (grouped.groups.length !== GROUPS * METRICS.length) {
		throw new Error(`grouped: ${grouped.groups.length} groups`);
	}
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const points = pointsFor(ctx);
	ctx.log(`P12: ${RUNS} runs × ${METRICS.length} metrics × ${points.toLocaleString('en')} points`);
	const seeded = await seed(ctx, points);
	await checkAnswers(ctx, seeded, points);

	const body = { experimentIds: seeded.ids, metrics: METRICS, buckets: BUCKETS };
	const ours = { flat: [] as number[], grouped: [] as number[] };
	const baseline: number[] = [];
	const cpu = {
		flat: { server: 0, database: 0 },
		grouped: { server: 0, database: 0 },
		baseline: { server: 0, database: 0 }
	};
	let flatBytes = 0;
	let groupedBytes = 0;
	let baselineBytes = 0;
	// Warm-up: the key is then cached and the statements planned, as for a page that stays open.
	await call(ctx, seeded.key, 'POST', '/api/series', body);
	await singleSeriesReads(ctx, seeded);
	for (let round = 0; round < SAMPLES; round++) {
		const [flatMs, flat, flatCpu] = await measured(ctx, () =>
			call(ctx, seeded.key, 'POST', '/api/series', body)
		);
		const [groupedMs, grouped, groupedCpu] = await measured(ctx, () =>
			call(ctx, seeded.key, 'POST', '/api/series', { ...body, groupBy: 'hp.group' })
		);
		ours.flat.push(flatMs);
		ours.grouped.push(groupedMs);
		addCpu(cpu.flat, flatCpu);
		addCpu(cpu.grouped, groupedCpu);
		[flatBytes, groupedBytes] = [flat.bytes, grouped.bytes];
		if (round < BASELINE_ROUNDS) {
			const [baselineMs, bytes, baselineCpu] = await measured(ctx, () => singleSeriesReads(ctx, seeded));
			baseline.push(baselineMs);
			addCpu(cpu.baseline, baselineCpu);
			baselineBytes = bytes;
		}
	}

	const atGoalSize = ctx.dbKind === 'postgres' && points >= GOAL_POINTS;
	const size = `${RUNS} runs × ${METRICS.length} metrics × ${points.toLocaleString('en')} points`;
	const row = (metric: string, times: number[], share: number, goal: boolean, note: string): BenchRow => {
		const value = percentile(times, share);
		return {
			benchmark: BENCHMARK,
			metric: `${metric} p${Math.round(share * 100)}`,
			ours: value,
			baseline: percentile(baseline, share),
			unit: 'ms',
			...(goal && atGoalSize ? { goal: `≤ ${GOAL_MS} ms`, met: value <= GOAL_MS } : {}),
			note
		};
	};
	const perRequest = (total: Cpu, count: number) => ({
		server: total.server / count,
		database: total.database / count
	});
	const cpuRow = (metric: string, mine: Cpu): BenchRow => {
		const theirs = perRequest(cpu.baseline, baseline.length);
		const split = (c: Cpu) => `server ${c.server.toFixed(0)} + database ${c.database.toFixed(0)} ms`;
		return {
			benchmark: BENCHMARK,
			metric,
			ours: mine.server + mine.database,
			baseline: theirs.server + theirs.database,
			unit: 'ms',
			note:
				`ours ${split(mine)}; baseline (all 500 requests) ${split(theirs)}` +
				(ctx.dbKind === 'postgres' ? '' : '; database not counted (embedded, its own process)')
		};
	};
	const baselineNote = `${size}, ${BUCKETS} buckets; baseline: 500 single-series GETs, ${BROWSER_CONNECTIONS} in flight`;
	const smaller = atGoalSize
		? ''
		: `; goals are for ${GOAL_POINTS.toLocaleString('en')} points on PostgreSQL`;
	return [
		row('POST /api/series, 500 series', ours.flat, 0.5, true, baselineNote + smaller),
		row('POST /api/series, 500 series', ours.flat, 0.99, false, baselineNote),
		row(`POST /api/series, ${GROUPS} groups`, ours.grouped, 0.5, true, baselineNote + smaller),
		row(`POST /api/series, ${GROUPS} groups`, ours.grouped, 0.99, false, baselineNote),
		cpuRow('CPU per request, 500 series', perRequest(cpu.flat, SAMPLES)),
		cpuRow(`CPU per request, ${GROUPS} groups`, perRequest(cpu.grouped, SAMPLES)),
		{
			benchmark: BENCHMARK,
			metric: 'response size, 500 series / 10 groups',
			ours: flatBytes / 1024,
			baseline: baselineBytes / 1024,
			unit: 'KB',
			note: `grouped: ${(groupedBytes / 1024).toFixed(0)} KB; baseline: the 500 single responses together`
		}
	];
}

runIfMain(import.meta.url, run);
