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
 * The metrics endpoint over an in-memory experiment: the series named in `names` (every series
 * without it), by name, at most `pageSize` a read whatever `limit` asks, and with `after=<cursor>`
 * only the points past the cursor. Its cursors are JSON of the last step returned per series
 * (entries of the cursor given for other series kept, as the real one does), so tests can read them.
 */
function metricsServer(pageSize = 100) {
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
		const asked = query.get('names')?.split(',');
		const names = [...points.keys()].filter((name) => !asked || asked.includes(name)).sort();
		const page = names.slice(0, pageSize);
		const cursor: Record<string, number> = JSON.parse(query.get('after') ?? '{}');
		const read = page.map((name) => series(name, cursor[name] ?? -1));
		return {
			series: read,
			cursor: JSON.stringify({
				...cursor,
				...Object.fromEntries(read.map((s) => [s.name, s.last_step ?? -1]))
			}),
			next_start_after: page.length < names.length ? page[page.length - 1] : null,
			series_count: points.size
		};
	}

	return { log, read };
}

/** The page's metrics, reading through the real API client over a fake `fetch`. */
function liveMetrics(
	answer: (request: RecordedRequest) => Response | Promise<Response>,
	{ session = fakeCredentials('token-1'), buckets = 1000 } = {}
) {
	const server = fakeFetch(answer);
	const api = createApiClient({ fetch: server.fetch, credentials: session.credentials });
	const visible = { hidden: () => false, watch: () => () => undefined };
	const metrics = new LiveMetrics({
		experimentId: EXPERIMENT,
		buckets,
		read: api.metrics.read,
		visibility: visible
	});
	return { metrics, requests: server.requests };
}

/** Asks for `names` as panels coming into view do, and lets the read finish. */
async function requestNow(metrics: LiveMetrics, names: string[]) {
	metrics.request(names);
	await vi.advanceTimersByTimeAsync(0);
}

const stepsOf = (metrics: LiveMetrics) =>
	Object.fromEntries(metrics.views.map((v) => [v.name, v.full.steps]));
const namesOf = (requests: RecordedRequest[]) => requests.map((r) => r.url.searchParams.get('names'));
const afterCursors = (requests: RecordedRequest[]) =>
	requests.filter((r) => r.url.searchParams.has('after')).map((r) => r.url.searchParams.get('after'));

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe('LiveMetrics', () => {
	it('reads only the series asked for; names asked for in the same task share one request', async () => {
		const experiment = metricsServer();
		experiment.log('acc', 1, 2);
		experiment.log('loss', 1, 2, 3);
		experiment.log('lr', 1);
		experiment.log('unseen', 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));

		// Two panels coming into view together (one of them a panel of two metrics).
		metrics.request(['acc', 'loss']);
		metrics.request(['loss', 'lr', 'ghost']);
		expect(requests).toHaveLength(0);
		await vi.advanceTimersByTimeAsync(0);

		expect(namesOf(requests)).toEqual(['acc,loss,lr,ghost']);
		expect(requests.every((r) => r.url.pathname === METRICS_PATH)).toBe(true);
		expect(stepsOf(metrics)).toEqual({ acc: [1, 2], loss: [1, 2, 3], lr: [1] });
		// A name the run has no series for is answered, with nothing to draw.
		expect([...metrics.answered].sort()).toEqual(['acc', 'ghost', 'loss', 'lr']);

		// Already read: asking again reads nothing.
		await requestNow(metrics, ['acc', 'lr']);
		expect(requests).toHaveLength(1);
		await requestNow(metrics, ['unseen']);
		expect(namesOf(requests)).toEqual(['acc,loss,lr,ghost', 'unseen']);
	});

	it('sends the first screen’s read at once, with what was asked for before it', async () => {
		const experiment = metricsServer();
		experiment.log('acc', 1);
		experiment.log('loss', 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));
		metrics.request(['acc']);
		expect(vi.getTimerCount()).toBe(1);
		metrics.request(['loss'], { now: true });
		// Sent, not waiting for a timer.
		expect(vi.getTimerCount()).toBe(0);
		await vi.advanceTimersByTimeAsync(0);
		expect(namesOf(requests)).toEqual(['acc,loss']);
		expect(stepsOf(metrics)).toEqual({ acc: [1], loss: [1] });
	});

	it('reads more names than a request holds in several requests', async () => {
		const experiment = metricsServer();
		const names = Array.from({ length: 150 }, (_, i) => `m${String(i).padStart(3, '0')}`);
		for (const name of names) experiment.log(name, 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));
		await requestNow(metrics, names);
		expect(namesOf(requests).map((asked) => asked?.split(',').length)).toEqual([100, 50]);
		expect(metrics.views).toHaveLength(150);
	});

	it('keeps each read’s URL short, however long the names', async () => {
		const experiment = metricsServer();
		// 100 characters each, slashes and all (each one %2F in a URL).
		const names = Array.from({ length: 100 }, (_, i) =>
			`a/b/c/d/e/f/g/h/i/${String(i).padStart(3, '0')}`.padEnd(100, '/x')
		);
		for (const name of names) experiment.log(name, 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));
		await requestNow(metrics, names);
		expect(requests.length).toBeGreaterThan(1);
		expect(Math.max(...requests.map((r) => r.url.search.length))).toBeLessThan(6500);
		expect(requests.flatMap((r) => r.url.searchParams.get('names')!.split(','))).toEqual(names);
		expect(metrics.views).toHaveLength(100);

		// Those reads are as few as they can be: polls go on from their cursors, without reading again.
		const read = requests.length;
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(2 * POLL_INTERVAL_MS);
		expect(requests.slice(read).every((r) => r.url.searchParams.has('after'))).toBe(true);
		// Three polls (at once, then every second), one request per group each.
		expect(requests.length - read).toBe(3 * read);
		metrics.stop();
	});

	it('keeps a failed read per name, and reads those names again on retry', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1, 2);
		let down = true;
		const { metrics, requests } = liveMetrics((request) =>
			down
				? errorResponse(503, 'UNAVAILABLE', 'The database is unavailable')
				: dataResponse(experiment.read(request))
		);
		await requestNow(metrics, ['loss']);
		expect(metrics.failed.get('loss')).toBe('The database is unavailable');
		expect(metrics.answered.has('loss')).toBe(false);

		down = false;
		metrics.retry(['loss', 'acc']);
		await vi.advanceTimersByTimeAsync(0);
		expect(namesOf(requests)).toEqual(['loss', 'loss']);
		expect(metrics.failed.size).toBe(0);
		expect(stepsOf(metrics)).toEqual({ loss: [1, 2] });
	});

	it('polls each group it read from its cursor, appends the new points and advances the cursor', async () => {
		const experiment = metricsServer();
		experiment.log('acc', 1);
		experiment.log('loss', 1);
		experiment.log('lr', 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));
		await requestNow(metrics, ['acc', 'loss', 'lr']);
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
		expect(afterCursors(requests)).toEqual(['{"acc":1,"loss":1,"lr":1}', '{"acc":1,"loss":3,"lr":1}']);
		// Series the page never asked for are never polled.
		expect(namesOf(requests.slice(1))).toEqual(['acc,loss,lr', 'acc,loss,lr']);
		metrics.stop();
	});

	it('reads the groups that scrolling made again as one, then polls that one', async () => {
		const experiment = metricsServer();
		experiment.log('acc', 1);
		experiment.log('loss', 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));
		await requestNow(metrics, ['acc']);
		await requestNow(metrics, ['loss']);
		const acc = metrics.views.find((view) => view.name === 'acc')!;

		experiment.log('acc', 2);
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);
		expect(
			requests.slice(2).map((r) => [r.url.searchParams.get('names'), r.url.searchParams.get('after')])
		).toEqual([['acc,loss', null]]);
		expect(stepsOf(metrics)).toEqual({ acc: [1, 2], loss: [1] });
		expect(metrics.views.find((view) => view.name === 'acc')!.zoom).toBe(acc.zoom);

		experiment.log('loss', 2);
		await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
		expect(afterCursors(requests)).toEqual(['{"acc":2,"loss":1}']);
		expect(stepsOf(metrics)).toEqual({ acc: [1, 2], loss: [1, 2] });
		metrics.stop();
	});

	it('reads a series again at chart resolution once polled points make it too long', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)), {
			buckets: 2
		});
		await requestNow(metrics, ['loss']);
		experiment.log('loss', 2, 3, 4, 5);
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);
		expect(requests.map((r) => r.url.searchParams.has('after'))).toEqual([false, true, false]);
		expect(stepsOf(metrics)).toEqual({ loss: [1, 2, 3, 4, 5] });
		metrics.stop();
	});

	it('gives a series asked for before it had points a view once a poll brings them', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1);
		const { metrics } = liveMetrics((request) => dataResponse(experiment.read(request)));
		await requestNow(metrics, ['loss', 'acc']);
		expect(stepsOf(metrics)).toEqual({ loss: [1] });

		experiment.log('acc', 1, 2);
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);
		expect(stepsOf(metrics)).toEqual({ acc: [1, 2], loss: [1] });
		metrics.stop();
	});

	it('reports a failed poll, retries from the same cursor after a longer wait, then clears the report', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1);
		let down = false;
		const { metrics, requests } = liveMetrics((request) =>
			down
				? errorResponse(503, 'UNAVAILABLE', 'The database is unavailable')
				: dataResponse(experiment.read(request))
		);
		await requestNow(metrics, ['loss']);
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
		await requestNow(metrics, ['loss']);
		down = true;
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(10 * MAX_POLL_INTERVAL_MS);
		const times = requests.length;
		await vi.advanceTimersByTimeAsync(MAX_POLL_INTERVAL_MS);
		expect(requests).toHaveLength(times + 1);
		expect(metrics.pollError).toBe('Could not reach the server. Check your connection.');
		metrics.stop();
	});

	it('does not poll before any series was read', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1);
		const { metrics, requests } = liveMetrics((request) => dataResponse(experiment.read(request)));
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(5 * POLL_INTERVAL_MS);
		expect(requests).toHaveLength(0);
		metrics.stop();
	});

	it('stops on unmount: no more polls or reads, and answers still on their way are dropped', async () => {
		const experiment = metricsServer();
		experiment.log('loss', 1);
		experiment.log('acc', 1);
		let release: (() => void) | undefined;
		const { metrics, requests } = liveMetrics(async (request) => {
			if (request.url.searchParams.has('after') || request.url.searchParams.get('names') === 'acc') {
				await new Promise<void>((resolve) => (release = resolve));
			}
			return dataResponse(experiment.read(request));
		});
		await requestNow(metrics, ['loss']);
		metrics.setLive(true);
		await vi.advanceTimersByTimeAsync(0);
		experiment.log('loss', 2);
		metrics.request(['acc']);
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
		await requestNow(metrics, ['loss']);
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
			{ session }
		);
		await requestNow(metrics, ['loss']);
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
});
