/**
 * P6 chart render: an experiment with 10 metrics × 100,000 points, opened in Chromium; from the
 * start of the page's metrics request to the last of its 10 charts drawn (the `tora:chart-drawn`
 * marks ChartPanel.svelte sets). Baseline: the same request made by plain `fetch` in a page of
 * the same origin, response parsed as JSON, nothing drawn. Median of the samples.
 */
import { randomUUID } from 'node:crypto';
import { launchBrowser, localSession, median, signedInContext } from './lib/browser.ts';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P6 chart';
const METRICS = 10;
const POINTS = 100_000;
const BATCH = 5_000;
const SAMPLES = Number(process.env.BENCH_P6_SAMPLES ?? 5);

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const session = await localSession(ctx.baseUrl, `bench-p6-${Date.now()}@example.test`);
	const started = Date.now();
	const experimentId = await seed(ctx.baseUrl, session.accessToken);
	ctx.log(
		`seeded ${METRICS} × ${POINTS.toLocaleString('en-US')} points in ${((Date.now() - started) / 1000).toFixed(1)} s`
	);

	const browser = await launchBrowser();
	try {
		const ours: number[] = [];
		const fetchOnly: number[] = [];
		const baseline: number[] = [];
		for (let round = -1; round < SAMPLES; round++) {
			const context = await signedInContext(browser, session);
			const page = await context.newPage();
			// Panels draw as they come near the viewport: a tall one puts all ten on screen at once.
			await page.setViewportSize({ width: 1440, height: 6000 });
			await page.goto(`${ctx.baseUrl}/experiments/${experimentId}`);
			await page.waitForFunction(
				(count) => performance.getEntriesByName('tora:chart-drawn').length >= count,
				METRICS,
				{ timeout: 60_000 }
			);
			const timing = await page.evaluate(() => {
				const request = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find(
					(entry) => /\/metrics\?buckets=/.test(entry.name)
				)!;
				const lastDraw = Math.max(
					...performance.getEntriesByName('tora:chart-drawn').map((mark) => mark.startTime)
				);
				return {
					url: request.name,
					render: lastDraw - request.startTime,
					fetch: request.responseEnd - request.startTime
				};
			});
			await context.close();

			// The baseline in a fresh page of the same origin, so nothing else competes with it.
			const bare = await signedInContext(browser, session);
			const blank = await bare.newPage();
			await blank.goto(`${ctx.baseUrl}/favicon.svg`);
			const plain = await blank.evaluate(
				async ({ url, token }) => {
					const t0 = performance.now();
					const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
					await response.json();
					return performance.now() - t0;
				},
				{ url: timing.url, token: session.accessToken }
			);
			await bare.close();
			if (round < 0) continue;
			ours.push(timing.render);
			fetchOnly.push(timing.fetch);
			baseline.push(plain);
		}
		return [
			{
				benchmark: BENCHMARK,
				metric: `${METRICS} × ${POINTS / 1000}k points: fetch → last chart drawn`,
				ours: median(ours),
				baseline: median(baseline),
				unit: 'ms',
				goal: '≤ 500 ms',
				met: median(ours) <= 500,
				note: `of which the metrics request ${median(fetchOnly).toFixed(0)} ms`
			}
		];
	} finally {
		await browser.close();
	}
}

/** One experiment, its points through the API in batches (four in flight), then finished. */
async function seed(baseUrl: string, token: string): Promise<string> {
	const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
	const call = async (method: string, path: string, body: unknown) => {
		const response = await fetch(baseUrl + path, { method, headers, body: JSON.stringify(body) });
		if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
		return ((await response.json()) as { data: { id: string } }).data;
	};
	const { id } = await call('POST', '/api/experiments', { name: 'chart-benchmark', tags: ['bench'] });
	const batches: { metric: number; from: number }[] = [];
	for (let metric = 0; metric < METRICS; metric++) {
		for (let from = 0; from < POINTS; from += BATCH) batches.push({ metric, from });
	}
	const worker = async () => {
		for (let next = batches.shift(); next; next = batches.shift()) {
			const logs = Array.from({ length: BATCH }, (_, i) => {
				const step = next.from + i;
				return {
					name: `${next.metric < 5 ? 'train' : 'val'}/metric_${next.metric}`,
					msg_id: randomUUID(),
					value: Math.exp(-step / 20_000) + 0.05 * Math.sin(step / 50) + next.metric,
					step,
					metadata: null
				};
			});
			await call('POST', `/api/experiments/${id}/logs/batch`, { logs });
		}
	};
	await Promise.all(Array.from({ length: 4 }, worker));
	await call('PATCH', `/api/experiments/${id}`, { status: 'finished' });
	return id;
}

runIfMain(import.meta.url, run);
