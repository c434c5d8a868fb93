/**
 * A 1,000,000-point metric logged through the real ingest path, then read with 1,000 buckets:
 * every bucket's count, min, max and last must equal a brute-force aggregation over the points.
 * Part of `npm run test:stress` (run by CI on the PostgreSQL server): it ingests for a minute.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { ingestLogs } from '../../functions/_lib/repositories/metric-ingest.repository.ts';
import { api, createKey, signIn } from '../support/api.ts';

const POINTS = 1_000_000;
const BATCH = 10_000;
const valueAt = (step: number) => Math.sin(step / 997) * 10 + ((step * 7919) % 1000) / 1000;

describe('a million-point series', () => {
	it('reads 1,000 exact buckets', async () => {
		const user = await signIn();
		const { key } = await createKey(user.token);
		const workspaceId = (await api('GET', '/api/me', { token: user.token })).body.data.personalWorkspaceId;
		const { id } = await getDb()
			.insertInto('experiments')
			.values({ workspace_id: workspaceId, name: 'million', created_by: user.userId })
			.returning('id')
			.executeTakeFirstOrThrow();
		for (let start = 0; start < POINTS; start += BATCH) {
			const logs = Array.from({ length: BATCH }, (_, i) => ({
				name: 'loss',
				msg_id: randomUUID(),
				value: valueAt(start + i),
				step: start + i
			}));
			const result = await ingestLogs(getDb(), id, logs);
			expect(result).toMatchObject({ stored: BATCH });
		}

		const read = await api('GET', `/api/experiments/${id}/metrics?buckets=1000`, { apiKey: key });
		const series = read.body.data.series[0];
		expect(series).toMatchObject({
			count: POINTS,
			first_step: 0,
			last_step: POINTS - 1,
			resolution: 'buckets'
		});
		const width: number = series.bucket_width;
		expect(width).toBe(1024);
		expect(series.starts).toHaveLength(Math.ceil(POINTS / width));
		for (let b = 0; b < series.starts.length; b++) {
			const first = b * width;
			const last = Math.min(first + width, POINTS) - 1;
			let min = Infinity;
			let max = -Infinity;
			for (let step = first; step <= last; step++) {
				min = Math.min(min, valueAt(step));
				max = Math.max(max, valueAt(step));
			}
			expect([series.starts[b], series.counts[b], series.mins[b], series.maxs[b], series.lasts[b]]).toEqual([
				first,
				last - first + 1,
				min,
				max,
				valueAt(last)
			]);
		}
	}, 900_000);
});
