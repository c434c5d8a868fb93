import { describe, expect, it } from 'vitest';
import type { SeriesBatch } from '$contracts/series';
import type { SeriesBatchRequest } from '$lib/api/series';
import { DEFAULT_SETTINGS, type PanelSettings } from '$lib/charts/panel-state';
import { baseOf, CurveCache, panelCurves, partFor } from './curve-cache';
import { curveRequests } from './curve-requests';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

/** A fake API: every request waits until the test answers (or fails) it. */
function fakeApi() {
	const calls: { body: SeriesBatchRequest; answer: () => void; fail: () => void }[] = [];
	const read = (body: SeriesBatchRequest) =>
		new Promise<SeriesBatch>((resolve, reject) => {
			const metrics = body.metrics ?? [];
			const batch: SeriesBatch = {
				experiment_ids: body.experimentIds,
				metrics,
				missing_metrics: [],
				buckets: 100,
				series: [],
				groups: [],
				truncated: false,
				reason: null
			};
			calls.push({ body, answer: () => resolve(batch), fail: () => reject(new Error('down')) });
		});
	return { calls, read };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const options = { experimentIds: [A, B], buckets: 100, band: 'std' as const };
const onSteps = () => DEFAULT_SETTINGS;

describe('CurveCache', () => {
	it('reads only the metrics no part holds yet', async () => {
		const api = fakeApi();
		const cache = new CurveCache(api.read);
		cache.sync(curveRequests(['loss', 'acc'], onSteps, options));
		expect(api.calls.map((c) => c.body.metrics)).toEqual([['loss', 'acc']]);
		// "Show all": the two new panels alone, while the first read is still on its way.
		const more = curveRequests(['loss', 'acc', 'lr', 'tokens'], onSteps, options);
		cache.sync(more);
		expect(api.calls.map((c) => c.body.metrics)).toEqual([
			['loss', 'acc'],
			['lr', 'tokens']
		]);
		cache.sync(more);
		expect(api.calls).toHaveLength(2);
		for (const call of api.calls) call.answer();
		await settle();
		const base = baseOf(more[0]);
		expect(partFor(cache.parts, base, 'tokens')?.batch?.metrics).toEqual(['lr', 'tokens']);
		expect(partFor(cache.parts, base, 'loss')?.pending).toBe(false);
	});

	it('reads a panel moved to another x-axis alone, and forgets what no request needs', async () => {
		const api = fakeApi();
		const cache = new CurveCache(api.read);
		cache.sync(curveRequests(['loss', 'acc'], onSteps, options));
		api.calls[0].answer();
		await settle();
		const own: Record<string, Partial<PanelSettings>> = { acc: { x: { metric: 'tokens' } } };
		const moved = curveRequests(['loss', 'acc'], (m) => ({ ...DEFAULT_SETTINGS, ...own[m] }), options);
		cache.sync(moved);
		expect(api.calls.map((c) => [c.body.metrics, c.body.x])).toEqual([
			[['loss', 'acc'], 'step'],
			[['acc'], { metric: 'tokens' }]
		]);
		// Other runs: every part is read again, and the old ones are gone.
		cache.sync(curveRequests(['loss'], onSteps, { ...options, experimentIds: [A] }));
		expect(api.calls).toHaveLength(3);
		expect(cache.parts.map((p) => p.metrics)).toEqual([['loss']]);
		// The tokens answer comes after it was forgotten: it is dropped.
		api.calls[1].answer();
		await settle();
		expect(cache.parts).toHaveLength(1);
	});

	it('keeps a failed read until retried', async () => {
		const api = fakeApi();
		const cache = new CurveCache(api.read);
		const requests = curveRequests(['loss'], onSteps, options);
		cache.sync(requests);
		api.calls[0].fail();
		await settle();
		expect(partFor(cache.parts, baseOf(requests[0]), 'loss')?.error).toBeInstanceOf(Error);
		cache.sync(requests);
		expect(api.calls).toHaveLength(1);
		cache.retry(requests);
		expect(api.calls).toHaveLength(2);
	});

	it('refreshes each request whole, replacing the parts it covers, one refresh at a time', async () => {
		const api = fakeApi();
		const seen: number[] = [];
		const cache = new CurveCache(api.read, (parts) => seen.push(parts.length));
		const first = curveRequests(['loss'], onSteps, options);
		cache.sync(first);
		// Still reading: nothing to refresh yet.
		cache.refresh(first);
		expect(api.calls).toHaveLength(1);
		api.calls[0].answer();
		const both = curveRequests(['loss', 'acc'], onSteps, options);
		await settle();
		cache.sync(both);
		api.calls[1].answer();
		await settle();
		expect(cache.parts).toHaveLength(2);
		cache.refresh(both);
		cache.refresh(both);
		expect(api.calls).toHaveLength(3);
		expect(api.calls[2].body.metrics).toEqual(['loss', 'acc']);
		api.calls[2].answer();
		await settle();
		expect(cache.parts.map((p) => p.metrics)).toEqual([['loss', 'acc']]);
		expect(seen.length).toBeGreaterThan(0);
	});
});

describe('panelCurves', () => {
	it('gives each panel the lines of the part that holds it, and says when its read has ended', async () => {
		const api = fakeApi();
		const cache = new CurveCache(api.read);
		const requests = curveRequests(['loss', 'acc'], onSteps, options);
		cache.sync(requests);
		const line = { key: A, label: 'a', color: '#000000', x: [0], y: [1] };
		const linesOf = (batch: SeriesBatch) =>
			new Map(batch.metrics.map((m) => [m, m === 'loss' ? [line] : []]));
		expect(panelCurves(requests, cache.parts, linesOf).get('loss')).toEqual({ lines: [], loaded: false });
		api.calls[0].answer();
		await settle();
		const curves = panelCurves(requests, cache.parts, linesOf);
		expect(curves.get('loss')).toEqual({ lines: [line], loaded: true });
		expect(curves.get('acc')).toEqual({ lines: [], loaded: true });
	});
});
