/**
 * P1 API latency and throughput: authed `GET /api/workspaces` and `GET /api/experiments/{id}` at
 * 1 connection (p50, p99) and 50 connections (req/s, p99), against the bare node:http baseline
 * (bench/lib/bare-server.ts) running the same SQL through the same pool, in the same run. Ours and
 * the baseline alternate per phase so drift on a shared machine hits both alike.
 */
import { apiFixture } from './lib/fixtures.ts';
import { load, type LoadResult } from './lib/load.ts';
import { runIfMain } from './lib/main.ts';
import { startBareServer } from './lib/bare.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P1 api';
const SECONDS = Number(process.env.BENCH_P1_SECONDS ?? 5);

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const fixture = await apiFixture(ctx);
	const bare = await startBareServer(ctx, fixture.userId);
	const rows: BenchRow[] = [];
	try {
		const endpoints = [
			{ label: 'GET /api/workspaces', path: '/api/workspaces' },
			{ label: 'GET /api/experiments/{id}', path: `/api/experiments/${fixture.experimentId}` }
		];
		const headers = { 'x-api-key': fixture.apiKey };
		for (const { label, path } of endpoints) {
			const measure = (base: string, connections: number, duration = SECONDS) =>
				load({ url: base + path, connections, duration, headers });
			// Warm both: JIT, prepared statements, the key cache, the pool's connections.
			await measure(ctx.baseUrl, 50, 2);
			await measure(bare.baseUrl, 50, 2);
			const one = { ours: await measure(ctx.baseUrl, 1), base: await measure(bare.baseUrl, 1) };
			const many = { ours: await measure(ctx.baseUrl, 50), base: await measure(bare.baseUrl, 50) };
			for (const result of [one.ours, one.base, many.ours, many.base]) failOnErrors(label, result);
			ctx.log(
				`${label}: 1 conn p50 ${one.ours.p50.toFixed(2)} / ${one.base.p50.toFixed(2)} ms; ` +
					`50 conns ${many.ours.requestsPerSecond.toFixed(0)} / ${many.base.requestsPerSecond.toFixed(0)} req/s`
			);
			rows.push(
				row(`${label} 1 conn p50`, one.ours.p50, one.base.p50, 'ms', '≤ 1 ms', one.ours.p50 <= 1),
				row(`${label} 1 conn p99`, one.ours.p99, one.base.p99, 'ms', '≤ 5 ms', one.ours.p99 <= 5),
				row(
					`${label} 50 conns throughput`,
					many.ours.requestsPerSecond,
					many.base.requestsPerSecond,
					'req/s',
					'≥ 0.7× baseline',
					many.ours.requestsPerSecond >= 0.7 * many.base.requestsPerSecond
				),
				row(`${label} 50 conns p99`, many.ours.p99, many.base.p99, 'ms')
			);
		}
	} finally {
		await bare.stop();
	}
	return rows;
}

function row(
	metric: string,
	ours: number,
	baseline: number,
	unit: string,
	goal?: string,
	met?: boolean
): BenchRow {
	return { benchmark: BENCHMARK, metric, ours, baseline, unit, goal, met };
}

function failOnErrors(label: string, result: LoadResult): void {
	if (result.errors || result.non2xx || result.responses === 0) {
		throw new Error(
			`${label}: ${result.errors} errors, statuses ${JSON.stringify(result.statuses)} of ${result.responses} responses`
		);
	}
}

runIfMain(import.meta.url, run);
