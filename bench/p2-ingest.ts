/**
 * P2 ingest: points per second through `POST /api/experiments/:id/logs/batch`, 1,000 points per
 * request, 4 clients at once (each its own experiment, 4 metrics × 250 steps per request).
 * Bodies are serialised before the clock starts so the load generator costs little CPU.
 *
 * Baselines, same rows, same run: `COPY` (4 streams at once) into a copy of our points table,
 * and into a table keyed only by (series, step) — the floor any idempotent design pays.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { runIfMain } from './lib/main.ts';
import { createExperiment } from './p3-series-read.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';
import { uuid7 } from '../sdk/ts/src/uuid7.ts';

const CLIENTS = 4;
const BATCH = 1_000;
const METRICS = ['train/loss', 'train/acc', 'lr', 'grad_norm'];
const STEPS_PER_BATCH = BATCH / METRICS.length;
/**
 * Timed requests per client: 100 on a PostgreSQL server; 20 on the embedded PGlite, which runs one
 * statement at a time (~10k points/s) and would not finish the whole run in 10 minutes otherwise.
 * Set in `run` from the database kind.
 */
let REQUESTS_PER_CLIENT = 100;
const GOAL = 100_000;

interface Point {
	metric: number;
	step: number;
	msgId: string;
	value: number;
}

/**
 * One client's points, request by request, steps growing as in a training run: a warm-up request
 * (not timed) and then the timed ones.
 */
function clientPoints(newId: () => string): Point[][] {
	return Array.from({ length: 1 + REQUESTS_PER_CLIENT }, (_, r) =>
		Array.from({ length: BATCH }, (_, i) => {
			const step = r * STEPS_PER_BATCH + Math.floor(i / METRICS.length);
			return { metric: i % METRICS.length, step, msgId: newId(), value: Math.sin(step / 100) + i / BATCH };
		})
	);
}

const body = (points: Point[]) =>
	JSON.stringify({
		logs: points.map((p) => ({
			name: METRICS[p.metric],
			msg_id: p.msgId,
			value: p.value,
			step: p.step,
			metadata: { type: 'metric' }
		}))
	});

function post(agent: Agent, url: URL, headers: Record<string, string>, payload: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const req = request(
			url,
			{ method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(payload) } },
			(res) => {
				res.resume();
				res.on('end', () => resolve(res.statusCode ?? 0));
			}
		);
		req.on('error', reject);
		req.end(payload);
	});
}

/** Seconds for all clients to send all their requests through the API, and the CPU it took. */
async function ingestThroughApi(ctx: BenchContext, key: string, label: string, newId: () => string) {
	const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
	const headers = { 'content-type': 'application/json', 'x-api-key': key };
	const clients = await Promise.all(
		Array.from({ length: CLIENTS }, async (_, c) => {
			const id = await createExperiment(ctx, key, `p2-${label}-${c}`);
			const url = new URL(`${ctx.baseUrl}/api/experiments/${id}/logs/batch`);
			const [warmUp, ...timed] = clientPoints(newId).map(body);
			// The first request creates the series and warms the connection.
			const warm = await post(agent, url, headers, warmUp);
			if (warm !== 201) throw new Error(`warm-up request: ${warm}`);
			return { id, url, bodies: timed };
		})
	);
	const cpuBefore = await cpuTimes(ctx);
	const started = performance.now();
	await Promise.all(
		clients.map(async ({ url, bodies }) => {
			for (const payload of bodies) {
				const status = await post(agent, url, headers, payload);
				if (status !== 201) throw new Error(`logs/batch answered ${status}`);
			}
		})
	);
	const seconds = (performance.now() - started) / 1000;
	const cpuAfter = await cpuTimes(ctx);
	agent.destroy();
	const stored = await ctx.sql<{ n: number }[]>`
		select coalesce(sum(point_count), 0)::int as n from metric_series
		where experiment_id in ${ctx.sql(clients.map((c) => c.id))}
	`;
	const expected = CLIENTS * (REQUESTS_PER_CLIENT + 1) * BATCH;
	if (stored[0].n !== expected) throw new Error(`stored ${stored[0].n} points, expected ${expected}`);
	const perBatch = (ms: number) => (ms / (CLIENTS * REQUESTS_PER_CLIENT)).toFixed(1);
	const cpu = `CPU per 1,000 points: server ${perBatch(cpuAfter.server - cpuBefore.server)} ms, Postgres ${perBatch(
		cpuAfter.postgres - cpuBefore.postgres
	)} ms`;
	return { seconds, cpu };
}

/** CPU time (ms) used so far by the server process and by this database's Postgres backends. */
async function cpuTimes(ctx: BenchContext) {
	const backends =
		ctx.dbKind === 'postgres'
			? await ctx.sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database()`
			: [];
	let postgres = 0;
	for (const { pid } of backends) postgres += processCpuMs(pid);
	return { server: processCpuMs(ctx.serverPid), postgres };
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

/**
 * Seconds to COPY every client's rows (one stream per client, all at once) into `table`. (On the
 * embedded PGlite each COPY is collected whole by the wire front and runs as one statement.)
 */
async function copyInto(ctx: BenchContext, table: string, rows: Point[][][]): Promise<number> {
	const started = performance.now();
	await Promise.all(
		rows.map(async (client, c) => {
			const lines = function* () {
				for (const batch of client) {
					yield batch
						.map((p) => `${c * METRICS.length + p.metric}\t${p.step}\t${p.msgId}\t${p.value}\n`)
						.join('');
				}
			};
			const writable = await ctx.sql
				.unsafe(`copy ${table} (series_id, step, msg_id, value) from stdin`)
				.writable();
			await pipeline(Readable.from(lines()), writable);
		})
	);
	return (performance.now() - started) / 1000;
}

async function copyBaselines(ctx: BenchContext) {
	const rows = Array.from({ length: CLIENTS }, () => clientPoints(randomUUID).slice(1));
	await ctx.sql`drop table if exists bench_p2_points, bench_p2_floor`;
	await ctx.sql`create table bench_p2_points (like metric_points including all)`;
	await ctx.sql`
		create table bench_p2_floor (
			series_id bigint not null, step bigint not null, msg_id uuid not null,
			value double precision not null, logged_at timestamptz not null default now(),
			primary key (series_id, step)
		)
	`;
	try {
		return {
			ourTable: await copyInto(ctx, 'bench_p2_points', rows),
			floor: await copyInto(ctx, 'bench_p2_floor', rows)
		};
	} finally {
		await ctx.sql`drop table if exists bench_p2_points, bench_p2_floor`;
	}
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	REQUESTS_PER_CLIENT = Number(process.env.BENCH_P2_REQUESTS ?? (ctx.dbKind === 'pglite' ? 20 : 100));
	const { token } = await ctx.signIn();
	const key = await ctx.createApiKey(token);
	const points = CLIENTS * REQUESTS_PER_CLIENT * BATCH;
	ctx.log(
		`P2: ${points.toLocaleString('en')} points, ${CLIENTS} clients × ${REQUESTS_PER_CLIENT} requests of ${BATCH}`
	);
	const v4Run = await ingestThroughApi(ctx, key, 'v4', randomUUID);
	const v7Run = await ingestThroughApi(ctx, key, 'v7', () => uuid7());
	const v4 = points / v4Run.seconds;
	const v7 = points / v7Run.seconds;
	const copy = await copyBaselines(ctx);
	const ourCopy = points / copy.ourTable;
	const floorCopy = points / copy.floor;
	const row = (metric: string, ours: number, baseline: number, note: string): BenchRow => ({
		benchmark: 'P2 ingest',
		metric,
		ours: Math.round(ours),
		baseline: Math.round(baseline),
		unit: 'points/s',
		ratio: ours / baseline,
		goal: `≥ ${GOAL.toLocaleString('en')} points/s`,
		met: ours >= GOAL,
		note
	});
	return [
		row(
			'logs/batch, v4 msg_ids vs COPY into our points table',
			v4,
			ourCopy,
			`public SDK ids (random); ${v4Run.cpu}`
		),
		row('logs/batch, v4 msg_ids vs COPY into (series, step)-keyed table', v4, floorCopy, 'the floor'),
		row(
			'logs/batch, v7 msg_ids vs COPY into our points table',
			v7,
			ourCopy,
			`our SDKs ids (time-ordered); ${v7Run.cpu}`
		)
	];
}

runIfMain(import.meta.url, run);
