import { describe, expect, it } from 'vitest';
import type { ConsolePage } from '$contracts/run-context';
import type { ConsoleRequest } from '$lib/api/run-context';
import {
	applyPage,
	emptyFeed,
	feedRequest,
	followConsole,
	readWholeConsole,
	type ConsoleFilters
} from './console-feed';

const all: ConsoleFilters = { q: '', stream: 'all', from: null };

function line(seq: number, text = `line ${seq}`, stream: 'stdout' | 'stderr' = 'stdout') {
	return { seq, time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), stream, text };
}

/** A console of `printed()` lines served like the API: after a cursor, `limit` at a time. */
function fakeConsole(printed: () => number) {
	const requests: ConsoleRequest[] = [];
	const read = async (request: ConsoleRequest): Promise<ConsolePage> => {
		requests.push(request);
		const last = printed();
		const to = Math.min(last, request.after + request.limit);
		const lines = [];
		for (let seq = request.after + 1; seq <= to; seq++) lines.push(line(seq));
		return { lines, cursor: Math.max(request.after, to), more: to < last, last_seq: last };
	};
	return { read, requests };
}

describe('feedRequest', () => {
	it('sends only the filters that are set, and `from` only on the first read', () => {
		expect(feedRequest(all, 0, 10)).toEqual({
			after: 0,
			limit: 10,
			q: undefined,
			stream: undefined,
			from: undefined
		});
		const filters: ConsoleFilters = { q: ' loss ', stream: 'stderr', from: '2026-01-01T00:00:00Z' };
		expect(feedRequest(filters, 0, 10)).toEqual({
			after: 0,
			limit: 10,
			q: 'loss',
			stream: 'stderr',
			from: filters.from
		});
		expect(feedRequest(filters, 42, 10).from).toBeUndefined();
	});
});

describe('applyPage', () => {
	it('appends lines, skips ones already held, and never moves the cursor back', () => {
		let feed = applyPage(emptyFeed(), { lines: [line(1), line(2)], cursor: 2, more: true, last_seq: 5 });
		feed = applyPage(feed, { lines: [line(2), line(3)], cursor: 3, more: false, last_seq: 5 });
		expect(feed.lines.map((l) => l.seq)).toEqual([1, 2, 3]);
		expect(feed).toMatchObject({ cursor: 3, more: false, lastSeq: 5 });
		expect(applyPage(feed, { lines: [], cursor: 0, more: false, last_seq: 5 }).cursor).toBe(3);
	});

	it('lets the oldest lines go past the cap, and counts them', () => {
		const page = { lines: [1, 2, 3, 4, 5].map((seq) => line(seq)), cursor: 5, more: false, last_seq: 5 };
		const feed = applyPage(emptyFeed(), page, 3);
		expect(feed.lines.map((l) => l.seq)).toEqual([3, 4, 5]);
		expect(feed.dropped).toBe(2);
	});
});

describe('followConsole', () => {
	it('pages a finished run to the end without waiting, then stops', async () => {
		const { read, requests } = fakeConsole(() => 12_000);
		const sleeps: number[] = [];
		const feed = await followConsole({
			read,
			filters: all,
			isRunning: () => false,
			onFeed: () => {},
			signal: new AbortController().signal,
			sleep: async (ms) => void sleeps.push(ms)
		});
		expect(feed.lines).toHaveLength(12_000);
		expect(requests.map((r) => r.after)).toEqual([0, 5000, 10_000]);
		expect(sleeps).toEqual([]);
	});

	it('tails a running run by cursor, and stops after the first read that starts once it has finished', async () => {
		let printed = 3;
		let running = true;
		const { read, requests } = fakeConsole(() => printed);
		const seen: number[] = [];
		let polls = 0;
		const feed = await followConsole({
			read,
			filters: all,
			isRunning: () => running,
			onFeed: (f) => seen.push(f.lines.length),
			signal: new AbortController().signal,
			pollMs: 1500,
			sleep: async (ms) => {
				expect(ms).toBe(1500);
				polls++;
				// The run prints two lines per poll, and finishes after the third.
				printed += 2;
				if (polls === 3) running = false;
			}
		});
		expect(requests.map((r) => r.after)).toEqual([0, 3, 5, 7]);
		expect(feed.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(seen).toEqual([3, 5, 7, 9]);
		expect(polls).toBe(3);
	});

	it('stops when aborted, without applying a read that was in flight', async () => {
		const controller = new AbortController();
		const { read } = fakeConsole(() => 10);
		let feeds = 0;
		const feed = await followConsole({
			read: async (request) => {
				const page = await read(request);
				controller.abort();
				return page;
			},
			filters: all,
			isRunning: () => true,
			onFeed: () => feeds++,
			signal: controller.signal
		});
		expect(feeds).toBe(0);
		expect(feed.lines).toEqual([]);
	});

	it('waits instead of spinning when the server says more but the cursor does not move', async () => {
		let polls = 0;
		const controller = new AbortController();
		await followConsole({
			read: async () => ({ lines: [], cursor: 0, more: true, last_seq: 5 }),
			filters: all,
			isRunning: () => true,
			onFeed: () => {},
			signal: controller.signal,
			sleep: async () => {
				if (++polls === 2) controller.abort();
			}
		});
		expect(polls).toBe(2);
	});
});

describe('readWholeConsole', () => {
	it('reads every page, reports progress, and strips ANSI', async () => {
		const { read } = fakeConsole(() => 7001);
		const progress: [number, number][] = [];
		const text = await readWholeConsole(read, new AbortController().signal, (n, total) =>
			progress.push([n, total])
		);
		expect(text?.split('\n')).toHaveLength(7002);
		expect(text?.startsWith('line 1\nline 2\n')).toBe(true);
		expect(progress).toEqual([
			[5000, 7001],
			[7001, 7001]
		]);
		const colored = async (): Promise<ConsolePage> => ({
			lines: [line(1, '\u001b[31mred\u001b[0m', 'stderr')],
			cursor: 1,
			more: false,
			last_seq: 1
		});
		expect(await readWholeConsole(colored, new AbortController().signal, () => {}, true)).toBe(
			'2026-01-01T00:00:01.000Z E red\n'
		);
	});

	it('gives null when cancelled', async () => {
		const controller = new AbortController();
		const { read } = fakeConsole(() => 20_000);
		const text = await readWholeConsole(read, controller.signal, () => controller.abort());
		expect(text).toBeNull();
	});
});
