import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tora } from './client.js';
import { ToraApiError, ToraValidationError } from './errors.js';
import type { FetchLike } from './http.js';

const EXPERIMENT = {
	id: '0190c0de-0000-7000-8000-000000000001',
	name: 'run',
	description: '',
	tags: [],
	hyperparams: [{ key: 'lr', value: 0.001 }],
	workspace_id: '0190c0de-0000-7000-8000-000000000002',
	created_at: '2030-01-01T00:00:00.000000Z',
	updated_at: '2030-01-01T00:00:00.000000Z',
	url: 'http://tora.test/experiments/1',
	status: 'running'
};

function server() {
	const requests: Array<{ method: string; url: string; body: unknown; key: string | undefined }> = [];
	const fetch: FetchLike = async (url, init) => {
		const body = init.body ? JSON.parse(String(init.body)) : undefined;
		const key = (init.headers as Record<string, string>)['x-api-key'];
		requests.push({ method: String(init.method), url, body, key });
		const json = (status: number, payload: unknown) => new Response(JSON.stringify(payload), { status });
		if (init.method === 'POST' && url.endsWith('/experiments'))
			return json(201, { status: 201, data: EXPERIMENT });
		if (init.method === 'GET' && url.endsWith(EXPERIMENT.id))
			return json(200, { status: 200, data: EXPERIMENT });
		if (init.method === 'GET')
			return json(404, { status: 404, error: { code: 'NOT_FOUND', message: 'Experiment not found' } });
		if (url.endsWith('/logs/batch')) {
			const n = (body as { logs: unknown[] }).logs.length;
			return json(201, { status: 201, data: { received: n, stored: n, duplicates: 0 } });
		}
		if (init.method === 'PATCH')
			return json(200, { status: 200, data: { ...EXPERIMENT, ...(body as object) } });
		return json(405, { status: 405, error: { code: 'METHOD_NOT_ALLOWED', message: 'no' } });
	};
	const spoolDir = mkdtempSync(join(tmpdir(), 'tora-ts-unit-'));
	return {
		requests,
		options: {
			baseUrl: 'http://tora.test/api',
			apiKey: 'tora_sk_test',
			fetch,
			spoolDir,
			exitHooks: false,
			// The requests of logging alone; capture is tested against a live server (test/capture.test.ts).
			captureContext: false,
			captureConsole: false,
			systemMetricsIntervalMs: 0
		}
	};
}

describe('Tora', () => {
	it('creates, logs metrics and results, and finishes', async () => {
		const s = server();
		const run = await Tora.create({ name: 'run', hyperparams: { lr: 0.001 }, tags: ['a'] }, s.options);
		expect(run.id).toBe(EXPERIMENT.id);
		expect(s.requests[0]).toMatchObject({
			method: 'POST',
			body: { name: 'run', hyperparams: [{ key: 'lr', value: 0.001 }], tags: ['a'] },
			key: 'tora_sk_test'
		});
		run.metric('train/loss', 0.5, 0);
		run.metric('train/loss', 0.4);
		run.result('accuracy', 0.9, { split: 'test' });
		expect(() => run.metric('bad name', 1)).toThrow(ToraValidationError);
		const summary = await run.finish();
		expect(summary).toMatchObject({ status: 'finished', sent: 3, dropped: 0, queued: 0 });
		const batch = s.requests.find((r) => r.url.endsWith('/logs/batch'))!.body as { logs: unknown[] };
		expect(batch.logs).toEqual([
			{ name: 'train/loss', msg_id: expect.any(String), value: 0.5, step: 0, metadata: { type: 'metric' } },
			{
				name: 'train/loss',
				msg_id: expect.any(String),
				value: 0.4,
				step: null,
				metadata: { type: 'metric' }
			},
			{
				name: 'accuracy',
				msg_id: expect.any(String),
				value: 0.9,
				step: null,
				metadata: { split: 'test', type: 'result' }
			}
		]);
		expect(s.requests.at(-1)).toMatchObject({ method: 'PATCH', body: { status: 'finished' } });
		expect(await run.finish('failed')).toBe(summary); // idempotent
		expect(s.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
	});

	it('loads an experiment and reports a 404 as ToraApiError', async () => {
		const s = server();
		const run = await Tora.load(EXPERIMENT.id, s.options);
		expect(run.url).toBe(EXPERIMENT.url);
		await run.finish();
		await expect(Tora.load('0190c0de-0000-7000-8000-0000000000ff', s.options)).rejects.toMatchObject({
			name: 'ToraApiError',
			status: 404,
			code: 'NOT_FOUND'
		});
		await expect(Tora.load('0190c0de-0000-7000-8000-0000000000ff', s.options)).rejects.toBeInstanceOf(
			ToraApiError
		);
	});

	it('validates the experiment before any request', async () => {
		const s = server();
		await expect(Tora.create({ name: '' }, s.options)).rejects.toBeInstanceOf(ToraValidationError);
		expect(s.requests).toHaveLength(0);
	});
});
