/**
 * P20 runtime: the compiled production server as `npm start` runs it (`npm run build` →
 * build/server/, node flags from package.json) against the same server run through tsx (TypeScript
 * compiled at run time, as `npm start` ran before), and, for the notes, the compiled server without
 * node flags. Each is started fresh on the run's database with the same environment, one after the
 * other, and measured the same way:
 * - start → ready: from spawning `node` to the server's "running" line (migrations checked,
 *   every function module loaded);
 * - idle RSS: VmRSS once it has answered 50 authenticated reads and sat idle for a second;
 * - peak RSS while streaming P4's 1M-point long CSV export (VmRSS polled every 5 ms).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../server/paths.ts';
import { createExperiment } from './p3-series-read.ts';
import { preparedStatements, withoutDbSettings } from './lib/context.ts';
import { runIfMain } from './lib/main.ts';
import { freePort, start } from './lib/processes.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const METRICS = ['train/loss', 'train/acc', 'val/loss', 'lr'];
const MB = 1024 * 1024;
const WARM_READS = 50;

/** `npm start`'s node arguments from package.json, e.g. `--max-semi-space-size=2 build/server/start.js`. */
function npmStartArgs(): string[] {
	const { scripts } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
		scripts: Record<string, string>;
	};
	const [command, ...args] = scripts.start.split(' ');
	if (command !== 'node') throw new Error(`npm start is \`${scripts.start}\`, not a plain node command`);
	return args;
}

const RUNTIMES = {
	'npm start': npmStartArgs,
	'compiled, no node flags': () => ['build/server/start.js'],
	tsx: () => ['--import', 'tsx', 'server/start.ts']
};
type Runtime = keyof typeof RUNTIMES;

interface Measured {
	readyMs: number;
	idle: number;
	peak: number;
	exportSeconds: number;
}

function rssBytes(pid: number): number {
	const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	if (!match) throw new Error(`no VmRSS for process ${pid}`);
	return Number(match[1]) * 1024;
}

/** The code this run measures, not whatever build/server held before. */
function buildServer(): void {
	const result = spawnSync('node', ['scripts/build-server.mjs'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
	if (result.status !== 0) throw new Error('node scripts/build-server.mjs failed');
}

/** Same rows as P4: points straight into the tables, so no server has ingested them. */
async function seed(ctx: BenchContext, id: string, steps: number): Promise<void> {
	await ctx.sql`
		with series as (
			insert into metric_series (experiment_id, name) select ${id}, unnest(${METRICS}::text[]) returning id
		)
		insert into metric_points (series_id, step, msg_id, value)
		select s.id, g, gen_random_uuid(), sin(g / 997.0) * 10 + s.id from series s, generate_series(0, ${steps - 1}) g
	`;
}

async function measure(
	ctx: BenchContext,
	runtime: Runtime,
	key: string,
	id: string,
	lines: number
): Promise<Measured> {
	const port = await freePort();
	const dataDir = mkdtempSync(join(tmpdir(), 'tora-bench-p20-'));
	const started = performance.now();
	const server = start(
		'node',
		RUNTIMES[runtime](),
		withoutDbSettings({
			HOST: '127.0.0.1',
			PORT: String(port),
			DATABASE_URL: ctx.databaseUrl,
			TORA_DB_PREPARE: preparedStatements(ctx.dbKind),
			TORA_AUTH: 'local',
			TORA_JWT_SECRET: randomBytes(32).toString('base64url'),
			TORA_DATA_DIR: dataDir,
			NODE_ENV: 'production'
		})
	);
	try {
		await server.waitFor(/Tora is running at/, 120_000);
		const readyMs = performance.now() - started;
		const base = `http://127.0.0.1:${port}`;
		const pid = server.child.pid!;
		for (let i = 0; i < WARM_READS; i++) {
			const res = await fetch(`${base}/api/experiments/${id}`, { headers: { 'x-api-key': key } });
			if (res.status !== 200) throw new Error(`${runtime}: GET experiment ${res.status}`);
			await res.arrayBuffer();
		}
		await new Promise((resolve) => setTimeout(resolve, 1000));
		const idle = rssBytes(pid);
		let peak = idle;
		const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 5);
		const exportStarted = performance.now();
		try {
			const counted = await countLines(`${base}/api/experiments/${id}/export.csv?format=long`, key);
			if (counted !== lines) throw new Error(`${runtime}: export has ${counted} lines, not ${lines}`);
		} finally {
			clearInterval(timer);
		}
		const exportSeconds = (performance.now() - exportStarted) / 1000;
		ctx.log(
			`P20 ${runtime}: ready ${readyMs.toFixed(0)} ms, idle ${(idle / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB`
		);
		return { readyMs, idle, peak: Math.max(peak, rssBytes(pid)), exportSeconds };
	} finally {
		await server.stop();
		rmSync(dataDir, { recursive: true, force: true });
	}
}

/** Streams a download and counts its lines without keeping it. */
async function countLines(url: string, key: string): Promise<number> {
	const res = await fetch(url, { headers: { 'x-api-key': key } });
	if (res.status !== 200 || !res.body) throw new Error(`export: ${res.status}`);
	let lines = 0;
	const reader = res.body.getReader();
	for (let read = await reader.read(); !read.done; read = await reader.read())
		for (const byte of read.value) if (byte === 10) lines++;
	return lines;
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	buildServer();
	// P4's sizes: 1M points on PostgreSQL; 100k on the embedded PGlite, ~10× slower to seed.
	const steps = ctx.dbKind === 'pglite' ? 25_000 : 250_000;
	const points = METRICS.length * steps;
	const { token } = await ctx.signIn();
	const key = await ctx.createApiKey(token);
	const id = await createExperiment(ctx, key, 'p20-runtime');
	ctx.log(`P20: seeding ${points.toLocaleString('en')} points`);
	await seed(ctx, id, steps);
	const tsx = await measure(ctx, 'tsx', key, id, points + 1);
	const plain = await measure(ctx, 'compiled, no node flags', key, id, points + 1);
	const compiled = await measure(ctx, 'npm start', key, id, points + 1);

	const onGoalSize = points === 1_000_000;
	const label = `${points.toLocaleString('en')}-point export`;
	const note = `ours: npm start (node ${npmStartArgs().join(' ')}); baseline: the same server through tsx (node --import tsx server/start.ts)`;
	const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
	return [
		{
			benchmark: 'P20 runtime',
			metric: 'start → ready',
			ours: compiled.readyMs,
			baseline: tsx.readyMs,
			unit: 'ms',
			note: `${note}; migrations already applied`
		},
		{
			benchmark: 'P20 runtime',
			metric: `idle RSS after ${WARM_READS} reads`,
			ours: compiled.idle / MB,
			baseline: tsx.idle / MB,
			unit: 'MB',
			note: `${note}; compiled without node flags: ${mb(plain.idle)}`
		},
		{
			benchmark: 'P20 runtime',
			metric: `peak RSS during a ${label} (long CSV)`,
			ours: compiled.peak / MB,
			baseline: tsx.peak / MB,
			unit: 'MB',
			note: `compiled without node flags: ${mb(plain.peak)}; export took ${compiled.exportSeconds.toFixed(2)} s (npm start), ${tsx.exportSeconds.toFixed(2)} s (tsx)`,
			...(onGoalSize ? { goal: '≤ 100 MB', met: compiled.peak / MB <= 100 } : {})
		}
	];
}

runIfMain(import.meta.url, run);
