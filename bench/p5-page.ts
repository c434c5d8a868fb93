/**
 * P5 page: first contentful paint and time to interactive of the landing page and the experiment
 * page in Chromium, and the landing page's JavaScript (gzipped) — against a minimal static HTML
 * page served by the same server in the same run. Each sample is a fresh browser context (empty
 * HTTP cache); the median of the samples is reported.
 *
 * TTI follows Lighthouse's definition without its 5 s quiet window: the latest of first
 * contentful paint, DOMContentLoaded end, the last script's arrival and the end of the last long
 * task (≥ 50 ms) seen before the network went idle.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { siteBuildDir } from '../server/paths.ts';
import { launchBrowser, localSession, median, signedInContext, type BrowserSession } from './lib/browser.ts';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P5 page';
const SAMPLES = Number(process.env.BENCH_P5_SAMPLES ?? 10);
const BASELINE_FILE = 'bench-baseline.html';
const BASELINE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head>
<body><h1>Baseline</h1><p>A minimal static page: what the server and the browser cost with nothing of ours.</p></body></html>
`;

interface PageTiming {
	fcp: number;
	tti: number;
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const baselinePath = join(siteBuildDir, BASELINE_FILE);
	writeFileSync(baselinePath, BASELINE_HTML);
	const email = `bench-p5-${Date.now()}@example.test`;
	const session = await localSession(ctx.baseUrl, email);
	const experimentId = await createExperiment(ctx.baseUrl, session.accessToken);
	const browser = await launchBrowser();
	try {
		const pages = {
			landing: `${ctx.baseUrl}/`,
			experiment: `${ctx.baseUrl}/experiments/${experimentId}`,
			baseline: `${ctx.baseUrl}/${BASELINE_FILE}`
		};
		const samples: Record<keyof typeof pages, PageTiming[]> = { landing: [], experiment: [], baseline: [] };
		// One unmeasured round warms the server's file reads and Chromium's own start-up.
		for (let round = -1; round < SAMPLES; round++) {
			for (const name of Object.keys(pages) as (keyof typeof pages)[]) {
				const timing = await measurePage(browser, session, pages[name]);
				if (round >= 0) samples[name].push(timing);
			}
		}
		const fcp = (name: keyof typeof pages) => median(samples[name].map((s) => s.fcp));
		const tti = (name: keyof typeof pages) => median(samples[name].map((s) => s.tti));
		ctx.log(
			`medians of ${SAMPLES}: ${JSON.stringify({ landing: fcp('landing'), baseline: fcp('baseline') })}`
		);
		const landingJs = await scriptBytes(browser, session, pages.landing);
		const experimentJs = await scriptBytes(browser, session, pages.experiment);
		const row = (metric: string, ours: number, goal: number, unit = 'ms'): BenchRow => ({
			benchmark: BENCHMARK,
			metric,
			ours,
			baseline: metric.endsWith('FCP') ? fcp('baseline') : tti('baseline'),
			unit,
			goal: `≤ ${goal} ${unit}`,
			met: ours <= goal
		});
		return [
			row('landing FCP', fcp('landing'), 200),
			row('landing TTI', tti('landing'), 300),
			row('experiment page FCP', fcp('experiment'), 200),
			row('experiment page TTI', tti('experiment'), 300),
			{
				benchmark: BENCHMARK,
				metric: 'landing JS (gzipped)',
				ours: landingJs,
				baseline: 0,
				unit: 'KB',
				goal: '≤ 30 KB',
				met: landingJs <= 30,
				note: 'baseline page has no JS'
			},
			{
				benchmark: BENCHMARK,
				metric: 'experiment page JS (gzipped)',
				ours: experimentJs,
				baseline: 0,
				unit: 'KB',
				note: 'for reference; no budget'
			}
		];
	} finally {
		await browser.close();
		rmSync(baselinePath, { force: true });
	}
}

async function createExperiment(baseUrl: string, token: string): Promise<string> {
	const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
	const created = await fetch(`${baseUrl}/api/experiments`, {
		method: 'POST',
		headers,
		body: JSON.stringify({
			name: 'page-benchmark',
			tags: ['bench'],
			hyperparams: [{ key: 'lr', value: 0.001 }]
		})
	});
	if (!created.ok) throw new Error(`create experiment: ${created.status} ${await created.text()}`);
	const { data } = (await created.json()) as { data: { id: string } };
	// Finished, so the page does not poll for live points and the network goes idle.
	await fetch(`${baseUrl}/api/experiments/${data.id}`, {
		method: 'PATCH',
		headers,
		body: JSON.stringify({ status: 'finished' })
	});
	return data.id;
}

async function measurePage(browser: Browser, session: BrowserSession, url: string): Promise<PageTiming> {
	const context = await signedInContext(browser, session);
	try {
		const page = await context.newPage();
		await page.addInitScript(() => {
			const ends: number[] = [];
			(window as unknown as { __longTaskEnds: number[] }).__longTaskEnds = ends;
			new PerformanceObserver((list) => {
				for (const entry of list.getEntries()) ends.push(entry.startTime + entry.duration);
			}).observe({ type: 'longtask', buffered: true });
		});
		await page.goto(url, { waitUntil: 'networkidle' });
		return await readTiming(page);
	} finally {
		await context.close();
	}
}

function readTiming(page: Page): Promise<PageTiming> {
	return page.evaluate(async () => {
		// The paint entry can trail the load events by a frame; wait for it (NaN if it never comes).
		const fcp = await new Promise<number>((resolve) => {
			new PerformanceObserver((list) => {
				const entry = list.getEntriesByName('first-contentful-paint')[0];
				if (entry) resolve(entry.startTime);
			}).observe({ type: 'paint', buffered: true });
			setTimeout(() => resolve(Number.NaN), 5000);
		});
		const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
		const scripts = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
			.filter((entry) => entry.initiatorType === 'script' || entry.name.endsWith('.js'))
			.map((entry) => entry.responseEnd);
		const longTasks = (window as unknown as { __longTaskEnds: number[] }).__longTaskEnds;
		return { fcp, tti: Math.max(fcp, navigation.domContentLoadedEventEnd, ...scripts, ...longTasks) };
	});
}

/** Every script the page runs, external and inline, gzipped one by one, in KB. */
async function scriptBytes(browser: Browser, session: BrowserSession, url: string): Promise<number> {
	const context = await signedInContext(browser, session);
	try {
		const page = await context.newPage();
		const bodies: Promise<Buffer>[] = [];
		page.on('response', (response) => {
			if (response.request().resourceType() === 'script') bodies.push(response.body());
		});
		await page.goto(url, { waitUntil: 'networkidle' });
		const inline = await page.evaluate(() =>
			[...document.querySelectorAll('script:not([src])')].map((script) => script.textContent ?? '')
		);
		const all = [...(await Promise.all(bodies)), ...inline.map((text) => Buffer.from(text))];
		return all.reduce((total, body) => total + gzipSync(body).length, 0) / 1024;
	} finally {
		await context.close();
	}
}

runIfMain(import.meta.url, run);
