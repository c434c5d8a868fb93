/**
 * Every point is stored exactly once, whatever the client re-sends: a point is keyed by (series,
 * step, msg_id); only steps a series has already reached are looked up, and a concurrent request
 * storing the same point makes the statement run again. Checked with random (v4, the public SDK)
 * and time-ordered (v7, our SDKs) ids, against the points, the summary and the rollups.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { ingestLogs } from '../../functions/_lib/repositories/metric-ingest.repository.ts';
import { uuid7 } from '../../sdk/ts/src/uuid7.ts';
import { api, apiResponse, createKey, signIn } from '../support/api.ts';
import { connect } from '../support/databases.ts';

let key: string;
let workspaceId: string;
let userId: string;

beforeAll(async () => {
	const user = await signIn();
	key = (await createKey(user.token)).key;
	userId = user.userId;
	workspaceId = (await api('GET', '/api/me', { token: user.token })).body.data.personalWorkspaceId;
});

async function experiment(): Promise<string> {
	const row = await getDb()
		.insertInto('experiments')
		.values({ workspace_id: workspaceId, name: 'retries', created_by: userId })
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

interface Entry {
	name: string;
	msg_id: string;
	value: number;
	step: number | null;
	metadata?: Record<string, unknown> | null;
	timestamp?: number;
}

async function send(id: string, logs: Entry[]) {
	const result = await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: key, body: { logs } });
	expect(result.status, JSON.stringify(result.body)).toBe(201);
	return result.body.data as { received: number; stored: number; duplicates: number };
}

/** The stored points of one metric as [step, value] (ordered), and what the summary and rollups say. */
async function stored(id: string, name: string) {
	const db = getDb();
	const series = await db
		.selectFrom('metric_series')
		.selectAll()
		.where('experiment_id', '=', id)
		.where('name', '=', name)
		.executeTakeFirstOrThrow();
	const points = await db
		.selectFrom('metric_points')
		.select(['step', 'value'])
		.where('series_id', '=', series.id)
		.orderBy('step')
		.orderBy('value')
		.execute();
	const rollups = await db
		.selectFrom('metric_rollups')
		.select(['level', (eb) => eb.fn.sum<number>('point_count').as('count')])
		.where('series_id', '=', series.id)
		.groupBy('level')
		.orderBy('level')
		.execute();
	return {
		points: points.map((p) => [p.step, p.value]),
		count: series.point_count,
		last: [series.last_step, series.last_value],
		// Every level of the rollups must account for every point exactly once.
		rollupCounts: rollups.map((r) => Number(r.count))
	};
}

const ids = { v4: () => randomUUID(), v7: () => uuid7() };

describe.each(Object.entries(ids))('idempotent logging with %s msg_ids', (_kind, newId) => {
	const points = (name: string, from: number, to: number): Entry[] =>
		Array.from({ length: to - from }, (_, i) => ({
			name,
			msg_id: newId(),
			value: (from + i) / 10,
			step: from + i
		}));

	it('skips a batch re-sent after later batches, without touching summary or rollups', async () => {
		const id = await experiment();
		const first = points('loss', 0, 50);
		await send(id, first);
		await send(id, points('loss', 50, 100));
		expect(await send(id, first)).toEqual({ received: 50, stored: 0, duplicates: 50 });
		const after = await stored(id, 'loss');
		expect(after.count).toBe(100);
		expect(after.points).toHaveLength(100);
		expect(after.last).toEqual([99, 9.9]);
		expect(after.rollupCounts).toEqual([100, 100, 100, 100, 100, 100]);
	});

	it('stores only the new entries of a grown buffer that mixes old and new steps', async () => {
		const id = await experiment();
		const buffer = points('loss', 0, 20);
		await send(id, buffer.slice(0, 10));
		// The SDK re-sends its whole buffer, now longer; one new entry lands at an old step.
		const extraAtOldStep = { name: 'loss', msg_id: newId(), value: 42, step: 3 };
		const grown = [...buffer, extraAtOldStep, ...points('acc', 0, 5)];
		expect(await send(id, grown)).toEqual({ received: 26, stored: 16, duplicates: 10 });
		expect(await send(id, grown)).toEqual({ received: 26, stored: 0, duplicates: 26 });
		const loss = await stored(id, 'loss');
		expect(loss.count).toBe(21);
		expect(loss.points.filter(([step]) => step === 3)).toEqual([
			[3, 0.3],
			[3, 42]
		]);
		expect(loss.rollupCounts).toEqual([21, 21, 21, 21, 21, 21]);
		expect((await stored(id, 'acc')).count).toBe(5);
	});

	it('skips a msg_id repeated inside one batch, whatever else differs', async () => {
		const id = await experiment();
		const entry = { name: 'loss', msg_id: newId(), value: 1, step: 7 };
		const result = await send(id, [entry, { ...entry, value: 2 }, { ...entry, step: 8 }]);
		expect(result).toEqual({ received: 3, stored: 1, duplicates: 2 });
		expect((await stored(id, 'loss')).points).toEqual([[7, 1]]);
	});

	it('stores a batch once when the same batch arrives several times at once', async () => {
		const id = await experiment();
		await send(id, points('loss', 0, 10)); // the series exists, so every copy takes the fast path
		const batch = [...points('loss', 5, 400), ...points('acc', 0, 100)];
		const results = await Promise.all([1, 2, 3, 4].map(() => send(id, batch)));
		expect(results.reduce((sum, r) => sum + r.stored, 0)).toBe(batch.length);
		const loss = await stored(id, 'loss');
		expect(loss.count).toBe(405);
		expect(loss.points).toHaveLength(405);
		expect(loss.rollupCounts).toEqual([405, 405, 405, 405, 405, 405]);
		expect((await stored(id, 'acc')).rollupCounts).toEqual([100, 100, 100, 100, 100, 100]);
	});

	it('stores a batch with point times once, however often and at once it is re-sent; times stay as sent', async () => {
		const id = await experiment();
		const t0 = Date.UTC(2023, 5, 1);
		const timed = (entries: Entry[]) =>
			entries.map((entry) => ({ ...entry, timestamp: t0 + entry.step! * 10 }));
		await send(id, timed(points('loss', 0, 10)));
		const batch = timed([...points('loss', 5, 300), ...points('acc', 0, 50)]);
		const results = await Promise.all([1, 2, 3].map(() => send(id, batch)));
		expect(results.reduce((sum, r) => sum + r.stored, 0)).toBe(batch.length);
		expect(await send(id, batch)).toEqual({ received: 345, stored: 0, duplicates: 345 });
		const loss = await stored(id, 'loss');
		expect(loss.count).toBe(305);
		expect(loss.rollupCounts).toEqual([305, 305, 305, 305, 305, 305]);
		const times = await getDb()
			.selectFrom('metric_series')
			.select(['first_logged_at', 'last_logged_at'])
			.where('experiment_id', '=', id)
			.where('name', '=', 'loss')
			.executeTakeFirstOrThrow();
		expect(times).toEqual({ first_logged_at: new Date(t0), last_logged_at: new Date(t0 + 2990) });
	});

	it('recognises retried entries without a step, and retried results', async () => {
		const id = await experiment();
		const auto = [
			{ name: 'lr', msg_id: newId(), value: 0.1, step: null },
			{ name: 'lr', msg_id: newId(), value: 0.2, step: null }
		];
		const result = {
			name: 'accuracy',
			msg_id: newId(),
			value: 0.9,
			step: null,
			metadata: { type: 'result' }
		};
		expect(await send(id, [...auto, result])).toEqual({ received: 3, stored: 3, duplicates: 0 });
		const grown = [...auto, result, { name: 'lr', msg_id: newId(), value: 0.3, step: null }];
		expect(await send(id, grown)).toEqual({ received: 4, stored: 1, duplicates: 3 });
		expect((await stored(id, 'lr')).points).toEqual([
			[0, 0.1],
			[1, 0.2],
			[2, 0.3]
		]);
		const results = await api('GET', `/api/experiments/${id}/results`, { apiKey: key });
		expect(results.body.data.map((r: { value: number }) => r.value)).toEqual([0.9]);
	});
});

describe('a point committed by a concurrent request meanwhile', () => {
	it('is skipped: the statement that hit its key runs again and finds it', async () => {
		const id = await experiment();
		await send(id, [{ name: 'loss', msg_id: randomUUID(), value: 0, step: 0 }]);
		const series = await getDb()
			.selectFrom('metric_series')
			.select('id')
			.where('experiment_id', '=', id)
			.executeTakeFirstOrThrow();
		const entry = { name: 'loss', msg_id: randomUUID(), value: 1, step: 1 };
		const other = connect(
			{ url: process.env.DATABASE_URL!, embedded: Boolean(process.env.TORA_TEST_EMBEDDED) },
			1
		);
		let ours: Promise<unknown> | undefined;
		// The other request stores the same point and is still open while ours runs: ours waits on
		// the key (PostgreSQL) or behind the transaction (PGlite), and sees the point once committed.
		await other.begin(async (tx) => {
			await tx`insert into metric_points (series_id, step, msg_id, value) values (${series.id}, 1, ${entry.msg_id}, 1)`;
			await tx`update metric_series set point_count = 2, last_step = 1, last_value = 1 where id = ${series.id}`;
			ours = ingestLogs(getDb(), id, [entry]);
			await new Promise((resolve) => setTimeout(resolve, 300));
		});
		await other.end();
		expect(await ours).toEqual({ received: 1, stored: 0, duplicates: 1 });
		expect((await stored(id, 'loss')).points).toEqual([
			[0, 0],
			[1, 1]
		]);
	});
});

describe('CSV export connections', () => {
	it('releases its database connection when the download completes or is abandoned', async () => {
		const id = await experiment();
		// Several COPY buffers' worth, so the stream pauses and resumes its connection.
		for (let start = 0; start < 20_000; start += 5_000) {
			await send(
				id,
				Array.from({ length: 5_000 }, (_, i) => ({
					name: 'loss',
					msg_id: randomUUID(),
					value: i / 3,
					step: start + i
				}))
			);
		}
		const url = `/api/experiments/${id}/export.csv`;
		const full = await (await apiResponse('GET', url, { apiKey: key })).text();
		expect(full.split('\r\n')).toHaveLength(20_002); // header, rows, and the empty string after the last CRLF
		const abandoned = await apiResponse('GET', url, { apiKey: key });
		const reader = abandoned.body!.getReader();
		await reader.read();
		await reader.read();
		await reader.cancel();
		// The next requests need a connection: they would wait forever behind a stuck one.
		const again = await (await apiResponse('GET', `${url}?format=wide`, { apiKey: key })).text();
		expect(again.split('\r\n')).toHaveLength(20_002);
		expect((await stored(id, 'loss')).count).toBe(20_000);
	});
});
