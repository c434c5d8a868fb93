/**
 * API keys with an expiry: `POST /api/api-keys` takes an optional `expiresAt` (an ISO date-time
 * with a time zone, in the future, at most MAX_API_KEY_LIFETIME_DAYS ahead), lists show it as
 * `expires_at`, and from that moment on the key gets a 401 that says when it expired.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_API_KEY_LIFETIME_DAYS } from '../../functions/_lib/contracts/api-keys.ts';
import { api, expectEnvelope, signIn } from '../support/api.ts';

afterEach(() => vi.restoreAllMocks());

const DAY_MS = 24 * 60 * 60 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();

describe('API key expiry', () => {
	it('is optional: without one (or with null) a key never expires', async () => {
		const { token } = await signIn();
		const plain = await api('POST', '/api/api-keys', { token, body: { name: 'forever' } });
		const explicit = await api('POST', '/api/api-keys', { token, body: { name: 'null', expiresAt: null } });
		expect([plain.status, explicit.status]).toEqual([201, 201]);
		expect([plain.body.data.expires_at, explicit.body.data.expires_at]).toEqual([null, null]);
	});

	it('is stored, returned and listed as expires_at', async () => {
		const { token } = await signIn();
		const expiresAt = inDays(30);
		const created = await api('POST', '/api/api-keys', { token, body: { name: 'contractor', expiresAt } });
		expect(created.status).toBe(201);
		expect(created.body.data.expires_at).toBe(expiresAt);
		const listed = await api('GET', '/api/api-keys', { token });
		expect(listed.body.data).toEqual([
			expect.objectContaining({ id: created.body.data.id, expires_at: expiresAt })
		]);
		// A time zone offset names the same instant, returned in UTC.
		const instant = new Date(Date.now() + 10 * DAY_MS);
		const withOffset = new Date(instant.getTime() + 2 * 3600 * 1000).toISOString().replace('Z', '+02:00');
		const offset = await api('POST', '/api/api-keys', {
			token,
			body: { name: 'offset', expiresAt: withOffset }
		});
		expect(offset.status).toBe(201);
		expect(offset.body.data.expires_at).toBe(instant.toISOString());
	});

	const invalid: Array<[string, () => unknown, RegExp]> = [
		['a past date', () => new Date(Date.now() - 60_000).toISOString(), /future/],
		['now-ish, a second ago', () => new Date(Date.now() - 1000).toISOString(), /future/],
		['beyond the longest lifetime', () => inDays(MAX_API_KEY_LIFETIME_DAYS + 1), /at most 366 days/],
		['a date without a time', () => inDays(10).slice(0, 10), /ISO 8601/],
		['a date-time without a time zone', () => inDays(10).slice(0, 19), /ISO 8601/],
		['words', () => 'next tuesday', /ISO 8601/],
		['a number', () => Date.now() + DAY_MS, /ISO 8601/]
	];
	for (const [name, value, message] of invalid) {
		it(`rejects ${name} with 400 naming expiresAt`, async () => {
			const { token } = await signIn();
			const result = await api('POST', '/api/api-keys', { token, body: { name: 'bad', expiresAt: value() } });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields!)).toEqual(['expiresAt']);
			expect(result.body.error!.fields!.expiresAt.join(' ')).toMatch(message);
			expect((await api('GET', '/api/api-keys', { token })).body.data).toEqual([]);
		});
	}

	it('works until its expiry, then answers 401 naming the expiry time', async () => {
		const { token } = await signIn();
		const expiresAt = inDays(1);
		const created = await api('POST', '/api/api-keys', { token, body: { name: 'one day', expiresAt } });
		const key: string = created.body.data.key;
		expect((await api('GET', '/api/me', { apiKey: key })).status).toBe(200);

		vi.spyOn(Date, 'now').mockReturnValue(Date.parse(expiresAt) - 1);
		expect((await api('GET', '/api/me', { apiKey: key })).status).toBe(200);
		vi.spyOn(Date, 'now').mockReturnValue(Date.parse(expiresAt));
		for (const headers of <Record<string, string>[]>[
			{ 'x-api-key': key },
			{ authorization: `Bearer ${key}` }
		]) {
			const expired = await api('GET', '/api/me', { headers });
			expectEnvelope(expired, 401, 'UNAUTHENTICATED');
			expect(expired.body.error!.message).toContain(`expired at ${expiresAt}`);
		}
		// Still listed with its expiry (the session's own clock back to now).
		vi.restoreAllMocks();
		const listed = await api('GET', '/api/api-keys', { token });
		expect(listed.body.data[0]).toMatchObject({
			id: created.body.data.id,
			expires_at: expiresAt,
			revoked_at: null
		});
	});
});
