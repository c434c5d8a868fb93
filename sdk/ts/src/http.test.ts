import { describe, expect, it } from 'vitest';
import { ToraApiError } from './errors.js';
import { Http, retryAfterMs, unwrap, withRetries, type RawResponse } from './http.js';

const raw = (status: number, body: unknown, headers: Record<string, string> = {}): RawResponse => ({
	status,
	headers: new Headers(headers),
	text: typeof body === 'string' ? body : JSON.stringify(body)
});

describe('retryAfterMs', () => {
	it('reads seconds and HTTP dates', () => {
		expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
		const now = Date.UTC(2030, 0, 1);
		expect(retryAfterMs(new Headers({ 'retry-after': new Date(now + 5000).toUTCString() }), now)).toBe(5000);
		expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeNull();
		expect(retryAfterMs(new Headers())).toBeNull();
	});
});

describe('unwrap', () => {
	it('returns data of a success envelope', () => {
		expect(unwrap(raw(201, { status: 201, data: { id: 'x' } }))).toEqual({ id: 'x' });
	});

	it('throws ToraApiError with status, code, message and fields', () => {
		const body = {
			status: 400,
			error: { code: 'VALIDATION_ERROR', message: 'Invalid', fields: { name: ['empty'] } }
		};
		try {
			unwrap(raw(400, body));
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(ToraApiError);
			const api = error as ToraApiError;
			expect([api.status, api.code, api.fields]).toEqual([400, 'VALIDATION_ERROR', { name: ['empty'] }]);
			expect(api.message).toContain('Invalid');
		}
	});

	it('copes with a body that is not an envelope', () => {
		expect(() => unwrap(raw(502, '<html>bad gateway</html>'))).toThrow(/HTTP 502.*bad gateway/);
		expect(() => unwrap(raw(200, 'not json'))).toThrow(ToraApiError);
	});
});

describe('withRetries', () => {
	function clock() {
		let t = 0;
		const waits: number[] = [];
		return {
			waits,
			now: () => t,
			sleep: async (ms: number) => {
				waits.push(ms);
				t += ms;
			}
		};
	}

	it('backs off exponentially with full jitter, at least Retry-After', async () => {
		const c = clock();
		const replies = [raw(503, ''), raw(429, '', { 'retry-after': '2' }), raw(500, ''), raw(201, '{}')];
		const outcome = await withRetries(async () => replies.shift()!, {
			budgetMs: 60_000,
			random: () => 1,
			now: c.now,
			sleep: c.sleep
		});
		expect(outcome.response?.status).toBe(201);
		expect(c.waits).toEqual([250, 2000, 1000]);
	});

	it('stops at the budget and returns the last outcome', async () => {
		const c = clock();
		const outcome = await withRetries(
			async () => {
				throw new TypeError('fetch failed');
			},
			{ budgetMs: 5_000, random: () => 1, now: c.now, sleep: c.sleep }
		);
		expect(outcome.response).toBeNull();
		expect(outcome.error).toBeInstanceOf(TypeError);
		expect(c.waits.reduce((a, b) => a + b, 0)).toBe(5_000);
	});

	it('does not retry 4xx', async () => {
		let calls = 0;
		const outcome = await withRetries(async () => (calls++, raw(404, '')), { budgetMs: 60_000 });
		expect([calls, outcome.response?.status]).toEqual([1, 404]);
	});
});

describe('Http', () => {
	it('sends x-api-key and JSON to the base URL', async () => {
		let seen: { url: string; init: RequestInit } | undefined;
		const http = new Http({
			baseUrl: 'http://tora.test/api/',
			apiKey: 'tora_sk_x',
			fetch: async (url, init) => {
				seen = { url, init };
				return new Response('{}', { status: 200 });
			}
		});
		await http.request('POST', '/experiments', { name: 'a' });
		expect(seen?.url).toBe('http://tora.test/api/experiments');
		const headers = seen?.init.headers as Record<string, string>;
		expect(headers['x-api-key']).toBe('tora_sk_x');
		expect(headers['content-type']).toBe('application/json');
		expect(seen?.init.body).toBe('{"name":"a"}');
	});
});
