import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { api, apiResponse, createKey, expectEnvelope, signIn } from '../support/api.ts';

interface Owner {
	token: string;
	key: string;
	userId: string;
	workspaceId: string;
}

async function owner(): Promise<Owner> {
	const user = await signIn();
	const { key } = await createKey(user.token);
	const me = await api('GET', '/api/me', { token: user.token });
	return { token: user.token, key, userId: user.userId, workspaceId: me.body.data.personalWorkspaceId };
}

/** Test setup straight into the table: experiment CRUD is exercised by its own tests. */
async function experiment(o: Owner, name = 'run'): Promise<string> {
	const row = await getDb()
		.insertInto('experiments')
		.values({ workspace_id: o.workspaceId, name, created_by: o.userId })
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

const point = (name: string, step: number | null, value: number, extra: Record<string, unknown> = {}) => ({
	name,
	msg_id: randomUUID(),
	value,
	step,
	metadata: { type: 'metric' },
	...extra
});

async function series(o: Owner, id: string, query = '') {
	const result = await api('GET', `/api/experiments/${id}/metrics${query}`, { apiKey: o.key });
	expect(result.status, JSON.stringify(result.body)).toBe(200);
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	return result.body.data as { series: Array<Record<string, any>>; cursor: string };
}

let o: Owner;
beforeAll(async () => {
	o = await owner();
});

describe('logging', () => {
	it('stores a batch once: the same batch sent again is skipped, never an error', async () => {
		const id = await experiment(o);
		const logs = [point('loss', 0, 1.5), point('loss', 1, 1.25), point('acc', 0, 0.5)];
		const first = await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: o.key, body: { logs } });
		expect(first.status).toBe(201);
		expect(first.body.data).toEqual({ received: 3, stored: 3, duplicates: 0 });
		const retry = await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: o.key, body: { logs } });
		expect(retry.status).toBe(201);
		expect(retry.body.data).toEqual({ received: 3, stored: 0, duplicates: 3 });
		// A grown buffer re-sent (what the public SDK does after a failure) stores only the new entry.
		const grown = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			body: { logs: [...logs, point('loss', 2, 1.0)] }
		});
		expect(grown.body.data).toEqual({ received: 4, stored: 1, duplicates: 3 });
		const read = await series(o, id);
		const loss = read.series.find((s) => s.name === 'loss')!;
		expect(loss).toMatchObject({
			count: 3,
			first_step: 0,
			last_step: 2,
			min: 1,
			max: 1.5,
			last: 1,
			resolution: 'raw'
		});
		expect(loss.steps).toEqual([0, 1, 2]);
		expect(loss.values).toEqual([1.5, 1.25, 1]);
	});

	it('keeps the value at the lowest step as the series first value, whatever order batches arrive in', async () => {
		const id = await experiment(o);
		const send = (logs: unknown[]) =>
			api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: o.key, body: { logs } });
		const first = async () => (await series(o, id)).series.find((s) => s.name === 'loss')!.first;
		await send([point('loss', 5, 0.5), point('loss', 9, 0.9)]);
		expect(await first()).toBe(0.5);
		await send([point('loss', 7, 0.7), point('loss', 3, 0.3), point('loss', 4, 0.4)]);
		expect(await first()).toBe(0.3);
		// Another point at the lowest step does not replace the one stored first.
		await send([point('loss', 3, 33), point('loss', 10, 1)]);
		expect(await first()).toBe(0.3);
		await send([point('loss', 0, -1)]);
		expect(await first()).toBe(-1);
	});

	it('skips a msg_id repeated inside one batch', async () => {
		const id = await experiment(o);
		const entry = point('loss', 0, 1);
		const result = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			body: { logs: [entry, { ...entry, value: 2 }, { ...entry, name: 'other', step: 5 }] }
		});
		expect(result.body.data).toEqual({ received: 3, stored: 1, duplicates: 2 });
	});

	it('gives entries without a step the next steps, and recognises their retry', async () => {
		const id = await experiment(o);
		const logs = [point('lr', 5, 0.1), point('lr', null, 0.2), point('lr', null, 0.3, { metadata: null })];
		await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: o.key, body: { logs } });
		const retry = await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: o.key, body: { logs } });
		expect(retry.body.data.stored).toBe(0);
		const lr = (await series(o, id)).series[0];
		expect(lr.steps).toEqual([5, 6, 7]);
		expect(lr.values).toEqual([0.1, 0.2, 0.3]);
	});

	it('refuses a step-less entry once its series has reached the largest exact step (400, nothing stored)', async () => {
		const id = await experiment(o);
		const last = point('lr', Number.MAX_SAFE_INTEGER, 0.1);
		expect((await api('POST', `/api/experiments/${id}/logs`, { apiKey: o.key, body: last })).status).toBe(
			201
		);
		const refused = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			body: { logs: [point('loss', 0, 1), point('lr', null, 0.2)] }
		});
		expect(refused.status).toBe(400);
		expect(refused.body.error?.code).toBe('VALIDATION_ERROR');
		expect(refused.body.error?.message).toContain('lr');
		const stored = (await series(o, id)).series.map((s) => [s.name, s.count]);
		expect(stored).toEqual([['lr', 1]]);
	});

	it('stores results (metadata.type "result") separately; the latest value per name wins', async () => {
		const id = await experiment(o);
		const result = (name: string, value: number) => ({
			name,
			msg_id: randomUUID(),
			value,
			step: null,
			metadata: { type: 'result' }
		});
		const first = result('accuracy', 0.9);
		await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			body: { logs: [first, result('f1', 0.8)] }
		});
		await api('POST', `/api/experiments/${id}/logs`, { apiKey: o.key, body: result('accuracy', 0.95) });
		const retried = await api('POST', `/api/experiments/${id}/logs`, { apiKey: o.key, body: first });
		expect(retried.status).toBe(201);
		const results = await api('GET', `/api/experiments/${id}/results`, { apiKey: o.key });
		expect(results.body.data.map((r: { name: string; value: number }) => [r.name, r.value])).toEqual([
			['accuracy', 0.95],
			['f1', 0.8]
		]);
		expect((await series(o, id)).series).toEqual([]);
	});

	it('keeps extra metadata and accepts logging to a finished run', async () => {
		const id = await experiment(o);
		await getDb().updateTable('experiments').set({ status: 'finished' }).where('id', '=', id).execute();
		const entry = point('loss', 0, 1, { metadata: { type: 'metric', epoch: 3 } });
		expect((await api('POST', `/api/experiments/${id}/logs`, { apiKey: o.key, body: entry })).status).toBe(
			201
		);
		const stored = await getDb()
			.selectFrom('metric_points')
			.select('metadata')
			.where('msg_id', '=', entry.msg_id)
			.executeTakeFirst();
		expect(stored?.metadata).toEqual({ epoch: 3 });
	});

	it('rejects a bad batch whole, naming each bad entry by index', async () => {
		const id = await experiment(o);
		const bad = [
			point('ok', 0, 1),
			{ ...point('x', 0, 1), msg_id: 'not-a-uuid' },
			{ ...point('x', 0, 1), value: 'NaN' },
			point('bad name!', 0, 1),
			point('x', -1, 1),
			point('x', 1.5, 1),
			{ ...point('x', 0, 1), metadata: { type: 'metric', blob: 'x'.repeat(11_000) } },
			{ ...point('x', 0, 1), extra: true },
			point('x'.repeat(101), 0, 1)
		];
		const result = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			body: { logs: bad }
		});
		expectEnvelope(result, 400, 'VALIDATION_ERROR');
		const fields = result.body.error!.fields!;
		expect(Object.keys(fields).sort()).toEqual(
			[
				'logs.1.msg_id',
				'logs.2.value',
				'logs.3.name',
				'logs.4.step',
				'logs.5.step',
				'logs.6.metadata',
				'logs.7',
				'logs.8.name'
			].sort()
		);
		expect(fields['logs.2.value']).toEqual(['must be a number']);
		const stored = await getDb()
			.selectFrom('metric_series')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('experiment_id', '=', id)
			.executeTakeFirstOrThrow();
		expect(Number(stored.n)).toBe(0);
	});

	it('rejects JSON nested deeper than 64 levels with 400 instead of exhausting the stack', async () => {
		const id = await experiment(o);
		const depth = 200_000;
		const metadata = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
		const rawBody = `{"logs":[{"name":"m","msg_id":"${randomUUID()}","value":1,"step":0,"metadata":${metadata}}]}`;
		const result = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			rawBody,
			headers: { 'content-type': 'application/json' }
		});
		expectEnvelope(result, 400, 'VALIDATION_ERROR');
		expect(result.body.error!.message).toMatch(/deeper than 64 levels/);
	});

	it('answers 413 over 10,000 entries or 2 MB, with the limits in the message', async () => {
		const id = await experiment(o);
		const many = Array.from({ length: 10_001 }, (_, i) => ({
			name: 'm',
			msg_id: randomUUID(),
			value: i,
			step: i
		}));
		const tooMany = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			body: { logs: many }
		});
		expectEnvelope(tooMany, 413, 'PAYLOAD_TOO_LARGE');
		expect(tooMany.body.error!.message).toMatch(/10000 entries and 2 MB/);
		const big = { logs: [{ ...point('m', 0, 1), metadata: { pad: 'x'.repeat(2 * 1024 * 1024) } }] };
		const tooBig = await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: o.key, body: big });
		expectEnvelope(tooBig, 413, 'PAYLOAD_TOO_LARGE');
		expect(tooBig.body.error!.message).toMatch(/2 MB/);
	});

	it('lets editors log, not viewers (403) or strangers (404); a malformed id is 400', async () => {
		const id = await experiment(o);
		const viewer = await signIn();
		await getDb()
			.insertInto('workspace_members')
			.values({ workspace_id: o.workspaceId, user_id: viewer.userId, role: 'viewer' })
			.execute();
		const stranger = await signIn();
		const body = { logs: [point('loss', 0, 1)] };
		expectEnvelope(
			await api('POST', `/api/experiments/${id}/logs/batch`, { token: viewer.token, body }),
			403,
			'FORBIDDEN'
		);
		expect((await api('GET', `/api/experiments/${id}/metrics`, { token: viewer.token })).status).toBe(200);
		expectEnvelope(
			await api('POST', `/api/experiments/${id}/logs/batch`, { token: stranger.token, body }),
			404,
			'NOT_FOUND'
		);
		expectEnvelope(
			await api('GET', `/api/experiments/${id}/metrics`, { token: stranger.token }),
			404,
			'NOT_FOUND'
		);
		expectEnvelope(
			await api('POST', `/api/experiments/${randomUUID()}/logs/batch`, { apiKey: o.key, body }),
			404,
			'NOT_FOUND'
		);
		const malformed = await api('POST', '/api/experiments/123/logs/batch', { apiKey: o.key, body });
		expectEnvelope(malformed, 400, 'VALIDATION_ERROR');
		expect(malformed.body.error!.fields).toHaveProperty('id');
	});

	it('serves only new points to a live poll with after=<cursor>', async () => {
		const id = await experiment(o);
		await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			body: { logs: [point('loss', 0, 3), point('loss', 1, 2)] }
		});
		const first = await series(o, id);
		const empty = await series(o, id, `?after=${first.cursor}`);
		expect(empty.series[0].steps).toEqual([]);
		await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			body: { logs: [point('loss', 2, 1), point('acc', 0, 0.1)] }
		});
		const next = await series(o, id, `?after=${empty.cursor}`);
		expect(Object.fromEntries(next.series.map((s) => [s.name, s.steps]))).toEqual({ acc: [0], loss: [2] });
		expectEnvelope(
			await api('GET', `/api/experiments/${id}/metrics?after=garbage`, { apiKey: o.key }),
			400,
			'VALIDATION_ERROR'
		);
	});
});

describe('series reads', () => {
	/** Min, max, count and last (value at the highest step) per aligned bucket, the slow way. */
	function bruteForce(points: Array<[number, number]>, width: number, from: number, to: number) {
		const buckets = new Map<
			number,
			{ count: number; min: number; max: number; last: number; lastStep: number }
		>();
		for (const [step, value] of points) {
			if (step < Math.floor(from / width) * width || step > (Math.floor(to / width) + 1) * width - 1)
				continue;
			const b = Math.floor(step / width);
			const bucket = buckets.get(b) ?? { count: 0, min: Infinity, max: -Infinity, last: NaN, lastStep: -1 };
			bucket.count++;
			bucket.min = Math.min(bucket.min, value);
			bucket.max = Math.max(bucket.max, value);
			if (step > bucket.lastStep) {
				bucket.lastStep = step;
				bucket.last = value;
			}
			buckets.set(b, bucket);
		}
		const keys = [...buckets.keys()].sort((a, b) => a - b);
		return {
			starts: keys.map((k) => k * width),
			counts: keys.map((k) => buckets.get(k)!.count),
			mins: keys.map((k) => buckets.get(k)!.min),
			maxs: keys.map((k) => buckets.get(k)!.max),
			lasts: keys.map((k) => buckets.get(k)!.last)
		};
	}

	async function logSeries(id: string, name: string, points: Array<[number, number]>) {
		for (let i = 0; i < points.length; i += 5000) {
			const logs = points
				.slice(i, i + 5000)
				.map(([step, value]) => ({ name, msg_id: randomUUID(), value, step }));
			const result = await api('POST', `/api/experiments/${id}/logs/batch`, {
				apiKey: o.key,
				body: { logs }
			});
			expect(result.status).toBe(201);
		}
	}

	it('returns buckets equal to a brute-force aggregation, for every range and bucket count', async () => {
		const id = await experiment(o);
		// Out-of-order batches, gaps and a random walk: the rollups must not care.
		const points: Array<[number, number]> = [];
		let value = 0;
		for (let step = 0; step < 40_000; step += 1 + (step % 7 === 0 ? 3 : 0)) {
			value += Math.sin(step) * 0.5;
			points.push([step, Math.round(value * 1000) / 1000]);
		}
		const shuffled = [...points].sort((a, b) => ((a[0] * 7919) % 1000) - ((b[0] * 7919) % 1000));
		await logSeries(id, 'walk', shuffled);
		const cases: Array<{ buckets: number; from?: number; to?: number }> = [
			{ buckets: 1000 },
			{ buckets: 100 },
			{ buckets: 7 },
			{ buckets: 3000, from: 1234, to: 9876 },
			{ buckets: 500, from: 100, to: 2100 },
			{ buckets: 50, from: 39_000 }
		];
		for (const c of cases) {
			const query = new URLSearchParams(Object.entries(c).map(([k, v]) => [k, String(v)]));
			const read = (await series(o, id, `?${query}`)).series[0];
			expect(read.resolution).toBe('buckets');
			expect(read.starts.length).toBeLessThanOrEqual(c.buckets);
			const expected = bruteForce(points, read.bucket_width, c.from ?? 0, c.to ?? points.at(-1)![0]);
			expect(
				{ starts: read.starts, counts: read.counts, mins: read.mins, maxs: read.maxs, lasts: read.lasts },
				JSON.stringify(c)
			).toEqual(expected);
		}
		const again = await series(o, id, '?buckets=100');
		expect(again).toEqual(await series(o, id, '?buckets=100'));
	});

	it('stays exact at the coarse rollup levels (sparse steps spanning 10^9)', async () => {
		const id = await experiment(o);
		const points: Array<[number, number]> = Array.from({ length: 8000 }, (_, i) => [
			i * 125_003 + (i % 13) * 17,
			Math.cos(i / 50) * 100
		]);
		await logSeries(id, 'sparse', points);
		for (const buckets of [7999, 1000, 64, 9, 2, 1]) {
			const read = (await series(o, id, `?buckets=${buckets}`)).series[0];
			expect(read.resolution).toBe('buckets');
			expect(read.bucket_width).toBeGreaterThanOrEqual(65_536);
			const expected = bruteForce(points, read.bucket_width, 0, points.at(-1)![0]);
			expect({
				starts: read.starts,
				counts: read.counts,
				mins: read.mins,
				maxs: read.maxs,
				lasts: read.lasts
			}).toEqual(expected);
		}
	});

	it('returns raw points for short series and narrow zooms', async () => {
		const id = await experiment(o);
		await logSeries(
			id,
			'short',
			Array.from({ length: 300 }, (_, i) => [i * 10, i] as [number, number])
		);
		const all = (await series(o, id, '?buckets=1000')).series[0];
		expect(all.resolution).toBe('raw');
		expect(all.steps).toHaveLength(300);
		const zoom = (await series(o, id, '?buckets=1000&from=100&to=200')).series[0];
		expect(zoom.steps).toEqual([100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200]);
		expectEnvelope(
			await api('GET', `/api/experiments/${id}/metrics?from=10&to=5`, { apiKey: o.key }),
			400,
			'VALIDATION_ERROR'
		);
		expectEnvelope(
			await api('GET', `/api/experiments/${id}/metrics?buckets=0`, { apiKey: o.key }),
			400,
			'VALIDATION_ERROR'
		);
		expectEnvelope(
			await api('GET', `/api/experiments/${id}/metrics?names=bad!name`, { apiKey: o.key }),
			400,
			'VALIDATION_ERROR'
		);
	});
});

describe('CSV export', () => {
	it('streams long and wide CSV with a safe file name', async () => {
		const id = await experiment(o, 'lr=3e-4, "big" run/v2');
		await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: o.key,
			body: { logs: [point('loss', 0, 2), point('loss', 1, 1.5), point('val/acc', 1, 0.25)] }
		});
		const fetchCsv = (query: string) =>
			apiResponse('GET', `/api/experiments/${id}/export.csv${query}`, { apiKey: o.key });
		const longResponse = await fetchCsv('');
		expect(longResponse.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(longResponse.headers.get('content-disposition')).toBe(
			'attachment; filename="lr_3e-4_big_run_v2-long.csv"'
		);
		const longText = await longResponse.text();
		const lines = longText.split('\r\n');
		expect(lines[0]).toBe('name,step,value,logged_at');
		expect(lines.slice(1, 4).map((line) => line.split(',').slice(0, 3).join(','))).toEqual([
			'loss,0,2',
			'loss,1,1.5',
			'val/acc,1,0.25'
		]);
		expect(await (await fetchCsv('?format=wide')).text()).toBe('step,loss,val/acc\r\n0,2,\r\n1,1.5,0.25\r\n');
		const bad = await fetchCsv('?format=xml');
		expect(bad.status).toBe(400);
	});
});

describe('point timestamps', () => {
	const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
	const iso = (ms: number) => new Date(ms).toISOString();
	const send = (id: string, logs: unknown[]) =>
		api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: o.key, body: { logs } });
	const summary = (id: string, name: string) =>
		getDb()
			.selectFrom('metric_series')
			.select(['first_logged_at', 'last_logged_at', 'first_value', 'last_value', 'point_count'])
			.where('experiment_id', '=', id)
			.where('name', '=', name)
			.executeTakeFirstOrThrow();

	it("stores the entry's time as the point's: reads, summaries, rollups and the export show it; a retry adds nothing", async () => {
		const id = await experiment(o);
		// Out of step order within the batch, two buckets of 16 steps.
		const logs = [40, 0, 1, 17, 2].map((step) =>
			point('loss', step, step / 10, { timestamp: T0 + step * 1000 })
		);
		expect((await send(id, logs)).body.data).toEqual({ received: 5, stored: 5, duplicates: 0 });
		const raw = (await series(o, id)).series[0];
		expect(raw.steps).toEqual([0, 1, 2, 17, 40]);
		expect(raw.times).toEqual([0, 1, 2, 17, 40].map((step) => T0 + step * 1000));
		expect(await summary(id, 'loss')).toMatchObject({
			first_logged_at: new Date(T0),
			last_logged_at: new Date(T0 + 40_000),
			point_count: 5
		});
		const rollups = await getDb()
			.selectFrom('metric_rollups as r')
			.innerJoin('metric_series as s', 's.id', 'r.series_id')
			.select(['r.level', 'r.bucket', 'r.last_logged_at'])
			.where('s.experiment_id', '=', id)
			.where('r.level', '=', 1)
			.orderBy('r.bucket')
			.execute();
		expect(rollups.map((r) => [r.bucket, r.last_logged_at.getTime()])).toEqual([
			[0, T0 + 2000],
			[1, T0 + 17_000],
			[2, T0 + 40_000]
		]);
		const bucketed = (await series(o, id, '?buckets=1')).series[0];
		expect(bucketed).toMatchObject({ resolution: 'buckets', times: [T0 + 40_000] });
		const csv = await (
			await apiResponse('GET', `/api/experiments/${id}/export.csv`, { apiKey: o.key })
		).text();
		expect(csv.split('\r\n')[1]).toBe(`loss,0,0,${iso(T0)}`);

		expect((await send(id, logs)).body.data).toEqual({ received: 5, stored: 0, duplicates: 5 });
		expect(await summary(id, 'loss')).toMatchObject({
			point_count: 5,
			last_logged_at: new Date(T0 + 40_000)
		});
	});

	it('orders points at one step by their times; an entry without a time gets the server time', async () => {
		const id = await experiment(o);
		const before = Date.now();
		// The later point comes first in the batch: its time, not its place, makes it the last.
		await send(id, [
			point('acc', 3, 0.75, { timestamp: T0 + 5000 }),
			point('acc', 3, 0.5, { timestamp: T0 }),
			point('acc', 4, 0.9)
		]);
		const acc = (await series(o, id)).series[0];
		expect(acc.values).toEqual([0.5, 0.75, 0.9]);
		expect(acc.times.slice(0, 2)).toEqual([T0, T0 + 5000]);
		expect(acc.times[2]).toBeGreaterThanOrEqual(before - 1000);
		// A later batch at the last step, older than what is stored there, does not become the last.
		await send(id, [point('acc', 4, 0.1, { timestamp: T0 })]);
		const read = await summary(id, 'acc');
		expect(read.last_value).toBe(0.9);
		expect(read.first_logged_at).toEqual(new Date(T0));
		// An older point at the first step becomes the first value.
		await send(id, [point('acc', 3, 0.25, { timestamp: T0 - 1000 })]);
		expect(await summary(id, 'acc')).toMatchObject({
			first_value: 0.25,
			first_logged_at: new Date(T0 - 1000)
		});
	});

	it('dates new series, step-less entries and results too', async () => {
		const id = await experiment(o);
		const result = {
			name: 'best',
			msg_id: randomUUID(),
			value: 0.9,
			step: null,
			metadata: { type: 'result' }
		};
		const logs = [
			point('fresh', null, 1, { timestamp: T0 }),
			point('fresh', null, 2, { timestamp: T0 + 10 }),
			{ ...result, timestamp: T0 + 20 }
		];
		expect((await send(id, logs)).body.data.stored).toBe(3);
		expect((await series(o, id)).series[0]).toMatchObject({ steps: [0, 1], times: [T0, T0 + 10] });
		const results = await api('GET', `/api/experiments/${id}/results`, { apiKey: o.key });
		expect(results.body.data).toEqual([{ name: 'best', value: 0.9, logged_at: iso(T0 + 20) }]);
		expect((await send(id, logs)).body.data.stored).toBe(0);
	});

	it('refuses times before 1970, more than a day ahead, fractional or not numbers (400, nothing stored)', async () => {
		const id = await experiment(o);
		const cases: Array<[unknown, string]> = [
			[-1, 'before 1970'],
			[Date.now() + 25 * 3600 * 1000, 'a day in the future'],
			[T0 + 0.5, 'whole milliseconds'],
			['2024-01-02T03:04:05Z', 'a number']
		];
		for (const [timestamp, message] of cases) {
			const refused = await send(id, [point('loss', 0, 1), point('loss', 1, 1, { timestamp })]);
			expect(refused.status).toBe(400);
			expect(refused.body.error?.fields?.['logs.1.timestamp']?.[0]).toContain(message);
		}
		// Within a day ahead (a skewed clock) is taken.
		const skewed = Date.now() + 3600 * 1000;
		expect((await send(id, [point('loss', 0, 1, { timestamp: skewed })])).status).toBe(201);
		expect((await series(o, id)).series[0].times).toEqual([skewed]);
	});
});
