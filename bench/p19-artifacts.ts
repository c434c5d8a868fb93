/**
 * P19 artifacts (issue 20): upload and download of one large file through the TS SDK
 * (`uploadFile`: hash, ask, stream the body, complete; `downloadArtifacts`: stream to disk and
 * check the hash) on the single server with filesystem storage, against `cp` of the same file on
 * the same disk in the same run; and the server's peak RSS while it moves the bytes, which must
 * stay flat (streamed, never buffered). BENCH_P19_MB sets the size (default 500).
 *
 * The upload reads the file three times (the SDK hashes it, the server hashes what arrives, then
 * completion hashes what it stored), so it cannot reach `cp`; the goal is ≥ 0.25× `cp`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadArtifacts, uploadFile } from '../sdk/ts/src/artifacts.ts';
import { Http } from '../sdk/ts/src/http.ts';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P19 artifacts';
const MB = Number(process.env.BENCH_P19_MB ?? 500);
const GOAL = 0.25;
/** The server's RSS may grow this much while it moves the file: a buffered body would add its size. */
const RSS_GROWTH_GOAL_MB = 50;

function rssMb(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Runs `work` while sampling the server's RSS every 20 ms; the peak in MB. */
async function peakRss<T>(
	pid: number,
	work: () => Promise<T>
): Promise<{ result: T; peak: number; ms: number }> {
	let peak = rssMb(pid);
	const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
	const start = performance.now();
	try {
		const result = await work();
		return { result, peak, ms: performance.now() - start };
	} finally {
		clearInterval(timer);
	}
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const dir = mkdtempSync(join(tmpdir(), 'tora-p19-'));
	try {
		const source = join(dir, 'big.bin');
		const fd = openSync(source, 'w');
		const block = randomBytes(1024 * 1024);
		for (let i = 0; i < MB; i++) writeSync(fd, block);
		closeSync(fd);

		const user = await ctx.signIn();
		const key = await ctx.createApiKey(user.token);
		const http = new Http({ baseUrl: `${ctx.baseUrl}/api`, apiKey: key, timeoutMs: 600_000 });
		const created = await http.request('POST', '/experiments', { name: 'p19 artifacts' });
		const experimentId = (JSON.parse(created.text) as { data: { id: string } }).data.id;
		const retry = { budgetMs: 60_000 };

		// Baseline first, so the file is in the page cache for both sides alike.
		const cpStart = performance.now();
		execFileSync('cp', [source, join(dir, 'copy.bin')]);
		const cpMs = performance.now() - cpStart;
		rmSync(join(dir, 'copy.bin'));

		const idleRss = rssMb(ctx.serverPid);
		const up = await peakRss(ctx.serverPid, () =>
			uploadFile(http, experimentId, { file: source, path: 'big.bin' }, { retry })
		);
		const down = await peakRss(ctx.serverPid, () =>
			downloadArtifacts(http, experimentId, 'big.bin', join(dir, 'down.bin'), retry)
		);
		const cpMbs = MB / (cpMs / 1000);
		const upMbs = MB / (up.ms / 1000);
		const downMbs = MB / (down.ms / 1000);
		ctx.log(
			`${BENCHMARK}: ${MB} MB — cp ${cpMbs.toFixed(0)} MB/s, upload ${upMbs.toFixed(0)} MB/s, download ${downMbs.toFixed(0)} MB/s; server RSS idle ${idleRss.toFixed(0)} MB, peak ${Math.max(up.peak, down.peak).toFixed(0)} MB`
		);
		const note = `${MB} MB file; baseline: cp of the same file on the same disk (${cpMbs.toFixed(0)} MB/s)`;
		return [
			{
				benchmark: BENCHMARK,
				metric: 'upload through the SDK vs cp',
				ours: upMbs,
				baseline: cpMbs,
				unit: 'MB/s',
				ratio: upMbs / cpMbs,
				goal: `≥ ${GOAL}× cp`,
				met: upMbs / cpMbs >= GOAL,
				note
			},
			{
				benchmark: BENCHMARK,
				metric: 'download through the SDK vs cp',
				ours: downMbs,
				baseline: cpMbs,
				unit: 'MB/s',
				ratio: downMbs / cpMbs,
				goal: `≥ ${GOAL}× cp`,
				met: downMbs / cpMbs >= GOAL,
				note
			},
			{
				benchmark: BENCHMARK,
				metric: 'server peak RSS during upload and download, vs idle',
				ours: Math.max(up.peak, down.peak),
				baseline: idleRss,
				unit: 'MB',
				goal: `≤ idle + ${RSS_GROWTH_GOAL_MB} MB (flat: streamed)`,
				met: Math.max(up.peak, down.peak) - idleRss <= RSS_GROWTH_GOAL_MB,
				note: 'baseline: the same server idle just before the transfers (the embedded database lives in its process)'
			}
		];
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

runIfMain(import.meta.url, run);
