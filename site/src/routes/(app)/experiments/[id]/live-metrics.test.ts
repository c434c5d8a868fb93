import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RawSeries, SeriesRead } from '$contracts/logs';
import { createApiClient } from '$lib/api/client';
import {
	dataResponse,
	errorResponse,
	fakeCredentials,
	fakeFetch,
	type RecordedRequest
} from '$lib/api/fake-fetch';
import { LiveMetrics, MAX_POLL_INTERVAL_MS, POLL_INTERVAL_MS } from './live-metrics';

const EXPERIMENT = '0b6f3c9e-8a47-4c1e-9c55-1f0e2a3b4c5d';
const METRICS_PATH = `/api/experiments/${EXPERIMENT}/metrics`;

/**
 * The metrics endpoint over an in-memory experiment, paging series by name (`pageSize` a read,
 * whatever `limit` asks) and answering `after=<cursor>` with the points past the cursor. Its
 * cursors are JSON of the last step returned per series, so tests can read them.
 */
function metricsServer(pageSize = 2) {
	const points = new Map<string, number[]>();
	const log = (name: string, ...steps: number[]) => points.set(name, [...(points.get(name) ?? []), ...steps]);

	function series(name: string, after: number): RawSeries {
		const all = points.get(name) ?? [];
		const steps = all.filter((step) => step > after);
		return {
			name,
			count: all.length,
			first_step: all[0] ?? null,
			last_step: all.at(-1) ?? null,
			min: null,
			max: null,
			last: null,
			resolution: 'raw',
			steps,
			values: steps.map((step) => step / 10),
			times: steps.map((step) => 1_700_000_000_000 + step)
		};
	}

	function read(request: RecordedRequest): SeriesRead {
		const query = request.url.searchParams;
		const names = [...points.keys()].sort();
		const startAfter = query.get('start_after');
		const from = startAfter === null ? 0 : names.findIndex((name) => name > startAfter);
		const page = from < 0 ? [] : names.slice(from, from + pageSize);
		const cursor: Record<string, number> = JSON.parse(query.get('after') ?? '{}');
		const read = page.map((name) => series(name, cursor[name] ?? -1));
		return {
			series: read,
			cursor: JSON.stringify(Object.fromEntries(read.map((s) => [s.name, s.last_step ?? -1]))),
			next_start_after: from >= 0 && from + pageSize < names.length ? page[page.length - 1] : null,
			series_count: names.length
		};
	}

	return { log, read };
}

/** The page's metrics, reading through the real API client over a fake `fetch`. */
function liveMetrics(
	answer: (request: RecordedRequest) => Response | Promise<Response>,
	session = fakeCredentials('token-1')
) {
	const server = fakeFetch(answer);
	const api = createApiClient({ fetch: server.fetch, credentials: session.credentials });
	const visible = { hidden: () => false, watch: () => () => undefined };
	const metrics = new LiveMetrics({
		experimentId: EXPERIMENT,
		buckets: 1000,
		read: api.metrics.read,
		visibility: visible
	});
	return { metrics, requests: server.requests };
}

const stepsOf = (metrics: LiveMetrics) =>
	Object.fromEntries(metrics.views.map((v) => [v.name, v.full.steps]));
const afterCursors = (requests: RecordedRequest[]) =>
	requests.filter((r) => r.url.searchParams.has('after')).map((r) => r.url.searchParams.get('after'));

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe('LiveMetrics', () => {
	it('loads every page of series and remembers each page’s cursor', async () => {
		const experiment = metricsServer(2);
		experiment.log('acc', 1, 2);
		experiment.log('loss', 1, 2, 3);
		experiment.log('lr', 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));

		await metrics.load();
		expect(metrics.loaded).toBe(true);
		expect(stepsOf(metrics)).toEqual({ acc: [1, 2], loss: [1, 2, 3], lr: [1] });
		expect(requests.map((r) => r.url.searchParams.get('start_after'))).toEqual([null, 'loss']);
		expect(requests.every((r) => r.url.pathname === METRICS_PATH)).toBe(true);
	});

	it('polls each page from its cursor, appends the new points and advances the cursor', async () => {
		const experiment = metricsServer(2);
		experiment.log('acc', 1);
		experiment.log('loss', 1);
		experiment.log('lr', 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));
		await metrics.load();
		const untouched = metrics.views.find((view) => view.name === 'lr');

		experiment.log('loss', 2, 3);
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);
		expect(stepsOf(metrics)).toEqual({ acc: [1], loss: [1, 2, 3], lr: [1] });
		// Only the series that changed is a new view, so only its chart redraws.
		expect(metrics.views.find((view) => view.name === 'lr')).toBe(untouched);

		experiment.log('acc', 2);
		await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
		expect(stepsOf(metrics)).toEqual({ acc: [1, 2], loss: [1, 2, 3], lr: [1] });
		expect(afterCursors(requests)).toEqual([
			'{"acc":1,"loss":1}',
			'{"lr":1}',
			'{"acc":1,"loss":3}',
			'{"lr":1}'
		]);
		metrics.stop();
	});

	it('reports a failed poll, retries from the same cursor after a longer wait, then clears the report', async () => {
		const experiment = metricsServer(10);
		experiment.log('loss', 1);
		let down = false;
		const { metrics, requests } = liveMetrics((request) =>
			down
				? errorResponse(503, 'UNAVAILABLE', 'The database is unavailable')
				: dataResponse(experiment.read(request))
		);
		await metrics.load();
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);

		down = true;
		experiment.log('loss', 2);
		await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
		expect(metrics.pollError).toBe('The database is unavailable');
		const failedAt = requests.length;

		// Backing off: no retry one interval later, one after two.
		down = false;
		await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
		expect(requests).toHaveLength(failedAt);
		await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
		expect(requests).toHaveLength(failedAt + 1);
		expect(afterCursors(requests).slice(-2)).toEqual(['{"loss":1}', '{"loss":1}']);
		expect(metrics.pollError).toBeUndefined();
		expect(stepsOf(metrics)).toEqual({ loss: [1, 2] });

		// And back to every interval.
		await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
		expect(requests).toHaveLength(failedAt + 2);
		metrics.stop();
	});

	it('never waits longer than the longest back-off while the server stays down', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1);
		let down = false;
		const { metrics, requests } = liveMetrics((request) =>
			down ? Promise.reject(new TypeError('Failed to fetch')) : dataResponse(experiment.read(request))
		);
		await metrics.load();
		down = true;
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(10 * MAX_POLL_INTERVAL_MS);
		const times = requests.length;
		await vi.advanceTimersByTimeAsync(MAX_POLL_INTERVAL_MS);
		expect(requests).toHaveLength(times + 1);
		expect(metrics.pollError).toBe('Could not reach the server. Check your connection.');
		metrics.stop();
	});

	it('stops on unmount: no more polls, and an answer still on its way is dropped', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1);
		let release: (() => void) | undefined;
		const { metrics, requests } = liveMetrics(async (request) => {
			if (request.url.searchParams.has('after')) await new Promise<void>((resolve) => (release = resolve));
			return dataResponse(experiment.read(request));
		});
		await metrics.load();
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);
		experiment.log('loss', 2);
		metrics.stop();
		release?.();
		await vi.advanceTimersByTimeAsync(10 * POLL_INTERVAL_MS);

		expect(requests).toHaveLength(2);
		expect(stepsOf(metrics)).toEqual({ loss: [1] });
	});

	it('picks up the last points once when the run stops being live', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));
		await metrics.load();
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);
		experiment.log('loss', 2);
		metrics.setLive(false);
		await vi.advanceTimersByTimeAsync(10 * POLL_INTERVAL_MS);
		expect(stepsOf(metrics)).toEqual({ loss: [1, 2] });
		expect(afterCursors(requests)).toHaveLength(2);
	});

	it('renews an expired token during a poll without reporting an error', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1);
		const session = fakeCredentials('token-1', ['token-2']);
		let expired = false;
		const { metrics, requests } = liveMetrics(
			(request) =>
				expired && request.headers.authorization !== 'Bearer token-2'
					? errorResponse(401, 'UNAUTHENTICATED', 'Token expired')
					: dataResponse(experiment.read(request)),
			session
		);
		await metrics.load();
		expired = true;
		experiment.log('loss', 2);
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);

		expect(stepsOf(metrics)).toEqual({ loss: [1, 2] });
		expect(metrics.pollError).toBeUndefined();
		expect(session.state).toMatchObject({ renewed: 1, cleared: false });
		expect(requests.slice(-2).map((r) => r.headers.authorization)).toEqual([
			'Bearer token-1',
			'Bearer token-2'
		]);
		metrics.stop();
	});

	it('reads everything again when a new series appears beyond the polled pages', async () => {
		const experiment = metricsServer(1);
		experiment.log('acc', 1);
		const { metrics } = liveMetrics((request) => dataResponse(experiment.read(request)));
		await metrics.load();
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);

		experiment.log('zeta', 1);
		await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
		expect(stepsOf(metrics)).toEqual({ acc: [1], zeta: [1] });
		metrics.stop();
	});
});
