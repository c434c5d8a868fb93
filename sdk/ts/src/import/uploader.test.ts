import { describe, expect, it } from 'vitest';
import { Api, CliError } from '../cli-api.js';
import { Http, type FetchLike } from '../http.js';
import { LogBatchBody } from '../../../../functions/_lib/contracts/logs.ts';
import { ImportStats } from './stats.js';
import { DEFAULT_UPLOAD, Uploader, type RunSpec } from './uploader.js';

interface Seen {
	method: string;
	path: string;
	body: unknown;
}

/** A scripted server: `answer` decides each response; every request is recorded. */
function server(answer: (seen: Seen) => { status: number; body: unknown }) {
	const seen: Seen[] = [];
	const fetch: FetchLike = async (input, init) => {
		const raw = init.body;
		const text =
			raw === undefined
				? undefined
				: typeof raw === 'string'
					? raw
					: Buffer.from(raw as Uint8Array).toString();
		const request = {
			method: init.method ?? 'GET',
			path: new URL(input).pathname.replace(/^\/api/, ''),
			body: text ? JSON.parse(text) : undefined
		};
		seen.push(request);
		const { status, body } = answer(request);
		return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
	};
	return {
		seen,
		api: new Api(new Http({ baseUrl: 'http://tora.test/api', apiKey: 'tora_sk_x', fetch }), 1000)
	};
}

const spec: RunSpec = { key: 'tensorboard:events.1', name: 'run', project: null, status: 'finished' };
const experiment = { id: '0190a0e0-0000-7000-8000-000000000001', status: 'running' };
type Entry = {
	name: string;
	msg_id: string;
	value: number;
	step: number;
	metadata: { ts: number } | null;
	timestamp?: number;
};

function batchAnswer(seen: Seen, refuse?: (logs: Entry[]) => { status: number; body: unknown } | null) {
	if (seen.method === 'POST' && seen.path === '/experiments')
		return { status: 201, body: { status: 201, data: experiment } };
	if (seen.method === 'PATCH') return { status: 200, body: { status: 200, data: experiment } };
	const logs = (seen.body as { logs: Entry[] }).logs;
	const refusal = refuse?.(logs);
	if (refusal) return refusal;
	return {
		status: 201,
		body: { status: 201, data: { received: logs.length, stored: logs.length, duplicates: 0 } }
	};
}

async function importPoints(api: Api, points: number, upload = {}) {
	const stats = new ImportStats();
	const uploader = new Uploader(api, stats, { ...DEFAULT_UPLOAD, retryBudgetMs: 0, ...upload });
	const writer = uploader.openRun(spec);
	const handle = writer.handle('loss');
	for (let step = 0; step < points; step++) {
		const wait = writer.add(handle, step, step / 10, 1_700_000_000_000 + step, 0);
		if (wait) await wait;
	}
	await writer.finish();
	await uploader.drain();
	return { stats, uploader };
}

const batches = (seen: Seen[]) =>
	seen.filter((s) => s.path.endsWith('/logs/batch')).map((s) => (s.body as { logs: Entry[] }).logs);

describe('Uploader', () => {
	it('sends entries the server contract takes, in batches, then sets the status', async () => {
		const { seen, api } = server((s) => batchAnswer(s));
		const { stats } = await importPoints(api, 25, { maxEntries: 10 });
		expect(batches(seen).map((b) => b.length)).toEqual([10, 10, 5]);
		for (const logs of batches(seen)) {
			const withoutTimes = logs.map(({ timestamp, ...entry }) => {
				expect(timestamp).toBeGreaterThanOrEqual(1_700_000_000_000);
				return entry;
			});
			expect(LogBatchBody.safeParse({ logs: withoutTimes }).success).toBe(true);
		}
		expect(seen[0]).toMatchObject({
			method: 'POST',
			path: '/experiments',
			body: { name: 'run', importKey: 'tensorboard:events.1' }
		});
		expect(seen.at(-1)).toMatchObject({ method: 'PATCH', body: { status: 'finished' } });
		expect(stats.pointsStored).toBe(25);
	});

	it('sends the same msg_ids every time', async () => {
		const first = server((s) => batchAnswer(s));
		await importPoints(first.api, 5);
		const second = server((s) => batchAnswer(s));
		await importPoints(second.api, 5);
		expect(batches(second.seen)).toEqual(batches(first.seen));
	});

	it('keeps point times in metadata when the server refuses the field, and says so', async () => {
		const unknown = (logs: Entry[]) =>
			logs.some((entry) => 'timestamp' in entry)
				? {
						status: 400,
						body: {
							status: 400,
							error: {
								code: 'VALIDATION_ERROR',
								message: 'Invalid log entries',
								fields: { 'logs.0': ['Unrecognized key: "timestamp"'] }
							}
						}
					}
				: null;
		const { seen, api } = server((s) => batchAnswer(s, unknown));
		const { stats, uploader } = await importPoints(api, 30, { maxEntries: 10, inFlight: 3 });
		expect(uploader.timesIn).toBe('metadata');
		expect(stats.pointsStored).toBe(30);
		expect(stats.skippedTotal).toBe(0);
		expect(stats.notes).toHaveLength(1);
		expect(stats.notes[0]).toMatch(/does not take point times/);
		const accepted = batches(seen).filter((logs) => !logs.some((entry) => 'timestamp' in entry));
		expect(
			accepted
				.flat()
				.map((entry) => entry.step)
				.sort((a, b) => a - b)
		).toEqual([...Array(30).keys()]);
	});

	it('halves a batch the server finds too large', async () => {
		const tooLarge = (logs: Entry[]) =>
			logs.length > 4
				? { status: 413, body: { status: 413, error: { code: 'PAYLOAD_TOO_LARGE', message: 'too large' } } }
				: null;
		const { seen, api } = server((s) => batchAnswer(s, tooLarge));
		const { stats } = await importPoints(api, 10, { maxEntries: 10 });
		expect(stats.pointsStored).toBe(10);
		expect(batches(seen).map((b) => b.length)).toEqual([10, 5, 3, 2, 5, 3, 2]);
	});

	it('leaves out only the entries a 400 names, and counts them', async () => {
		const second = (logs: Entry[]) =>
			logs.length === 3
				? {
						status: 400,
						body: {
							status: 400,
							error: {
								code: 'VALIDATION_ERROR',
								message: 'Invalid log entries',
								fields: { 'logs.1.value': ['must be finite'] }
							}
						}
					}
				: null;
		const { seen, api } = server((s) => batchAnswer(s, second));
		const { stats } = await importPoints(api, 3);
		expect(batches(seen).map((b) => b.map((entry) => entry.step))).toEqual([
			[0, 1, 2],
			[0, 2]
		]);
		expect(Object.fromEntries(stats.skipped)).toEqual({
			'points refused by the server (value: must be finite)': 1
		});
	});

	it('stops, importing nothing, when the server has no import keys', async () => {
		const { api } = server(() => ({
			status: 400,
			body: {
				status: 400,
				error: {
					code: 'VALIDATION_ERROR',
					message: 'Invalid request body',
					fields: { _: ['Unrecognized key: "importKey"'] }
				}
			}
		}));
		await expect(importPoints(api, 3)).rejects.toThrow(CliError);
		await expect(importPoints(api, 3)).rejects.toThrow(/does not know projects and import keys/);
	});

	it('makes no experiment for a run without points, unless asked to', async () => {
		const { seen, api } = server((s) => batchAnswer(s));
		const stats = new ImportStats();
		const uploader = new Uploader(api, stats);
		await uploader.openRun(spec).finish();
		expect(seen).toEqual([]);
		expect(Object.fromEntries(stats.skipped)).toEqual({
			'runs without a single point (no experiment made)': 1
		});
		await uploader.openRun({ ...spec, createEmpty: true }).finish();
		expect(seen.map((s) => s.method)).toEqual(['POST', 'PATCH']);
	});
});
