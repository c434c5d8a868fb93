import { describe, expect, it } from 'vitest';
import { createCaller } from './caller';
import { ApiError } from './errors';
import { dataResponse, errorResponse, fakeFetch } from './fake-fetch';
import { runContextApi } from './run-context';

function client(answer: Parameters<typeof fakeFetch>[0]) {
	const server = fakeFetch(answer);
	return { api: runContextApi(createCaller(server.fetch)), requests: server.requests };
}

describe('runContextApi', () => {
	it('patches only the notes', async () => {
		const { api, requests } = client(() => dataResponse({ id: 'e1', notes: '# hi' }));
		await api.updateNotes('e1', '# hi');
		expect(requests[0].method).toBe('PATCH');
		expect(requests[0].url.pathname).toBe('/api/experiments/e1');
		expect(requests[0].body).toEqual({ notes: '# hi' });
	});

	it('reads no context as null, and throws other failures', async () => {
		const missing = client(() => errorResponse(404, 'NOT_FOUND', 'No context.'));
		expect(await missing.api.context('e1')).toBeNull();
		expect(missing.requests[0].url.pathname).toBe('/api/experiments/e1/context');
		const forbidden = client(() => errorResponse(403, 'FORBIDDEN', 'No.'));
		await expect(forbidden.api.context('e1')).rejects.toBeInstanceOf(ApiError);
	});

	it('sends the console cursor and only the filters that are set', async () => {
		const { api, requests } = client(() => dataResponse({ lines: [], cursor: 5, more: false, last_seq: 5 }));
		await api.console('e1', { after: 5, limit: 5000 });
		await api.console('e1', {
			after: 0,
			limit: 10,
			q: 'loss',
			stream: 'stderr',
			from: '2026-01-01T00:00:00.000Z'
		});
		expect(requests[0].url.pathname).toBe('/api/experiments/e1/console');
		expect([...requests[0].url.searchParams]).toEqual([
			['after', '5'],
			['limit', '5000']
		]);
		expect(Object.fromEntries(requests[1].url.searchParams)).toEqual({
			after: '0',
			limit: '10',
			q: 'loss',
			stream: 'stderr',
			from: '2026-01-01T00:00:00.000Z'
		});
	});

	it('searches runs by name with a quoted query-language filter', async () => {
		const { api, requests } = client(() => dataResponse({ items: [], next_cursor: null, metric_names: [] }));
		await api.searchByName('w1', 'say "hi" \\ there');
		expect(requests[0].url.pathname).toBe('/api/workspaces/w1/experiments');
		expect(requests[0].url.searchParams.get('filter')).toBe('name ~ "say \\"hi\\" \\\\ there"');
		expect(requests[0].url.searchParams.get('limit')).toBe('10');
	});

	it('adds and removes references', async () => {
		const { api, requests } = client(() => dataResponse({}));
		await api.addReference('e1', 'e2');
		await api.removeReference('e1', 'e/2');
		expect(requests.map((r) => [r.method, r.url.pathname, r.body])).toEqual([
			['POST', '/api/experiments/e1/references', { referencedId: 'e2' }],
			['DELETE', '/api/experiments/e1/references/e%2F2', undefined]
		]);
	});
});
