/**
 * P22 snapshot: a self-contained HTML snapshot of 10 metrics × 5 runs (10,000 points per series,
 * bucketed to 1,000 by the server), as `tora snapshot` and "Download as HTML" make it.
 *
 * - Build: from the first API read to the file's text (the same reads and writer the CLI and
 *   site use). Baseline: the same reads (five experiment reads, one `POST /api/series`) with the
 *   JSON parsed and nothing written — the least any snapshot must wait for.
 * - Open: the file opened from disk in Chromium with the network off, from navigation start to
 *   the viewer's last chart drawn (`html[data-drawn]`). Baseline: the same file with the viewer
 *   script replaced by one that only sets the mark, so the page parses the same bytes and draws
 *   nothing.
 *
 * Medians of the samples. Goals (issue 19): build ≤ 1 s, open ≤ 500 ms.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectSnapshot, type SnapshotSource } from '../sdk/ts/src/snapshot/collect.ts';
import { renderSnapshot } from '../sdk/ts/src/snapshot/render.ts';
import { VIEWER_SCRIPT } from '../sdk/ts/src/snapshot/viewer-bundle.ts';
import { launchBrowser, median } from './lib/browser.ts';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P22 snapshot';
const RUNS = 5;
const METRICS = 10;
const POINTS = 10_000;
const SAMPLES = Number(process.env.BENCH_P22_SAMPLES ?? 7);

function apiSource(ctx: BenchContext, apiKey: string): SnapshotSource {
	const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
		const response = await fetch(`${ctx.baseUrl}/api${path}`, {
			method,
			headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
		return ((await response.json()) as { data: T }).data;
	};
	return {
		experiment: (id) => call('GET', `/experiments/${id}`),
		series: (body) => call('POST', '/series', body)
	};
}

async function seed(ctx: BenchContext, apiKey: string): Promise<string[]> {
	const post = async (path: string, body: unknown) => {
		const response = await fetch(`${ctx.baseUrl}/api${path}`, {
			method: 'POST',
			headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
			body: JSON.stringify(body)
		});
		if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
		return ((await response.json()) as { data: { id: string } }).data;
	};
	const ids: string[] = [];
	for (let run = 0; run < RUNS; run++) {
		const { id } = await post('/experiments', {
			name: `snapshot-bench-${run}`,
			hyperparams: Array.from({ length: 12 }, (_, i) => ({ key: `param_${i}`, value: i * 0.1 + run }))
		});
		for (let metric = 0; metric < METRICS; metric++) {
			for (let from = 0; from < POINTS; from += 5_000) {
				const logs = Array.from({ length: 5_000 }, (_, i) => ({
					name: `train/metric_${metric}`,
					msg_id: randomUUID(),
					value: Math.exp(-(from + i) / 5000) + Math.sin((from + i) * 0.37 + run) * 0.01,
					step: from + i,
					metadata: null
				}));
				await post(`/experiments/${id}/logs/batch`, { logs });
			}
		}
		ids.push(id);
	}
	return ids;
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const user = await ctx.signIn();
	const apiKey = await ctx.createApiKey(user.token);
	const started = Date.now();
	const ids = await seed(ctx, apiKey);
	ctx.log(
		`seeded ${RUNS} runs × ${METRICS} metrics × ${POINTS} points in ${((Date.now() - started) / 1000).toFixed(1)} s`
	);
	const source = apiSource(ctx, apiKey);

	const builds: number[] = [];
	const readsOnly: number[] = [];
	let html = '';
	for (let round = -1; round < SAMPLES; round++) {
		let at = performance.now();
		html = renderSnapshot(await collectSnapshot(source, ids, { title: 'P22' }));
		const build = performance.now() - at;
		at = performance.now();
		const reads = await Promise.all(ids.map((id) => source.experiment(id)));
		const metrics = [...new Set(reads.flatMap((read) => read.metrics.map((m) => m.name)))].sort();
		await source.series({ experimentIds: ids, metrics, buckets: 1000 });
		const read = performance.now() - at;
		if (round >= 0) {
			builds.push(build);
			readsOnly.push(read);
		}
	}
	const bytes = Buffer.byteLength(html);

	const dir = mkdtempSync(join(tmpdir(), 'tora-p22-'));
	const file = join(dir, 'snapshot.html');
	const bare = join(dir, 'bare.html');
	writeFileSync(file, html);
	const marker = 'document.documentElement.dataset.drawn=String(performance.now())';
	writeFileSync(bare, html.replace(`<script>${VIEWER_SCRIPT}</script>`, `<script>${marker}</script>`));
	const browser = await launchBrowser();
	const opens: number[] = [];
	const bareOpens: number[] = [];
	try {
		for (let round = -1; round < SAMPLES; round++) {
			for (const [path, samples] of [
				[file, opens],
				[bare, bareOpens]
			] as const) {
				const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
				await context.setOffline(true);
				await context.route(/^(?!file:)/, (route) => route.abort());
				const page = await context.newPage();
				await page.goto(`file://${path}`);
				await page.locator('html[data-drawn]').waitFor({ state: 'attached' });
				const drawn = Number(await page.locator('html').getAttribute('data-drawn'));
				if (round >= 0) samples.push(drawn);
				await context.close();
			}
		}
	} finally {
		await browser.close();
		rmSync(dir, { recursive: true, force: true });
	}

	const build = median(builds);
	const open = median(opens);
	return [
		{
			benchmark: BENCHMARK,
			metric: `build, ${METRICS} metrics × ${RUNS} runs (API reads + HTML) p50`,
			ours: build,
			baseline: median(readsOnly),
			unit: 'ms',
			goal: '≤ 1 s',
			met: build <= 1000,
			note: `${SAMPLES} builds; baseline: the same reads, JSON parsed, nothing written; file ${(bytes / 1024).toFixed(0)} KB (goal ≤ 2 MB: ${bytes <= 2 * 1024 * 1024 ? 'met' : 'NOT met'})`
		},
		{
			benchmark: BENCHMARK,
			metric: `open from disk offline to ${METRICS} charts drawn p50`,
			ours: open,
			baseline: median(bareOpens),
			unit: 'ms',
			goal: '≤ 500 ms',
			met: open <= 500,
			note: `${SAMPLES} opens in Chromium, fresh context each, network off; baseline: the same file with a script that only sets the mark`
		}
	];
}

runIfMain(import.meta.url, run);
