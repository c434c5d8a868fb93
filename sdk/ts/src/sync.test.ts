import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FetchLike } from './http.js';
import { encodeEntry } from './sender.js';
import { contextLine, logsLines, statusLine } from './spool.js';
import { sync } from './sync.js';
import { uuid7 } from './uuid7.js';

const BASE = 'http://tora.test/api';

function spool(lines: string[]): string {
	const dir = mkdtempSync(join(tmpdir(), 'tora-ts-unit-'));
	writeFileSync(join(dir, 'e1.jsonl'), lines.map((line) => line + '\n').join(''));
	return dir;
}

const entries = (from: number, count: number) =>
	Array.from(
		{ length: count },
		(_, i) => encodeEntry('loss', uuid7(), 1, from + i, '{"type":"metric"}').text
	);

/** A server that stores msg_ids once, refuses batches over `maxBatch` with 413, and can be down. */
function server(maxBatch = Infinity) {
	const stored = new Set<string>();
	const state = { down: false, statuses: [] as string[], requests: 0 };
	const fetch: FetchLike = async (url, init) => {
		state.requests++;
		if (state.down) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
		expect(url.startsWith(BASE)).toBe(true);
		const body = JSON.parse(String(init.body));
		if (init.method === 'PATCH') {
			state.statuses.push(body.status);
			return Response.json({ status: 200, data: {} });
		}
		if (body.logs.length > maxBatch)
			return Response.json({ status: 413, error: { message: 'big' } }, { status: 413 });
		let fresh = 0;
		for (const log of body.logs) if (!stored.has(log.msg_id) && stored.add(log.msg_id)) fresh++;
		const data = { received: body.logs.length, stored: fresh, duplicates: body.logs.length - fresh };
		return Response.json({ status: 201, data }, { status: 201 });
	};
	return { stored, state, fetch };
}

describe('sync', () => {
	it('uploads every line with its msg_ids, halving on 413, then sets the status and removes the file', async () => {
		const s = server(300);
		const lines = [...logsLines('e1', BASE, entries(0, 1000)), 'not json{', statusLine('e1', BASE, 'failed')];
		const dir = spool(lines);
		const out: string[] = [];
		const first = await sync({ spoolDir: dir, apiKey: 'k', fetch: s.fetch, print: (l) => out.push(l) });
		expect(first).toMatchObject({ code: 0, totals: { files: 1, sent: 1000, stored: 1000, duplicates: 0 } });
		expect(s.stored.size).toBe(1000);
		expect(s.state.statuses).toEqual(['failed']);
		expect(readdirSync(dir)).toEqual([]);
		expect(out.join('\n')).toContain('line 2 is not valid JSON');

		writeFileSync(join(dir, 'e1.jsonl'), lines.join('\n'));
		const again = await sync({ spoolDir: dir, apiKey: 'k', fetch: s.fetch, print: () => {} });
		expect(again.totals).toMatchObject({ sent: 1000, stored: 0, duplicates: 1000 });
		expect(s.stored.size).toBe(1000);
	});

	it('keeps what it could not deliver for the next sync', async () => {
		const s = server();
		const dir = spool([
			...logsLines('e1', BASE, entries(0, 10)),
			...logsLines('e1', BASE, entries(10, 10)),
			statusLine('e1', BASE, 'finished')
		]);
		let calls = 0;
		const flaky: FetchLike = (url, init) => {
			if (++calls === 2) s.state.down = true;
			return s.fetch(url, init);
		};
		const out: string[] = [];
		const cut = await sync({
			spoolDir: dir,
			apiKey: 'k',
			fetch: flaky,
			retryTimeoutMs: 50,
			print: (l) => out.push(l)
		});
		expect(cut).toMatchObject({ code: 1, totals: { sent: 10, failed: 1 } });
		expect(out.join('\n')).toMatch(
			/stopped: http:\/\/tora\.test\/api unreachable \(connection refused\); 2 lines kept/
		);
		const left = readFileSync(join(dir, 'e1.jsonl'), 'utf8').trim().split('\n');
		expect(left.map((line) => Object.keys(JSON.parse(line)).at(-1))).toEqual(['logs', 'status']);

		s.state.down = false;
		const rest = await sync({ spoolDir: dir, apiKey: 'k', fetch: s.fetch, print: () => {} });
		expect(rest).toMatchObject({ code: 0, totals: { sent: 10, stored: 10 } });
		expect(s.stored.size).toBe(20);
		expect(s.state.statuses).toEqual(['finished']);
	});

	it('picks up a file a crashed sync had claimed, and says when there is nothing to do', async () => {
		const s = server();
		const dir = spool([]);
		writeFileSync(join(dir, 'e2.jsonl.syncing-999999999'), logsLines('e2', BASE, entries(0, 3))[0] + '\n');
		const result = await sync({ spoolDir: dir, apiKey: 'k', fetch: s.fetch, print: () => {} });
		expect(result.totals).toMatchObject({ files: 2, sent: 3 });
		const out: string[] = [];
		await sync({ spoolDir: dir, apiKey: 'k', fetch: s.fetch, print: (l) => out.push(l) });
		expect(out).toEqual([`tora sync: nothing to upload in ${dir}`]);
	});
});

describe('sync of console lines and the run context', () => {
	it('posts console lines to /console and PUTs the context, as the Python SDK spools them', async () => {
		const requests: Array<{ method: string; path: string; body: Record<string, unknown> }> = [];
		const fetch: FetchLike = async (url, init) => {
			const body = JSON.parse(String(init.body));
			requests.push({ method: String(init.method), path: url.slice(BASE.length), body });
			if (init.method === 'PUT') return Response.json({ status: 200, data: {} });
			const lines = (body.lines as unknown[]) ?? [];
			const data = {
				accepted: lines.length,
				duplicates: 0,
				console_bytes: 1,
				console_bytes_limit: 9,
				last_seq: 2
			};
			return Response.json({ status: 201, data }, { status: 201 });
		};
		const line = (seq: number) =>
			JSON.stringify({ seq, time: '2026-01-01T00:00:00Z', stream: 'stdout', text: `l${seq}` });
		const dir = spool([
			contextLine('e1', BASE, { host: 'gpu-1', env: { RANK: '0' } }),
			...logsLines('e1', BASE, [line(1), line(2)], 'console')
		]);
		const result = await sync({ spoolDir: dir, apiKey: 'k', fetch, print: () => undefined });
		expect(result).toMatchObject({ code: 0, totals: { sent: 2, stored: 2 } });
		expect(requests).toEqual([
			{ method: 'PUT', path: '/experiments/e1/context', body: { host: 'gpu-1', env: { RANK: '0' } } },
			{
				method: 'POST',
				path: '/experiments/e1/console',
				body: { lines: [JSON.parse(line(1)), JSON.parse(line(2))] }
			}
		]);
	});
});
