/**
 * P7 connections: 1,000 concurrent keep-alive connections for 30 s against an authed
 * `GET /api/experiments/{id}` — errors (connection errors, timeouts, non-2xx) and p99 — against
 * the bare node:http baseline from P1 under the same load.
 */
import { startBareServer } from './lib/bare.ts';
import { apiFixture } from './lib/fixtures.ts';
import { load } from './lib/load.ts';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P7 connections';
const CONNECTIONS = 1000;
const SECONDS = Number(process.env.BENCH_P7_SECONDS ?? 30);

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const fixture = await apiFixture(ctx);
	const bare = await startBareServer(ctx, fixture.userId);
	try {
		const path = `/api/experiments/${fixture.experimentId}`;
		const measure = (base: string) =>
			load({
				url: base + path,
				connections: CONNECTIONS,
				duration: SECONDS,
				headers: { 'x-api-key': fixture.apiKey },
				timeout: 30
			});
		const ours = await measure(ctx.baseUrl);
		const base = await measure(bare.baseUrl);
		const failures = (r: typeof ours) => r.errors + r.non2xx;
		ctx.log(`ours: ${JSON.stringify(ours)}`);
		ctx.log(`baseline: ${JSON.stringify(base)}`);
		const label = `${CONNECTIONS} conns × ${SECONDS} s`;
		return [
			{
				benchmark: BENCHMARK,
				metric: `${label} errors`,
				ours: failures(ours),
				baseline: failures(base),
				unit: 'errors',
				ratio: Number.NaN,
				goal: '0',
				met: failures(ours) === 0,
				note: `statuses ${JSON.stringify(ours.statuses)}, baseline ${JSON.stringify(base.statuses)}`
			},
			{ benchmark: BENCHMARK, metric: `${label} p99`, ours: ours.p99, baseline: base.p99, unit: 'ms' },
			{
				benchmark: BENCHMARK,
				metric: `${label} throughput`,
				ours: ours.requestsPerSecond,
				baseline: base.requestsPerSecond,
				unit: 'req/s'
			}
		];
	} finally {
		await bare.stop();
	}
}

runIfMain(import.meta.url, run);
