/**
 * P4 CSV export of 1M points (4 metrics × 250k steps, seeded in SQL): time to stream
 * `GET /api/experiments/:id/export.csv` to the end, and the server process's peak RSS meanwhile
 * (VmRSS polled every 5 ms from /proc; the lifetime high-water mark VmHWM would include seeding).
 *
 * Baseline, same rows, same run: Postgres itself writing them as CSV,
 * `COPY (SELECT name, step, value, logged_at ... ORDER BY name, step) TO STDOUT`.
 */
import { readFileSync } from 'node:fs';
import { createExperiment } from './p3-series-read.ts';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const METRICS = ['train/loss', 'train/acc', 'val/loss', 'lr'];
/** Steps per metric: 1M points on PostgreSQL; 100k on the embedded PGlite (set in `run`), which is
 * ~10× slower and would not finish the whole run in 10 minutes otherwise. */
let STEPS = 250_000;
const MB = 1024 * 1024;

function rssBytes(pid: number): number {
	const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	if (!match) throw new Error(`no VmRSS for process ${pid}`);
	return Number(match[1]) * 1024;
}

/** Runs `work` while sampling the process's RSS; the work's result, seconds and peak RSS. */
async function measured<T>(pid: number, work: () => Promise<T>) {
	let peak = rssBytes(pid);
	const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 5);
	const started = performance.now();
	try {
		const result = await work();
		return { result, seconds: (performance.now() - started) / 1000, peak: Math.max(peak, rssBytes(pid)) };
	} finally {
		clearInterval(timer);
	}
}

/**
 * Points straight into the tables (the export reads only points and series), so the server's
 * memory reflects the export rather than a million points of ingest.
 */
async function seed(ctx: BenchContext, id: string): Promise<void> {
	await ctx.sql`
		with series as (
			insert into metric_series (experiment_id, name) select ${id}, unnest(${METRICS}::text[]) returning id
		)
		insert into metric_points (series_id, step, msg_id, value)
		select s.id, g, gen_random_uuid(), sin(g / 997.0) * 10 + s.id from series s, generate_series(0, ${STEPS - 1}) g
	`;
}

/** Streams the export and counts its bytes and lines without keeping it. */
async function download(ctx: BenchContext, key: string, id: string, format: string) {
	const res = await fetch(`${ctx.baseUrl}/api/experiments/${id}/export.csv?format=${format}`, {
		headers: { 'x-api-key': key }
	});
	if (res.status !== 200 || !res.body) throw new Error(`export: ${res.status}`);
	let bytes = 0;
	let lines = 0;
	const reader = res.body.getReader();
	for (let read = await reader.read(); !read.done; read = await reader.read()) {
		bytes += read.value.byteLength;
		for (const byte of read.value) if (byte === 10) lines++;
	}
	return { bytes, lines };
}

async function copyOut(ctx: BenchContext, id: string): Promise<number> {
	// COPY takes no parameters: the id is inlined, after checking it is only a UUID.
	if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`not a UUID: ${id}`);
	const started = performance.now();
	const readable = await ctx.sql
		.unsafe(
			`copy (
				select s.name, p.step, p.value, p.logged_at
				from metric_series s join metric_points p on p.series_id = s.id
				where s.experiment_id = '${id}'
				order by s.name, p.step
			) to stdout with (format csv, header)`
		)
		.readable();
	let lines = 0;
	for await (const chunk of readable as AsyncIterable<Buffer>)
		for (const byte of chunk) if (byte === 10) lines++;
	if (lines !== METRICS.length * STEPS + 1) throw new Error(`COPY wrote ${lines} lines`);
	return (performance.now() - started) / 1000;
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	STEPS = ctx.dbKind === 'pglite' ? 25_000 : 250_000;
	const onGoalSize = STEPS === 250_000;
	const { token } = await ctx.signIn();
	const key = await ctx.createApiKey(token);
	const id = await createExperiment(ctx, key, 'p4-export');
	const points = METRICS.length * STEPS;
	ctx.log(`P4: seeding ${points.toLocaleString('en')} points`);
	await seed(ctx, id);
	const idle = rssBytes(ctx.serverPid);
	const long = await measured(ctx.serverPid, () => download(ctx, key, id, 'long'));
	if (long.result.lines !== points + 1) throw new Error(`long export has ${long.result.lines} lines`);
	const wide = await measured(ctx.serverPid, () => download(ctx, key, id, 'wide'));
	if (wide.result.lines !== STEPS + 1) throw new Error(`wide export has ${wide.result.lines} lines`);
	const copySeconds = await copyOut(ctx, id);
	const size = `${(long.result.bytes / MB).toFixed(0)} MB of CSV`;
	const label = `${points.toLocaleString('en')} points`;
	const goal = (text: string, met: boolean) => (onGoalSize ? { goal: text, met } : {});
	const pgliteNote = onGoalSize ? '' : ' (embedded PGlite: 100k points; the goals are for 1M on PostgreSQL)';
	return [
		{
			benchmark: 'P4 export',
			metric: `${label}, long CSV: time`,
			ours: long.seconds,
			baseline: copySeconds,
			unit: 's',
			ratio: long.seconds / copySeconds,
			note: `${size}; baseline: COPY ... TO STDOUT of the same rows${pgliteNote}`,
			...goal('≤ 3 s', long.seconds <= 3)
		},
		{
			benchmark: 'P4 export',
			metric: `${label}, long CSV: server peak RSS`,
			ours: long.peak / MB,
			baseline: null,
			unit: 'MB',
			note: `server RSS before: ${(idle / MB).toFixed(0)} MB${pgliteNote}`,
			...goal('≤ 100 MB', long.peak / MB <= 100)
		},
		{
			benchmark: 'P4 export',
			metric: `${label}, wide CSV (${STEPS.toLocaleString('en')} rows): time`,
			ours: wide.seconds,
			baseline: copySeconds,
			unit: 's',
			ratio: wide.seconds / copySeconds,
			note: `server peak RSS ${(wide.peak / MB).toFixed(0)} MB`
		}
	];
}

runIfMain(import.meta.url, run);
