/**
 * P10 Python keep-alive: the Python SDK (`sdk/python`, run by `bench/python/keepalive_driver.py`)
 * logging 200,000 points to the single server over one kept-alive HTTP connection per sender:
 * points/s, the Python process's CPU seconds per 1,000 points, and the server's.
 *
 * Baseline, same run, same driver: the SDK with `TORA_HTTP_KEEPALIVE=0`, which opens a new
 * connection per batch as it did before. Two ways of logging, each measured in both modes:
 * paced (1,000 points then a flush: one request per 1,000 points, the sender's threshold) and
 * free-running (as fast as possible: batches grow to 10,000 points, so connections matter less).
 * Each mode logs its points in two halves, run in the order baseline, ours, ours, baseline.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P10 python keep-alive';
const POINTS = Number(process.env.BENCH_P10_POINTS ?? 200_000);
const SDK_DIR = join(import.meta.dirname, '..', 'sdk', 'python');
const DRIVER = join(import.meta.dirname, 'python', 'keepalive_driver.py');
const PYTHON = process.env.PYTHON ?? 'python3';

type Mode = 'paced' | 'free';

interface DriverRun {
	points: number;
	seconds: number;
	/** The Python process's CPU seconds (all its threads) while logging and flushing. */
	cpu: number;
	connections: number;
	/** The server process's CPU seconds over the same run (from /proc). */
	serverCpu: number;
}

/** utime + stime of a process from /proc, in seconds (clock ticks of 10 ms). */
function processCpuSeconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function drive(ctx: BenchContext, key: string, mode: Mode, keepAlive: boolean, points: number) {
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PYTHONPATH: SDK_DIR,
		TORA_BASE_URL: `${ctx.baseUrl}/api`,
		TORA_API_KEY: key,
		TORA_HTTP_KEEPALIVE: keepAlive ? '1' : '0'
	};
	const serverBefore = processCpuSeconds(ctx.serverPid);
	const { stdout } = await promisify(execFile)(PYTHON, [DRIVER, String(points), mode], {
		env,
		timeout: 900_000
	});
	const serverCpu = processCpuSeconds(ctx.serverPid) - serverBefore;
	const lines = stdout.trim().split('\n');
	const run = JSON.parse(lines[lines.length - 1]) as DriverRun;
	ctx.log(
		`P10 ${mode} ${keepAlive ? 'keep-alive' : 'per-batch'}: ${run.points} points in ${run.seconds.toFixed(2)} s, ` +
			`${run.cpu.toFixed(2)} s CPU, ${run.connections} connections`
	);
	return { ...run, serverCpu };
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const { token } = await ctx.signIn();
	const key = await ctx.createApiKey(token);
	// Warm the server's statements and the interpreter's caches; not measured.
	await drive(ctx, key, 'free', true, 10_000);
	const rows: BenchRow[] = [];
	for (const mode of ['paced', 'free'] as const) {
		// Two halves each, in the order per-batch, keep-alive, keep-alive, per-batch, so neither mode
		// gains from running later (warmer caches, a fuller table) or loses to a burst of load.
		const base: DriverRun = { points: 0, seconds: 0, cpu: 0, connections: 0, serverCpu: 0 };
		const ours: DriverRun = { ...base };
		for (const keepAlive of [false, true, true, false]) {
			const half = await drive(ctx, key, mode, keepAlive, POINTS / 2);
			const sum = keepAlive ? ours : base;
			for (const field of ['points', 'seconds', 'cpu', 'connections', 'serverCpu'] as const)
				sum[field] += half[field];
		}
		const perK = (seconds: number, r: DriverRun) => (seconds / r.points) * 1000;
		const label =
			mode === 'paced'
				? `${POINTS.toLocaleString('en')} points, paced (flush every 1,000)`
				: `${POINTS.toLocaleString('en')} points, free-running`;
		rows.push(
			{
				benchmark: BENCHMARK,
				metric: `${label}: throughput`,
				ours: ours.points / ours.seconds,
				baseline: base.points / base.seconds,
				unit: 'points/s',
				note: `connections opened: ${ours.connections} (baseline ${base.connections})`
			},
			{
				benchmark: BENCHMARK,
				metric: `${label}: Python CPU per 1,000 points`,
				ours: perK(ours.cpu, ours) * 1000,
				baseline: perK(base.cpu, base) * 1000,
				unit: 'ms',
				note: 'the whole driver process: metric() calls, encoding, HTTP'
			},
			{
				benchmark: BENCHMARK,
				metric: `${label}: server CPU per 1,000 points`,
				ours: perK(ours.serverCpu, ours) * 1000,
				baseline: perK(base.serverCpu, base) * 1000,
				unit: 'ms',
				note:
					ctx.dbKind === 'pglite'
						? 'the Node server only (PGlite runs in its own process)'
						: 'the Node server only'
			}
		);
	}
	return rows;
}

runIfMain(import.meta.url, run);
