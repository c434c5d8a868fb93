import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetricSummary } from '$contracts/experiments';
import type { SeriesColumns } from '$contracts/series';
import { CAPACITY, SparklineStore, type SparkEntry } from './sparkline-store';

const summary = (name: string, count: number): MetricSummary => ({
	name,
	count,
	first_step: 0,
	last_step: count - 1,
	min: 0,
	max: 1,
	last: 0,
	first: 1
});

const row = (id: string, count = 3, metric = 'loss') => ({ id, metrics: [summary(metric, count)] });

const column = (experimentId: string, metric: string, y: number[]): SeriesColumns => ({
	experiment_id: experimentId,
	metric,
	bucket_width: 1,
	x: y.map((_, i) => i),
	y,
	min: y,
	max: y,
	count: y.map(() => 1),
	nonfinite: 0
});

type Body = { experimentIds: string[]; metrics?: string[]; buckets?: number };

/** A store whose requests are recorded and answered when the test says. */
function setup() {
	const requests: { body: Body; resolve: (series: SeriesColumns[]) => void; reject: (e: Error) => void }[] =
		[];
	const entries = new Map<string, SparkEntry>();
	const store = new SparklineStore({
		entries,
		quietMs: 100,
		fetch: (body) =>
			new Promise((resolve, reject) => {
				requests.push({ body: body as Body, resolve: (series) => resolve({ series }), reject });
			})
	});
	/** Answers request `i` with one series per pair it asked for, values 1, 2, 3. */
	const answer = async (i: number) => {
		const { body, resolve } = requests[i];
		resolve(body.experimentIds.flatMap((id) => (body.metrics ?? []).map((m) => column(id, m, [1, 2, 3]))));
		await vi.advanceTimersByTimeAsync(0);
	};
	return { store, entries, requests, answer };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('SparklineStore', () => {
	it('waits until the rows on screen stop changing, then reads them in one request', async () => {
		const { store, requests, answer } = setup();
		store.show([row('a')], ['loss']);
		await vi.advanceTimersByTimeAsync(60);
		store.show([row('b'), row('c')], ['loss']);
		await vi.advanceTimersByTimeAsync(60);
		expect(requests).toHaveLength(0);
		await vi.advanceTimersByTimeAsync(60);
		expect(requests).toHaveLength(1);
		expect(requests[0].body).toMatchObject({ experimentIds: ['b', 'c'], metrics: ['loss'], buckets: 28 });
		await answer(0);
		expect(store.get('b', 'loss')?.y).toEqual([1, 2, 3]);
		expect(store.get('a', 'loss')).toBeUndefined();
	});

	it('does not read again what it has, until the row reports new points', async () => {
		const { store, requests, answer } = setup();
		store.show([row('a', 3)], ['loss']);
		await vi.advanceTimersByTimeAsync(100);
		await answer(0);
		store.show([row('a', 3)], ['loss']);
		await vi.advanceTimersByTimeAsync(500);
		expect(requests).toHaveLength(1);
		store.show([row('a', 4), row('b', 2)], ['loss']);
		await vi.advanceTimersByTimeAsync(100);
		expect(requests).toHaveLength(2);
		expect(requests[1].body.experimentIds).toEqual(['a', 'b']);
	});

	it('keeps one request in flight; the window seen meanwhile is read after it', async () => {
		const { store, requests, answer } = setup();
		store.show([row('a')], ['loss']);
		await vi.advanceTimersByTimeAsync(100);
		store.show([row('a'), row('b')], ['loss']);
		await vi.advanceTimersByTimeAsync(100);
		expect(requests).toHaveLength(1);
		await answer(0);
		expect(requests).toHaveLength(2);
		// `a` was being read: only `b` is asked for.
		expect(requests[1].body.experimentIds).toEqual(['b']);
	});

	it('remembers a series the run turned out not to have, so it is not asked for again', async () => {
		const { store, requests } = setup();
		store.show([row('a')], ['loss']);
		await vi.advanceTimersByTimeAsync(100);
		requests[0].resolve([]);
		await vi.advanceTimersByTimeAsync(0);
		store.show([row('a')], ['loss']);
		await vi.advanceTimersByTimeAsync(1000);
		expect(requests).toHaveLength(1);
		expect(store.get('a', 'loss')).toBeUndefined();
	});

	it('tries again later after a failure, backing off', async () => {
		const { store, requests, answer } = setup();
		store.show([row('a')], ['loss']);
		await vi.advanceTimersByTimeAsync(100);
		requests[0].reject(new Error('503'));
		await vi.advanceTimersByTimeAsync(1999);
		expect(requests).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(requests).toHaveLength(2);
		await answer(1);
		expect(store.get('a', 'loss')).toBeDefined();
	});

	it('drops its oldest entries beyond its bound', async () => {
		const { store, entries, requests, answer } = setup();
		const ids = (from: number) => Array.from({ length: 100 }, (_, i) => `r${from + i}`);
		const metrics = Array.from({ length: 50 }, (_, i) => `m${i}`);
		const wide = (id: string) => ({ id, metrics: metrics.map((m) => summary(m, 3)) });
		store.show(ids(0).map(wide), metrics);
		await vi.advanceTimersByTimeAsync(100);
		await answer(0);
		expect(entries.size).toBe(CAPACITY);
		store.show(ids(100).slice(0, 1).map(wide), metrics);
		await vi.advanceTimersByTimeAsync(100);
		await answer(requests.length - 1);
		expect(entries.size).toBe(CAPACITY);
		expect(store.get('r0', 'm0')).toBeUndefined();
		expect(store.get('r100', 'm0')).toBeDefined();
	});

	it('asks nothing once stopped', async () => {
		const { store, requests } = setup();
		store.show([row('a')], ['loss']);
		store.stop();
		await vi.advanceTimersByTimeAsync(1000);
		expect(requests).toHaveLength(0);
	});
});
