import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Http, type FetchLike } from './http.js';
import {
	badIndices,
	batchBody,
	encodeEntry,
	EntryQueue,
	MAX_BATCH_ENTRIES,
	Sender,
	takeBatch,
	TARGET_BATCH_BYTES,
	utf8Length
} from './sender.js';
import { uuid7 } from './uuid7.js';

function entry(i: number, metadata = '{"type":"metric"}') {
	return encodeEntry('loss', uuid7(), i / 10, i, metadata);
}

function fill(count: number, make: (i: number) => ReturnType<typeof entry> = entry): EntryQueue {
	const queue = new EntryQueue();
	for (let i = 0; i < count; i++) queue.push(make(i));
	return queue;
}

describe('encodeEntry', () => {
	it('writes exactly the wire LogEntry', () => {
		const id = uuid7();
		const { text, bytes } = encodeEntry('train/loss', id, 0.25, null, '{"type":"result","note":"é"}');
		expect(JSON.parse(text)).toEqual({
			name: 'train/loss',
			msg_id: id,
			value: 0.25,
			step: null,
			metadata: { type: 'result', note: 'é' }
		});
		expect(bytes).toBe(new TextEncoder().encode(text).byteLength);
		expect(bytes).toBe(text.length + 1);
	});

	it('writes large and tiny numbers as valid JSON', () => {
		for (const value of [1e21, 5e-324, -0, Number.MAX_VALUE]) {
			const { text } = encodeEntry('x', uuid7(), value, 0, 'null');
			expect(JSON.parse(text).value).toBe(value === 0 ? 0 : value);
		}
	});
});

describe('takeBatch', () => {
	it('takes everything when under both limits', () => {
		const queue = fill(2500);
		expect(takeBatch(queue)).toHaveLength(2500);
		expect(queue.length).toBe(0);
	});

	it('splits at 10,000 entries', () => {
		const queue = fill(25_000);
		const sizes: number[] = [];
		while (queue.length) sizes.push(takeBatch(queue).length);
		expect(sizes).toEqual([MAX_BATCH_ENTRIES, MAX_BATCH_ENTRIES, 5000]);
	});

	it('splits at 1.5 MB of request body, counting UTF-8 bytes, and keeps order', () => {
		const fat = (i: number) => entry(i, JSON.stringify({ type: 'metric', pad: 'é'.repeat(2000) }));
		const queue = fill(2000, fat);
		const batches: string[][] = [];
		while (queue.length) batches.push(takeBatch(queue));
		expect(batches.length).toBeGreaterThan(1);
		let step = 0;
		for (const batch of batches) {
			expect(utf8Length(batchBody(batch))).toBeLessThanOrEqual(TARGET_BATCH_BYTES);
			for (const text of batch) expect(JSON.parse(text).step).toBe(step++);
		}
		expect(step).toBe(2000);
		// Each batch but the last is full: one more entry would not have fitted.
		const one = utf8Length(batches[0][0]) + 1;
		expect(utf8Length(batchBody(batches[0])) + one).toBeGreaterThan(TARGET_BATCH_BYTES);
	});

	it('respects custom limits and always makes progress', () => {
		const queue = fill(5);
		expect(takeBatch(queue, 2, 10)).toHaveLength(1); // over the byte limit alone: still taken
		expect(takeBatch(queue, 2)).toHaveLength(2);
		expect(takeBatch(queue, 100)).toHaveLength(2);
		expect(takeBatch(queue)).toEqual([]);
	});
});

describe('EntryQueue', () => {
	it('stays FIFO across compaction', () => {
		const queue = fill(10_000);
		for (let i = 0; i < 9_000; i++) expect(JSON.parse(queue.shift()!.text).step).toBe(i);
		queue.push(entry(10_000));
		expect(queue.length).toBe(1001);
		expect(JSON.parse(queue.peek()!.text).step).toBe(9_000);
	});
});

describe('badIndices', () => {
	it('reads batch indices from a 400 envelope', () => {
		const body = {
			error: { fields: { 'logs.3.value': ['x'], 'logs.7': ['y'], 'logs.99.step': ['z'], _: ['w'] } }
		};
		expect([...badIndices(body, 10)].sort()).toEqual([3, 7]);
		expect(badIndices(null, 10).size).toBe(0);
	});
});

// --- the sender loop against a fake server --------------------------------------------------

interface Call {
	logs: Array<{ name: string; msg_id: string; step: number | null }>;
}

function reply(status: number, body: unknown, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'content-type': 'application/json', ...headers }
	});
}

function fakeServer(handler: (call: Call, index: number) => Response | Promise<Response>) {
	const calls: Call[] = [];
	const fetch: FetchLike = async (_url, init) => {
		const call = JSON.parse(String(init.body)) as Call;
		calls.push(call);
		return handler(call, calls.length - 1);
	};
	return { calls, http: new Http({ baseUrl: 'http://tora.test/api', apiKey: 'k', fetch }) };
}

const ok = (call: Call) =>
	reply(201, { status: 201, data: { received: call.logs.length, stored: call.logs.length, duplicates: 0 } });

describe('Sender', () => {
	const senders: Sender[] = [];
	afterEach(async () => {
		for (const sender of senders.splice(0)) await sender.close(0);
	});
	function make(http: Http, extra: Partial<ConstructorParameters<typeof Sender>[0]> = {}) {
		const warnings: string[] = [];
		const sender = new Sender({
			http,
			experimentId: 'e1',
			retryBudgetMs: 2_000,
			onWarning: (message) => warnings.push(message),
			...extra
		});
		senders.push(sender);
		return { sender, warnings };
	}

	it('delivers everything in order, in batches of at most 10,000', async () => {
		const server = fakeServer(ok);
		const { sender } = make(server.http);
		for (let i = 0; i < 23_456; i++) sender.put(entry(i));
		await sender.flush();
		expect(server.calls.every((call) => call.logs.length <= MAX_BATCH_ENTRIES)).toBe(true);
		expect(server.calls.flatMap((call) => call.logs.map((log) => log.step))).toEqual(
			Array.from({ length: 23_456 }, (_, i) => i)
		);
		expect(sender.stats).toEqual({ sent: 23_456, duplicates: 0, spilled: 0, dropped: 0, queued: 0 });
	});

	it('sends on its own once 1,000 entries wait, and by the timer below that', async () => {
		const server = fakeServer(ok);
		const { sender } = make(server.http, { intervalMs: 50 });
		for (let i = 0; i < 1000; i++) sender.put(entry(i));
		expect(server.calls).toHaveLength(0); // never on the caller's stack
		await vi.waitFor(() => expect(server.calls).toHaveLength(1));
		sender.put(entry(1000));
		await vi.waitFor(() => expect(server.calls).toHaveLength(2), { timeout: 1000 });
		expect(server.calls[1].logs).toHaveLength(1);
	});

	it('retries 503 and network errors with the same msg_ids, honouring Retry-After', async () => {
		const server = fakeServer((call, index) => {
			if (index === 0) throw new TypeError('fetch failed');
			if (index === 1)
				return reply(
					503,
					{ status: 503, error: { code: 'UNAVAILABLE', message: 'db' } },
					{ 'retry-after': '0' }
				);
			return ok(call);
		});
		const { sender, warnings } = make(server.http);
		sender.put(entry(1));
		sender.put(entry(2));
		await sender.flush();
		expect(server.calls).toHaveLength(3);
		expect(server.calls[2].logs.map((log) => log.msg_id)).toEqual(
			server.calls[0].logs.map((log) => log.msg_id)
		);
		expect(sender.stats.sent).toBe(2);
		expect(warnings).toEqual([]);
	});

	it('without a spool, drops a 4xx batch and warns once per distinct problem', async () => {
		const server = fakeServer(() =>
			reply(403, { status: 403, error: { code: 'FORBIDDEN', message: 'viewer' } })
		);
		const { sender, warnings } = make(server.http);
		sender.put(entry(1));
		await sender.flush();
		sender.put(entry(2));
		await sender.flush();
		expect(server.calls).toHaveLength(2); // no retries
		expect(sender.stats).toMatchObject({ sent: 0, dropped: 2, queued: 0 });
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toContain('HTTP 403');
	});

	it('halves a batch on 413', async () => {
		const server = fakeServer((call) =>
			call.logs.length > 250
				? reply(413, { status: 413, error: { code: 'PAYLOAD_TOO_LARGE', message: 'big' } })
				: ok(call)
		);
		const { sender } = make(server.http);
		for (let i = 0; i < 1000; i++) sender.put(entry(i));
		await sender.flush();
		expect(sender.stats).toMatchObject({ sent: 1000, dropped: 0 });
	});

	it('resends the good entries of a batch the server rejected in part', async () => {
		const server = fakeServer((call, index) =>
			index === 0
				? reply(400, {
						status: 400,
						error: { code: 'VALIDATION_ERROR', message: 'bad', fields: { 'logs.1.value': ['no'] } }
					})
				: ok(call)
		);
		const { sender, warnings } = make(server.http);
		for (let i = 0; i < 3; i++) sender.put(entry(i));
		await sender.flush();
		expect(server.calls[1].logs.map((log) => log.step)).toEqual([0, 2]);
		expect(sender.stats).toMatchObject({ sent: 2, dropped: 1 });
		expect(warnings).toHaveLength(1);
	});

	it('without a spool, gives up on an unreachable server after the retry budget, without throwing', async () => {
		const server = fakeServer(() => {
			throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
		});
		const { sender, warnings } = make(server.http, { retryBudgetMs: 100 });
		sender.put(entry(1));
		await sender.flush();
		expect(sender.stats).toMatchObject({ sent: 0, dropped: 1 });
		expect(warnings[0]).toContain('connection refused');
	});

	it('without a spool, close() stops retrying at its deadline and counts what was left', async () => {
		const server = fakeServer(() =>
			reply(503, { status: 503, error: { code: 'UNAVAILABLE', message: 'down' } })
		);
		const { sender } = make(server.http, { retryBudgetMs: 60_000 });
		for (let i = 0; i < 5; i++) sender.put(entry(i));
		const started = Date.now();
		const stats = await sender.close(200);
		expect(Date.now() - started).toBeLessThan(2_000);
		expect(stats).toMatchObject({ sent: 0, dropped: 5, queued: 0 });
		sender.put(entry(6)); // after close: dropped, not thrown
		expect(sender.stats.dropped).toBe(6);
	});

	it('without a spool, drops new entries once the queue is full', () => {
		const server = fakeServer(ok);
		const { sender, warnings } = make(server.http, { maxQueue: 3 });
		for (let i = 0; i < 5; i++) sender.put(entry(i));
		expect(sender.stats).toMatchObject({ queued: 3, dropped: 2 });
		expect(warnings).toHaveLength(1);
	});

	// --- with a spool ---

	function spooled(
		dir: string
	): Array<{ v: number; experiment_id: string; base_url: string; logs: Call['logs'] }> {
		return readdirSync(dir).flatMap((name) =>
			readFileSync(join(dir, name), 'utf8')
				.trim()
				.split('\n')
				.map((line) => JSON.parse(line))
		);
	}
	const steps = (dir: string) => spooled(dir).flatMap((record) => record.logs.map((log) => log.step));
	const refused = () => {
		throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
	};

	it('spools a batch the server never took, with everything queued behind it', async () => {
		const spoolDir = mkdtempSync(join(tmpdir(), 'tora-ts-unit-'));
		const { sender, warnings } = make(fakeServer(refused).http, { retryBudgetMs: 100, spoolDir });
		for (let i = 0; i < 1500; i++) sender.put(entry(i));
		await sender.flush();
		expect(sender.stats).toMatchObject({ sent: 0, spilled: 1500, dropped: 0, queued: 0 });
		expect(sender.spoolFile).toBe(join(spoolDir, 'e1.jsonl'));
		expect(steps(spoolDir).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 1500 }, (_, i) => i));
		expect(spooled(spoolDir)[0]).toMatchObject({
			v: 1,
			experiment_id: 'e1',
			base_url: 'http://tora.test/api'
		});
		expect(warnings.join('\n')).toMatch(/could not be reached .*connection refused.*npx tora sync/);
	});

	it('spools what is left at the close deadline, and a batch the key may not write', async () => {
		const down = mkdtempSync(join(tmpdir(), 'tora-ts-unit-'));
		const slow = make(fakeServer(() => reply(503, { status: 503 })).http, {
			retryBudgetMs: 60_000,
			spoolDir: down
		});
		for (let i = 0; i < 5; i++) slow.sender.put(entry(i));
		expect(await slow.sender.close(100)).toMatchObject({ sent: 0, spilled: 5, dropped: 0 });

		const forbidden = mkdtempSync(join(tmpdir(), 'tora-ts-unit-'));
		const denied = make(fakeServer(() => reply(403, { status: 403, error: { message: 'viewer' } })).http, {
			spoolDir: forbidden
		});
		denied.sender.put(entry(1));
		await denied.sender.flush();
		expect(denied.sender.stats).toMatchObject({ spilled: 1, dropped: 0 });
		expect(denied.warnings[0]).toContain('HTTP 403');
	});

	it('spools the overflow of a full queue a chunk at a time, never blocking', async () => {
		const spoolDir = mkdtempSync(join(tmpdir(), 'tora-ts-unit-'));
		const { sender } = make(fakeServer(ok).http, { maxQueue: 3, spoolDir });
		for (let i = 0; i < 1003; i++) sender.put(entry(i));
		expect(sender.stats.queued).toBe(3);
		await vi.waitFor(() => expect(sender.stats.spilled).toBe(1000));
		expect(steps(spoolDir)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 3));
	});

	it('spillNow() writes the queue and the batch in flight synchronously', async () => {
		const spoolDir = mkdtempSync(join(tmpdir(), 'tora-ts-unit-'));
		// A request that never gets an answer until it is cancelled.
		const hanging: FetchLike = (_url, init) =>
			new Promise((_resolve, reject) =>
				init.signal?.addEventListener('abort', () => reject(init.signal?.reason))
			);
		const { sender } = make(new Http({ baseUrl: 'http://tora.test/api', fetch: hanging }), { spoolDir });
		for (let i = 0; i < 1200; i++) sender.put(entry(i));
		await vi.waitFor(() => expect(sender.stats.queued).toBe(0)); // all taken into one batch, in flight
		sender.put(entry(1200));
		expect(sender.spillNow()).toBe(1201);
		expect(steps(spoolDir)).toHaveLength(1201);
		sender.put(entry(1201)); // after the process decided to exit: dropped, not thrown
		expect(sender.stats).toMatchObject({ spilled: 1201, dropped: 1 });
	});
});
