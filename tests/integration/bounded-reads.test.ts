/**
 * Bounded work per request: lists carry only the metric summaries asked for, an experiment's
 * metrics read is a fixed number of statements whatever its series count (paged by name), an
 * experiment holds at most MAX_SERIES_PER_EXPERIMENT series, and names that are also names of
 * Object.prototype members ("__proto__", "constructor", ...) are names like any other.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_SERIES_PER_EXPERIMENT } from '../../functions/_lib/contracts/logs.ts';
import { getDb, getSql } from '../../functions/_lib/db.ts';
import { api, apiResponse, createKey, expectEnvelope } from '../support/api.ts';
import {
	createExperiment,
	insertResult,
	signInWithWorkspace,
	type TestUser
} from '../support/experiments.ts';

const point = (name: string, step: number, value: number) => ({
	name,
	msg_id: randomUUID(),
	value,
	step,
	metadata: { type: 'metric' }
});

const result = (name: string, value: number) => ({
	name,
	msg_id: randomUUID(),
	value,
	step: null,
	metadata: { type: 'result' }
});

const metricName = (i: number) => `m${String(i).padStart(5, '0')}`;

/**
 * Every statement the real handlers send while `run` runs, through postgres.js's own debug hook
 * on the pool the handlers use (this test file's process runs nothing else meanwhile).
 */
async function countQueries<T>(run: () => Promise<T>): Promise<{ value: T; queries: string[] }> {
	const options = getSql().options as { debug: unknown };
	const queries: string[] = [];
	const previous = options.debug;
	options.debug = (_connection: number, query: string) => queries.push(query);
	try {
		return { value: await run(), queries };
	} finally {
		options.debug = previous;
	}
}

/** Series summaries straight into the table (as the ingest keeps them): `count` metrics each. */
async function seedSummaries(experimentIds: string[], count: number): Promise<void> {
	await getSql()`
		insert into metric_series (experiment_id, name, point_count, first_step, last_step, min_value, max_value, last_value)
		select e.id::uuid, 'm' || lpad(g::text, 5, '0'), g, 0, g - 1, 0, g, g
		from unnest(${`{${experimentIds.join(',')}}`}::text::text[]) as e(id), generate_series(1, ${count}) g
	`;
}

let key: string;
beforeAll(async () => {
	key = (await createKey((await signInWithWorkspace()).token)).key;
});

describe('lists carry only the metric summaries asked for', () => {
	const EXPERIMENTS = 20;
	const METRICS = 2_000;
	let ids: string[];
	let owner: TestUser;

	beforeAll(async () => {
		owner = await signInWithWorkspace();
		ids = [];
		for (let i = 0; i < EXPERIMENTS; i++) {
			ids.push((await createExperiment({ token: owner.token }, { name: `wide-${i}` })).id);
		}
		await seedSummaries(ids, METRICS);
	});

	const list = (query: string) =>
		api('GET', `/api/workspaces/${owner.personalWorkspaceId}/experiments?limit=${EXPERIMENTS}&${query}`, {
			token: owner.token
		});

	it(`lists ${EXPERIMENTS} experiments × ${METRICS} metrics with only the requested summaries, small`, async () => {
		const response = await apiResponse(
			'GET',
			`/api/workspaces/${owner.personalWorkspaceId}/experiments?limit=${EXPERIMENTS}&metrics=m00002,m00007&metrics=m01999`,
			{ token: owner.token }
		);
		const text = await response.text();
		expect(response.status).toBe(200);
		// Every summary of every experiment would be about 2.6 MB.
		expect(text.length).toBeLessThan(40_000);
		const page = JSON.parse(text).data;
		expect(page.items).toHaveLength(EXPERIMENTS);
		for (const item of page.items) {
			expect(item.metrics.map((m: { name: string }) => m.name)).toEqual(['m00002', 'm00007', 'm01999']);
			expect(item.metrics[1]).toEqual({
				name: 'm00007',
				count: 7,
				first_step: 0,
				last_step: 6,
				min: 0,
				max: 7,
				last: 7,
				first: null
			});
			expect(item.metric_count).toBe(METRICS);
			expect(item.result_count).toBe(0);
		}
		// Names for column pickers: the first ones, sorted, without the summaries.
		expect(page.metric_names).toHaveLength(200);
		expect(page.metric_names.slice(0, 3)).toEqual(['m00001', 'm00002', 'm00003']);
	});

	it('carries no summaries unless asked, and names a bad request', async () => {
		const plain = await list('');
		expect(plain.status).toBe(200);
		expect(plain.body.data.items.every((item: { metrics: unknown[] }) => item.metrics.length === 0)).toBe(
			true
		);
		const tooMany = Array.from({ length: 51 }, (_, i) => metricName(i)).join(',');
		expect((await list(`metrics=${tooMany}`)).body.error?.fields).toHaveProperty('metrics');
		expectEnvelope(await list('metrics=has%20space'), 400, 'VALIDATION_ERROR');
		expect((await list('metrics=has%20space')).body.error?.fields).toHaveProperty(['metrics.0']);
	});

	it('gives the batch read the same bounds', async () => {
		const batch = await api('POST', '/api/experiments/batch', {
			token: owner.token,
			body: { ids, metrics: ['m00010'] }
		});
		expect(batch.status).toBe(200);
		expect(batch.body.data).toHaveLength(EXPERIMENTS);
		for (const experiment of batch.body.data) {
			expect(experiment.metrics).toMatchObject([{ name: 'm00010', count: 10 }]);
			expect(experiment.metric_count).toBe(METRICS);
		}
		const none = await api('POST', '/api/experiments/batch', { token: owner.token, body: { ids } });
		expect(none.body.data[0].metrics).toEqual([]);
		const bad = await api('POST', '/api/experiments/batch', {
			token: owner.token,
			body: { ids, metrics: Array.from({ length: 51 }, (_, i) => metricName(i)) }
		});
		expectEnvelope(bad, 400, 'VALIDATION_ERROR');
		expect(bad.body.error?.fields).toHaveProperty('metrics');
	});

	it('counts metrics with the series themselves, whoever writes or deletes them', async () => {
		const experiment = await createExperiment({ token: owner.token }, { name: 'counted' });
		await seedSummaries([experiment.id], 3);
		await getSql()`delete from metric_series where experiment_id = ${experiment.id} and name = 'm00002'`;
		const [item] = (await list('q=counted')).body.data.items;
		expect(item.metric_count).toBe(2);
		const single = await api('GET', `/api/experiments/${experiment.id}`, { token: owner.token });
		expect(single.body.data.metric_count).toBe(2);
	});

	it('carries the first 100 results by name and counts them all', async () => {
		const experiment = await createExperiment({ token: owner.token }, { name: 'many results' });
		for (let i = 0; i < 150; i++) await insertResult(experiment.id, `r${String(i).padStart(3, '0')}`, i);
		const page = await list('q=many%20results');
		const [item] = page.body.data.items;
		expect(item.results).toHaveLength(100);
		expect(item.results[99]).toMatchObject({ name: 'r099', value: 99 });
		expect(item.result_count).toBe(150);
		// A single read still has every one.
		const single = await api('GET', `/api/experiments/${experiment.id}`, { token: owner.token });
		expect(single.body.data.results).toHaveLength(150);
		expect(single.body.data.result_count).toBe(150);
	});
});

describe(`an experiment with ${MAX_SERIES_PER_EXPERIMENT} series`, () => {
	let id: string;
	const names = Array.from({ length: MAX_SERIES_PER_EXPERIMENT }, (_, i) => metricName(i));

	beforeAll(async () => {
		id = (await createExperiment({ apiKey: key }, { name: 'ten thousand series' })).id;
		const logged = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: key,
			body: { logs: names.map((name, i) => point(name, 0, i)) }
		});
		expect(logged.status, JSON.stringify(logged.body)).toBe(201);
		// A longer series, so a page needs raw points and buckets from points and from rollups.
		const long = Array.from({ length: 5_000 }, (_, step) => point(names[1], step + 1, step));
		expect(
			(await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: key, body: { logs: long } })).status
		).toBe(201);
	});

	const read = (experimentId: string, query: string) =>
		api('GET', `/api/experiments/${experimentId}/metrics?${query}`, { apiKey: key });

	it('is read in a fixed number of statements, however many series it has', async () => {
		const small = (await createExperiment({ apiKey: key }, { name: 'three series' })).id;
		await api('POST', `/api/experiments/${small}/logs/batch`, {
			apiKey: key,
			body: {
				logs: [point('a', 0, 1), point('b', 0, 2), ...Array.from({ length: 50 }, (_, s) => point('c', s, s))]
			}
		});
		// Warm: the API key is then remembered, as it is for every request of a script.
		await read(small, 'buckets=10');
		await read(id, 'buckets=10');

		const few = await countQueries(() => read(small, 'buckets=10'));
		const many = await countQueries(() => read(id, 'buckets=10'));
		const named = await countQueries(() => read(id, `buckets=10&names=${names.slice(0, 100).join(',')}`));
		expect(few.value.status).toBe(200);
		expect(many.value.status).toBe(200);
		// Summaries, then one statement per kind of data (raw points, buckets from points or rollups).
		expect(few.queries.length).toBeGreaterThan(0);
		expect(many.queries.length).toBeLessThanOrEqual(few.queries.length + 1);
		expect(named.queries.length).toBe(many.queries.length);
		expect(many.value.body.data.series).toHaveLength(100);
		expect(many.value.body.data.series[1]).toMatchObject({
			name: 'm00001',
			resolution: 'buckets',
			count: 5001
		});
		expect(named.value.body.data.series).toHaveLength(100);

		const poll = await countQueries(() => read(id, `after=${many.value.body.data.cursor}`));
		expect(poll.value.status).toBe(200);
		expect(poll.value.body.data.series.every((s: { steps: number[] }) => s.steps.length === 0)).toBe(true);
		expect(poll.queries.length).toBeLessThanOrEqual(few.queries.length);
	});

	it('pages through every series by name', async () => {
		const seen: string[] = [];
		let startAfter: string | null = null;
		let pages = 0;
		do {
			const query: string = `buckets=1${startAfter ? `&start_after=${startAfter}` : ''}`;
			const page = await read(id, query);
			expect(page.status).toBe(200);
			expect(page.body.data.series.length).toBeLessThanOrEqual(100);
			expect(page.body.data.series_count).toBe(MAX_SERIES_PER_EXPERIMENT);
			seen.push(...page.body.data.series.map((s: { name: string }) => s.name));
			startAfter = page.body.data.next_start_after;
			pages++;
		} while (startAfter !== null && pages < 200);
		expect(pages).toBe(MAX_SERIES_PER_EXPERIMENT / 100);
		expect(seen).toEqual(names);

		const smaller = await read(id, 'limit=3&start_after=m00100');
		expect(smaller.body.data.series.map((s: { name: string }) => s.name)).toEqual([
			'm00101',
			'm00102',
			'm00103'
		]);
		expect(smaller.body.data.next_start_after).toBe('m00103');
		expect((await read(id, 'limit=101')).body.error?.fields).toHaveProperty('limit');
		expect((await read(id, 'start_after=no%20such')).body.error?.fields).toHaveProperty('start_after');
	});

	it(`refuses series ${MAX_SERIES_PER_EXPERIMENT + 1} with a 400 naming the limit, storing nothing of the batch`, async () => {
		const before = await getDb()
			.selectFrom('metric_series')
			.select(['name', 'point_count'])
			.where('experiment_id', '=', id)
			.where('name', '=', names[0])
			.executeTakeFirstOrThrow();
		const batch = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: key,
			body: { logs: [point(names[0], 1, 0.5), point('one_too_many', 0, 1), result('final', 1)] }
		});
		expectEnvelope(batch, 400, 'VALIDATION_ERROR');
		expect(batch.body.error?.message).toContain(String(MAX_SERIES_PER_EXPERIMENT));
		const single = await api('POST', `/api/experiments/${id}/logs`, {
			apiKey: key,
			body: point('one_too_many', 0, 1)
		});
		expectEnvelope(single, 400, 'VALIDATION_ERROR');
		expect(single.body.error?.message).toContain(String(MAX_SERIES_PER_EXPERIMENT));

		const series = await getDb()
			.selectFrom('metric_series')
			.select((eb) => eb.fn.countAll<number>().as('count'))
			.where('experiment_id', '=', id)
			.executeTakeFirstOrThrow();
		expect(Number(series.count)).toBe(MAX_SERIES_PER_EXPERIMENT);
		const after = await getDb()
			.selectFrom('metric_series')
			.select(['name', 'point_count'])
			.where('experiment_id', '=', id)
			.where('name', '=', names[0])
			.executeTakeFirstOrThrow();
		expect(after).toEqual(before);
		const results = await api('GET', `/api/experiments/${id}/results`, { apiKey: key });
		expect(results.body.data).toEqual([]);

		// Existing series still take points, and results are not series.
		const existing = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: key,
			body: { logs: [point(names[0], 1, 0.5), result('final', 1)] }
		});
		expect(existing.status).toBe(201);
		expect(existing.body.data).toMatchObject({ stored: 2 });
	});
});

describe('names that are Object.prototype members', () => {
	const SPECIAL = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

	it('are metrics like any other: logged, read, and polled with after=', async () => {
		const id = (await createExperiment({ apiKey: key }, { name: 'prototype metrics' })).id;
		const first = [...SPECIAL, 'loss'].flatMap((name, n) =>
			[0, 1, 2].map((step) => point(name, step, n * 10 + step))
		);
		expect(
			(await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: key, body: { logs: first } })).status
		).toBe(201);
		const initial = await api('GET', `/api/experiments/${id}/metrics`, { apiKey: key });
		expect(initial.status).toBe(200);
		// Sorted by name (byte order: the databases are created with the C collation).
		expect(initial.body.data.series.map((s: { name: string }) => s.name)).toEqual(
			[...SPECIAL, 'loss'].sort()
		);
		const more = [...SPECIAL, 'loss'].flatMap((name, n) =>
			[3, 4].map((step) => point(name, step, n * 10 + step))
		);
		expect(
			(await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: key, body: { logs: more } })).status
		).toBe(201);
		const poll = await api('GET', `/api/experiments/${id}/metrics?after=${initial.body.data.cursor}`, {
			apiKey: key
		});
		expect(poll.status, JSON.stringify(poll.body)).toBe(200);
		for (const series of poll.body.data.series) {
			const n = [...SPECIAL, 'loss'].indexOf(series.name);
			expect([series.name, series.steps, series.values]).toEqual([
				series.name,
				[3, 4],
				[n * 10 + 3, n * 10 + 4]
			]);
			expect(series.count).toBe(5);
		}
		const again = await api('GET', `/api/experiments/${id}/metrics?after=${poll.body.data.cursor}`, {
			apiKey: key
		});
		expect(again.body.data.series.every((s: { steps: number[] }) => s.steps.length === 0)).toBe(true);

		// A cursor issued before cursors were keyed by series (keyed by name) still works.
		const byName = Buffer.from('{"__proto__":3,"constructor":3,"loss":2}').toString('base64url');
		const legacy = await api('GET', `/api/experiments/${id}/metrics?after=${byName}`, { apiKey: key });
		expect(legacy.status).toBe(200);
		const steps = new Map(
			legacy.body.data.series.map((s: { name: string; steps: number[] }) => [s.name, s.steps])
		);
		expect(steps).toEqual(
			new Map([
				['__proto__', [4]],
				['constructor', [4]],
				['hasOwnProperty', [0, 1, 2, 3, 4]],
				['loss', [3, 4]],
				['toString', [0, 1, 2, 3, 4]]
			])
		);
	});

	it('are ignored as unknown query parameters, repeated or not', async () => {
		const owner = await signInWithWorkspace();
		const experiment = await createExperiment({ token: owner.token }, { name: 'query names' });
		for (const query of [
			'__proto__=x',
			'__proto__=x&__proto__=y',
			'constructor=y&toString=z&hasOwnProperty=1'
		]) {
			const listed = await api('GET', `/api/workspaces/${owner.personalWorkspaceId}/experiments?${query}`, {
				token: owner.token
			});
			expect([query, listed.status]).toEqual([query, 200]);
			expect(listed.body.data.items.map((e: { id: string }) => e.id)).toEqual([experiment.id]);
			const read = await api('GET', `/api/experiments/${experiment.id}/metrics?${query}`, {
				token: owner.token
			});
			expect([query, read.status]).toEqual([query, 200]);
		}
	});

	it('work as hyperparameter keys, result and metric names everywhere: get, list, batch, results, export', async () => {
		const owner = await signInWithWorkspace();
		const ownerKey = (await createKey(owner.token)).key;
		const hyperparams = SPECIAL.map((key, i) => ({ key, value: i }));
		const experiment = await createExperiment({ apiKey: ownerKey }, { name: 'prototype names', hyperparams });
		const logs = SPECIAL.flatMap((name, i) => [point(name, 0, i), result(name, i / 10)]);
		expect(
			(
				await api('POST', `/api/experiments/${experiment.id}/logs/batch`, {
					apiKey: ownerKey,
					body: { logs }
				})
			).status
		).toBe(201);
		const sorted = [...SPECIAL].sort();
		const check = (e: {
			hyperparams: unknown;
			results: Array<{ name: string; value: number }>;
			result_count: number;
			metric_count: number;
		}) => {
			expect(e.hyperparams).toEqual(hyperparams);
			expect(e.results.map((r) => [r.name, r.value])).toEqual(
				sorted.map((name) => [name, SPECIAL.indexOf(name) / 10])
			);
			expect([e.metric_count, e.result_count]).toEqual([4, 4]);
		};

		const single = await api('GET', `/api/experiments/${experiment.id}`, { apiKey: ownerKey });
		check(single.body.data);
		expect(single.body.data.metrics.map((m: { name: string }) => m.name)).toEqual(sorted);

		const listed = await api(
			'GET',
			`/api/workspaces/${owner.personalWorkspaceId}/experiments?metrics=__proto__,constructor&__proto__=x&constructor=y&toString=z`,
			{ apiKey: ownerKey }
		);
		expect(listed.status, JSON.stringify(listed.body)).toBe(200);
		check(listed.body.data.items[0]);
		expect(
			listed.body.data.items[0].metrics.map((m: { name: string; last: number }) => [m.name, m.last])
		).toEqual([
			['__proto__', 0],
			['constructor', 1]
		]);
		expect(listed.body.data.metric_names).toEqual(sorted);

		const batch = await api('POST', '/api/experiments/batch', {
			apiKey: ownerKey,
			body: { ids: [experiment.id], metrics: ['toString', 'hasOwnProperty'] }
		});
		check(batch.body.data[0]);
		expect(batch.body.data[0].metrics.map((m: { name: string }) => m.name)).toEqual([
			'hasOwnProperty',
			'toString'
		]);

		// A newer value for a name replaces the result: still four of them.
		const newer = SPECIAL.map((name, i) => result(name, i / 10));
		expect(
			(
				await api('POST', `/api/experiments/${experiment.id}/logs/batch`, {
					apiKey: ownerKey,
					body: { logs: newer }
				})
			).status
		).toBe(201);
		const relisted = await api('GET', `/api/workspaces/${owner.personalWorkspaceId}/experiments`, {
			apiKey: ownerKey
		});
		check(relisted.body.data.items[0]);

		const results = await api('GET', `/api/experiments/${experiment.id}/results`, { apiKey: ownerKey });
		expect(results.body.data.map((r: { name: string }) => r.name)).toEqual(sorted);

		const long = await apiResponse('GET', `/api/experiments/${experiment.id}/export.csv?format=long`, {
			apiKey: ownerKey
		});
		const longRows = (await long.text()).trim().split('\r\n');
		expect(longRows.map((row) => row.split(',').slice(0, 3).join(','))).toEqual([
			'name,step,value',
			...sorted.map((name) => `${name},0,${SPECIAL.indexOf(name)}`)
		]);
		const wide = await apiResponse('GET', `/api/experiments/${experiment.id}/export.csv?format=wide`, {
			apiKey: ownerKey
		});
		expect((await wide.text()).split('\r\n').slice(0, 2)).toEqual([
			`step,${sorted.join(',')}`,
			`0,${sorted.map((name) => SPECIAL.indexOf(name)).join(',')}`
		]);
	});
});
