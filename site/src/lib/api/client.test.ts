import { describe, expect, it } from 'vitest';
import { createApiClient } from './client';
import { ApiError } from './errors';
import { dataResponse, errorResponse, fakeCredentials, fakeFetch } from './fake-fetch';

const EXPERIMENT = '0b6f3c9e-8a47-4c1e-9c55-1f0e2a3b4c5d';

function client(
	answer: Parameters<typeof fakeFetch>[0],
	token: string | null = 'token-1',
	renewals: string[] = []
) {
	const server = fakeFetch(answer);
	const session = fakeCredentials(token, renewals);
	return { api: createApiClient({ fetch: server.fetch, credentials: session.credentials }), server, session };
}

describe('requests', () => {
	it('builds the path, query and JSON body of each call and unwraps the envelope', async () => {
		const { api, server } = client(() => dataResponse({ id: EXPERIMENT }));
		await expect(api.experiments.update(EXPERIMENT, { name: 'renamed' })).resolves.toEqual({
			id: EXPERIMENT
		});
		await api.metrics.read(EXPERIMENT, { buckets: 300, names: ['a/b', 'c'], startAfter: 'x', after: 'CUR' });
		await api.invitations.sent('ws', 'pending');

		const [update, read, sent] = server.requests;
		expect(update).toMatchObject({ method: 'PATCH', body: { name: 'renamed' } });
		expect(update.url.pathname).toBe(`/api/experiments/${EXPERIMENT}`);
		expect(update.headers).toMatchObject({
			accept: 'application/json',
			'content-type': 'application/json',
			authorization: 'Bearer token-1'
		});
		expect(read.method).toBe('GET');
		expect(read.url.pathname).toBe(`/api/experiments/${EXPERIMENT}/metrics`);
		expect(Object.fromEntries(read.url.searchParams)).toEqual({
			buckets: '300',
			limit: '100',
			names: 'a/b,c',
			start_after: 'x',
			after: 'CUR'
		});
		expect(read.headers['content-type']).toBeUndefined();
		expect(sent.url.pathname + sent.url.search).toBe('/api/workspaces/ws/invitations?status=pending');
	});

	it('encodes path segments, so an id cannot reach another endpoint', async () => {
		const { api, server } = client(() => dataResponse({}));
		await api.experiments.get('../workspaces?x=1');
		expect(server.requests[0].url.pathname).toBe('/api/experiments/..%2Fworkspaces%3Fx%3D1');
	});

	it('sends a dashboard list request in the order the API documents', async () => {
		const { api, server } = client(() => dataResponse({ items: [], next_cursor: null, metric_names: [] }));
		await api.experiments.list('ws', {
			limit: 100,
			sort: 'name',
			order: 'asc',
			q: 'res',
			tags: ['a', 'b'],
			status: 'finished',
			metrics: ['loss'],
			cursor: 'CUR'
		});
		expect(server.requests[0].url.search).toBe(
			'?limit=100&sort=name&order=asc&q=res&tag=a&tag=b&status=finished&metrics=loss&cursor=CUR'
		);
	});
});

describe('failures', () => {
	it('throws the error envelope as an ApiError with its fields', async () => {
		const { api } = client(() =>
			errorResponse(400, 'VALIDATION_ERROR', 'Invalid request body', { name: ['must not be empty'] })
		);
		const error = await api.workspaces.create({ name: '' }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ApiError);
		expect(error).toMatchObject({
			status: 400,
			code: 'VALIDATION_ERROR',
			message: 'Invalid request body',
			fields: { name: ['must not be empty'] }
		});
	});

	it('names a reply without an envelope by its status', async () => {
		const { api } = client(() => new Response('<html>Bad gateway</html>', { status: 403 }));
		await expect(api.workspaces.list()).rejects.toMatchObject({
			status: 403,
			code: 'FORBIDDEN',
			message: 'Request failed (HTTP 403).'
		});
		const { api: odd } = client(() => new Response('{}', { status: 200 }));
		await expect(odd.workspaces.list()).rejects.toMatchObject({ code: 'INTERNAL' });
	});

	it('reports a server it never reached as NETWORK_ERROR', async () => {
		const { api } = client(() => Promise.reject(new TypeError('Failed to fetch')));
		await expect(api.apiKeys.list()).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
	});
});

describe('token renewal', () => {
	const unauthenticated = () => errorResponse(401, 'UNAUTHENTICATED', 'Token expired');

	it('renews a refused token once and repeats the call with the new one', async () => {
		const { api, server, session } = client(
			(request) =>
				request.headers.authorization === 'Bearer token-2' ? dataResponse([]) : unauthenticated(),
			'token-1',
			['token-2']
		);
		await expect(api.workspaces.list()).resolves.toEqual([]);
		expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
		expect(session.state).toMatchObject({ renewed: 1, cleared: false });
	});

	it('gives the session up when the renewed token is refused too', async () => {
		const { api, server, session } = client(unauthenticated, 'token-1', ['token-2', 'token-3']);
		await expect(api.workspaces.list()).rejects.toMatchObject({ status: 401, message: 'Token expired' });
		expect(server.requests).toHaveLength(2);
		expect(session.state).toMatchObject({ renewed: 1, cleared: true });
	});

	it('gives the session up when it cannot be renewed', async () => {
		const { api, server, session } = client(unauthenticated, 'token-1', []);
		await expect(api.experiments.get(EXPERIMENT)).rejects.toMatchObject({ status: 401 });
		expect(server.requests).toHaveLength(1);
		expect(session.state.cleared).toBe(true);
	});

	it('leaves a signed-out caller alone', async () => {
		const { api, server, session } = client(unauthenticated, null, ['token-2']);
		await expect(api.workspaces.list()).rejects.toMatchObject({ status: 401 });
		expect(server.requests[0].headers.authorization).toBeUndefined();
		expect(session.state).toMatchObject({ renewed: 0, cleared: false });
	});
});

describe('CSV export', () => {
	it('downloads the file with the name the server gives it, renewing the token like any call', async () => {
		const csv = 'step,loss\n1,0.5\n';
		const { api, server } = client(
			(request) =>
				request.headers.authorization === 'Bearer token-2'
					? new Response(csv, {
							headers: {
								'content-type': 'text/csv',
								'content-disposition': 'attachment; filename="run-long.csv"'
							}
						})
					: errorResponse(401, 'UNAUTHENTICATED', 'Token expired'),
			'token-1',
			['token-2']
		);
		const file = await api.exports.csv(EXPERIMENT, 'long');
		expect(file.filename).toBe('run-long.csv');
		expect(await file.blob.text()).toBe(csv);
		const last = server.requests[1];
		expect(last.url.pathname + last.url.search).toBe(`/api/experiments/${EXPERIMENT}/export.csv?format=long`);
		expect(last.headers.accept).toBeUndefined();
	});

	it('has no file name when the server suggests none', async () => {
		const { api } = client(() => new Response('step\n'));
		await expect(api.exports.csv(EXPERIMENT, 'wide')).resolves.toMatchObject({ filename: null });
	});

	it('says a download failed with the server message, or the status without one', async () => {
		const { api } = client(() => errorResponse(404, 'NOT_FOUND', 'Experiment not found'));
		await expect(api.exports.csv(EXPERIMENT, 'long')).rejects.toMatchObject({
			message: 'Experiment not found'
		});
		const { api: proxied } = client(() => new Response('oops', { status: 502 }));
		await expect(proxied.exports.csv(EXPERIMENT, 'long')).rejects.toMatchObject({
			status: 502,
			message: 'Download failed (HTTP 502).'
		});
	});
});
