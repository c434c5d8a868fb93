/**
 * P3 series read: a 1,000-bucket read of one metric (`GET /api/experiments/:id/metrics`) for
 * series of 10k, 100k and 1M points, and how the time grows with the length.
 *
 * Baseline, same series, same run: the naive read, a full-scan `width_bucket` aggregation
 * (count, min, max, last) of the series' points in one SQL statement.
 */
import { randomUUID } from 'node:crypto';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

/** The embedded PGlite seeds ~10k points/s: 1M points alone would take most of the run's 10 minutes. */
const lengthsFor = (ctx: BenchContext) =>
	ctx.dbKind === 'pglite' ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const GOAL_LENGTH = 1_000_000;
const BUCKETS = 1_000;
const READS = 30;
const BASELINE_READS = 5;
/** Entries per seeding request: the batch limit is 10,000 entries and 2 MB. */
const SEED_BATCH = 10_000;

export const valueAt = (step: number) => Math.sin(step / 997) * 10 + ((step * 7919) % 1000) / 1000;

/** Creates an experiment through the API; its id. */
export async function createExperiment(ctx: BenchContext, key: string, name: string): Promise<string> {
	const res = await fetch(`${ctx.baseUrl}/api/experiments`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'x-api-key': key },
		body: JSON.stringify({ name })
	});
	if (res.status !== 201) throw new Error(`create experiment: ${res.status} ${await res.text()}`);
	return ((await res.json()) as { data: { id: string } }).data.id;
}

/** Logs steps 0..length-1 of `name` through the batch endpoint, two requests in flight. */
export async function seedSeries(ctx: BenchContext, key: string, id: string, name: string, length: number) {
	let next = 0;
	const sender = async () => {
		while (next < length) {
			const start = next;
			next = Math.min(length, start + SEED_BATCH);
			const logs = [];
			for (let step = start; step < next; step++)
				logs.push({ name, msg_id: randomUUID(), value: valueAt(step), step });
			const res = await fetch(`${ctx.baseUrl}/api/experiments/${id}/logs/batch`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'x-api-key': key },
				body: JSON.stringify({ logs })
			});
			if (res.status !== 201) throw new Error(`seeding ${name}: ${res.status} ${await res.text()}`);
			await res.arrayBuffer();
		}
	};
	await Promise.all([sender(), sender()]);
}

const compact = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1_000}k`);

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];

async function timeReads(reads: number, read: () => Promise<void>): Promise<number> {
	await read();
	await read();
	const times: number[] = [];
	for (let i = 0; i < reads; i++) {
		const started = performance.now();
		await read();
		times.push(performance.now() - started);
	}
	return median(times);
}

async function apiRead(ctx: BenchContext, key: string, id: string, name: string): Promise<void> {
	const res = await fetch(`${ctx.baseUrl}/api/experiments/${id}/metrics?names=${name}&buckets=${BUCKETS}`, {
		headers: { 'x-api-key': key }
	});
	const body = (await res.json()) as { data: { series: Array<{ resolution: string }> } };
	if (res.status !== 200 || body.data.series[0]?.resolution !== 'buckets') {
		throw new Error(`series read: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
	}
}

async function naiveRead(ctx: BenchContext, id: string, name: string): Promise<void> {
	await ctx.sql`
		select width_bucket(p.step, s.first_step, s.last_step + 1, ${BUCKETS}) as bucket, count(*),
			min(p.value), max(p.value), (array_agg(p.value order by p.step desc))[1] as last
		from metric_series s join metric_points p on p.series_id = s.id
		where s.experiment_id = ${id} and s.name = ${name}
		group by 1 order by 1
	`;
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const { token } = await ctx.signIn();
	const key = await ctx.createApiKey(token);
	const id = await createExperiment(ctx, key, 'p3-series-read');
	const rows: BenchRow[] = [];
	const times = new Map<number, { ours: number; naive: number }>();
	const lengths = lengthsFor(ctx);
	for (const length of lengths) {
		const name = `series_${length}`;
		ctx.log(`P3: seeding ${length.toLocaleString('en')} points`);
		await seedSeries(ctx, key, id, name, length);
		const ours = await timeReads(READS, () => apiRead(ctx, key, id, name));
		const naive = await timeReads(BASELINE_READS, () => naiveRead(ctx, id, name));
		times.set(length, { ours, naive });
		const isGoalLength = length === GOAL_LENGTH;
		rows.push({
			benchmark: 'P3 series read',
			metric: `${BUCKETS} buckets of ${length.toLocaleString('en')} points (median)`,
			ours,
			baseline: naive,
			unit: 'ms',
			ratio: ours / naive,
			...(isGoalLength ? { goal: '≤ 50 ms', met: ours <= 50 } : {}),
			note: 'ours over HTTP (auth included); baseline: full-scan width_bucket in SQL'
		});
	}
	const shortest = times.get(lengths[0])!;
	const longest = times.get(lengths.at(-1)!)!;
	const growth = longest.ours / shortest.ours;
	const reachesGoalLength = lengths.includes(GOAL_LENGTH);
	rows.push({
		benchmark: 'P3 series read',
		metric: `growth ${compact(lengths.at(-1)!)} / ${compact(lengths[0])}`,
		ours: growth,
		baseline: longest.naive / shortest.naive,
		unit: '×',
		ratio: growth / (longest.naive / shortest.naive),
		...(reachesGoalLength
			? { goal: '≤ 2×', met: growth <= 2 }
			: { note: 'embedded PGlite: shorter series; the goals are for 1M points on PostgreSQL' })
	});
	return rows;
}

runIfMain(import.meta.url, run);
