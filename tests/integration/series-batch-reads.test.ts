/**
 * The bucket reads behind `POST /api/series` against the points themselves, at widths chosen to
 * take every way a bucket is read (repositories/series-batch.repository.ts): aggregated from the
 * points (width < 16), rollup rows sent as stored and merged in Node (a bucket spans one or two
 * rows), rollup rows merged by the database (four or more), each on the step and the wall-time
 * axis. The truth is computed in SQL over `metric_points`, so it does not share the rollups.
 * Points are logged through the batch endpoint in shuffled batches, one step logged twice.
 * Runs on PGlite and, with DATABASE_URL, on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getSql } from '../../functions/_lib/db.ts';
import { api, createKey } from '../support/api.ts';
import { createExperiment, signInWithWorkspace } from '../support/experiments.ts';

let key: string;
let runId: string;

interface Truth {
	bucket: number;
	count: number;
	min: number;
	max: number;
	last: number;
	last_step: number;
	time: number;
}

/** Brute force over the stored points: the last value is the one at the highest step, logged last. */
async function truth(metric: string, width: number): Promise<Truth[]> {
	return getSql()<Truth[]>`
		select p.step / ${width}::bigint as bucket, count(*)::int as count, min(p.value) as min, max(p.value) as max,
			(array_agg(p.value order by p.step desc, p.logged_at desc, p.msg_id desc))[1] as last,
			max(p.step) as last_step, (extract(epoch from max(p.logged_at)) * 1000)::float8 as time
		from metric_points p join metric_series s on s.id = p.series_id
		where s.experiment_id = ${runId} and s.name = ${metric}
		group by 1 order by 1
	`;
}

beforeAll(async () => {
	const user = await signInWithWorkspace();
	key = (await createKey(user.token)).key;
	({ id: runId } = await createExperiment({ apiKey: key }, { name: 'bucket reads' }));
	const entry = (name: string, step: number, value: number) => ({ name, msg_id: randomUUID(), value, step });
	const entries = [];
	for (let step = 0; step < 3000; step++) {
		entries.push(entry('dense', step, Math.sin(step / 37) + (step % 11) / 10));
		if (step % 3 === 0) entries.push(entry('sparse', step, Math.cos(step / 53)));
	}
	const batches = [];
	for (let i = 0; i < entries.length; i += 700) batches.push(entries.slice(i, i + 700));
	// A fixed shuffle: later steps often arrive before earlier ones.
	batches.sort((a, b) => ((a[0].step * 7919) % 13) - ((b[0].step * 7919) % 13));
	// Step 1535 again, last: the last step of its buckets at widths 16 to 512, whose last value
	// is then this one.
	batches.push([entry('dense', 1535, 42)]);
	for (const logs of batches) {
		const result = await api('POST', `/api/experiments/${runId}/logs/batch`, { apiKey: key, body: { logs } });
		expect(result.status, JSON.stringify(result.body)).toBe(201);
	}
});

describe('POST /api/series, every way a bucket is read', () => {
	// Widths over steps 0..2999: 4 from points; 16 and 256 one rollup row a bucket, 32 and 512
	// two, sent as stored; 64 and 1024 four, merged by the database.
	it.each([
		{ buckets: 1000, width: 4 },
		{ buckets: 200, width: 16 },
		{ buckets: 100, width: 32 },
		{ buckets: 50, width: 64 },
		{ buckets: 12, width: 256 },
		{ buckets: 6, width: 512 },
		{ buckets: 3, width: 1024 }
	])('equals the points aggregated at width $width, on steps and wall time', async ({ buckets, width }) => {
		for (const x of ['step', 'wall'] as const) {
			const result = await api('POST', '/api/series', {
				apiKey: key,
				body: { experimentIds: [runId], metrics: ['dense', 'sparse'], buckets, x }
			});
			expect(result.status).toBe(200);
			const [dense, sparse] = result.body.data.series;
			expect(dense.bucket_width).toBe(width);
			// No more points than buckets: read point by point.
			expect(sparse.bucket_width).toBe(buckets >= 1000 ? 1 : width);
			for (const series of [dense, sparse]) {
				const expected = await truth(series.metric, series.bucket_width);
				expect(series.nonfinite).toBe(0);
				expect(series.x, `${series.metric} x (${x})`).toEqual(
					expected.map((b) => (x === 'step' ? b.last_step : b.time))
				);
				expect(series.y, `${series.metric} y`).toEqual(expected.map((b) => b.last));
				expect(series.min, `${series.metric} min`).toEqual(expected.map((b) => b.min));
				expect(series.max, `${series.metric} max`).toEqual(expected.map((b) => b.max));
				expect(series.count, `${series.metric} count`).toEqual(expected.map((b) => b.count));
			}
		}
	});

	it('takes the value logged last at a step logged twice', async () => {
		const [bucket] = (await truth('dense', 1)).filter((b) => b.bucket === 1535);
		expect(bucket).toMatchObject({ count: 2, last: 42 });
		const result = await api('POST', '/api/series', {
			apiKey: key,
			body: { experimentIds: [runId], metrics: ['dense'], buckets: 200 }
		});
		const [series] = result.body.data.series;
		expect(series.y[Math.floor(1535 / 16)]).toBe(42);
	});
});
