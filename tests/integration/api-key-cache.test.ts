/**
 * The verified-key cache (api-key.repository.ts): revoking through the API takes effect at once in
 * this process; a revocation made elsewhere (another server process or function instance, here a
 * direct database write) takes effect once the cached entry's TTL has passed. A key's expiry is
 * never delayed by the cache.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { API_KEY_CACHE_TTL_MS } from '../../functions/_lib/repositories/api-key.repository.ts';
import { api, createKey, expectEnvelope, signIn } from '../support/api.ts';
import { connect } from '../support/databases.ts';

const sql = connect({ url: process.env.DATABASE_URL!, embedded: Boolean(process.env.TORA_TEST_EMBEDDED) }, 1);
afterAll(() => sql.end());
afterEach(() => vi.restoreAllMocks());

describe('verified API key cache', () => {
	it('forgets a key revoked through this process immediately', async () => {
		const { token } = await signIn();
		const { id, key } = await createKey(token);
		expect((await api('GET', '/api/workspaces', { apiKey: key })).status).toBe(200);
		expect((await api('DELETE', `/api/api-keys/${id}`, { token })).status).toBe(200);
		expectEnvelope(await api('GET', '/api/workspaces', { apiKey: key }), 401, 'UNAUTHENTICATED');
	});

	it('stops accepting a key revoked elsewhere once the TTL has passed', async () => {
		const { token } = await signIn();
		const { id, key } = await createKey(token);
		expect((await api('GET', '/api/workspaces', { apiKey: key })).status).toBe(200);
		await sql`update api_keys set revoked_at = now() where id = ${id}`;
		// Within the TTL this process still trusts its cached verification...
		expect((await api('GET', '/api/workspaces', { apiKey: key })).status).toBe(200);
		// ...and after it, checks the database again.
		const now = Date.now();
		vi.spyOn(Date, 'now').mockReturnValue(now + API_KEY_CACHE_TTL_MS + 1);
		expectEnvelope(await api('GET', '/api/workspaces', { apiKey: key }), 401, 'UNAUTHENTICATED');
	});

	it('never lets a key through past its expiry, even while its verification is cached', async () => {
		const { token } = await signIn();
		// Expiring well within the cache's TTL of its first use.
		const expiresAt = new Date(Date.now() + API_KEY_CACHE_TTL_MS / 2).toISOString();
		const created = await api('POST', '/api/api-keys', { token, body: { name: 'short', expiresAt } });
		expect(created.status).toBe(201);
		const key: string = created.body.data.key;
		expect((await api('GET', '/api/workspaces', { apiKey: key })).status).toBe(200);
		vi.spyOn(Date, 'now').mockReturnValue(Date.parse(expiresAt));
		const expired = await api('GET', '/api/workspaces', { apiKey: key });
		expectEnvelope(expired, 401, 'UNAUTHENTICATED');
		expect(expired.body.error!.message).toContain(expiresAt);
	});

	it('records last use at most once a minute per key', async () => {
		const { token } = await signIn();
		const { id, key } = await createKey(token);
		const lastUsed = async () =>
			(
				await getDb()
					.selectFrom('api_keys')
					.select('last_used_at')
					.where('id', '=', id)
					.executeTakeFirstOrThrow()
			).last_used_at;
		await api('GET', '/api/workspaces', { apiKey: key });
		const first = await lastUsed();
		expect(first).not.toBeNull();
		await api('GET', '/api/workspaces', { apiKey: key });
		expect(await lastUsed()).toEqual(first);
	});
});
