/**
 * How the single server writes API answers: a `json()` body goes out as one string with its
 * length (not a chunked stream), error envelopes too, and the headers and body are the ones the
 * function made — the same as through a web Response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferedBody, json } from '../../functions/_lib/http.ts';
import { signIn } from '../support/api.ts';
import { startInProcessServer, type RunningServer } from '../support/fuzz-world.ts';

let server: RunningServer;
let token: string;

beforeAll(async () => {
	server = await startInProcessServer({});
	token = (await signIn()).token;
});
afterAll(() => server.close());

describe('json()', () => {
	it('makes the same response Response.json does, and remembers its text until read', async () => {
		const ours = json({ a: 'é' }, 201, { 'cache-control': 'no-store' });
		const reference = Response.json({ status: 201, data: { a: 'é' } }, { status: 201 });
		expect(ours.status).toBe(201);
		expect(ours.headers.get('content-type')).toBe(reference.headers.get('content-type'));
		expect(ours.headers.get('cache-control')).toBe('no-store');
		expect(bufferedBody(ours)).toBe(JSON.stringify({ status: 201, data: { a: 'é' } }));
		expect(await ours.text()).toBe(await reference.text());
		expect(bufferedBody(ours)).toBeUndefined();
	});

	it('keeps a content type the caller chose', () => {
		expect(json(1, 200, { 'Content-Type': 'application/problem+json' }).headers.get('content-type')).toBe(
			'application/problem+json'
		);
	});
});

describe('the single server', () => {
	it('sends JSON answers with a content length, not chunked', async () => {
		const response = await fetch(`${server.origin}/api/workspaces`, {
			headers: { authorization: `Bearer ${token}` }
		});
		const text = await response.text();
		expect(response.status).toBe(200);
		expect(response.headers.get('transfer-encoding')).toBeNull();
		expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
		expect(response.headers.get('x-content-type-options')).toBe('nosniff');
		expect(JSON.parse(text).status).toBe(200);
	});

	it('sends error envelopes the same way', async () => {
		const response = await fetch(`${server.origin}/api/nowhere`);
		const text = await response.text();
		expect(response.status).toBe(404);
		expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
		expect(JSON.parse(text).error.code).toBe('NOT_FOUND');
	});

	it('answers HEAD without a body', async () => {
		const response = await fetch(`${server.origin}/api/health`, { method: 'HEAD' });
		expect(await response.text()).toBe('');
	});
});
