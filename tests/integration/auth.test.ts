import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { localJwtSecret } from '../../functions/_lib/tokens.ts';
import { api, createKey, expectEnvelope, randomEmail, signIn } from '../support/api.ts';
import { configure, resetConfig } from '../support/config.ts';

/** A token shaped like local mode's, with any claim or key changed. */
async function token(
	overrides: { secret?: Uint8Array; aud?: string; iss?: string; exp?: number; sub?: string } = {}
) {
	return new SignJWT({ email: randomEmail(), role: 'authenticated' })
		.setProtectedHeader({ alg: 'HS256' })
		.setSubject(overrides.sub ?? randomUUID())
		.setIssuer(overrides.iss ?? 'tora-local')
		.setAudience(overrides.aud ?? 'authenticated')
		.setExpirationTime(overrides.exp ?? Math.floor(Date.now() / 1000) + 600)
		.sign(overrides.secret ?? localJwtSecret());
}

afterEach(resetConfig);

describe('local sign-in', () => {
	it('returns a session, creates the personal workspace, and the token works', async () => {
		const email = randomEmail('Mixed.Case');
		const result = await api('POST', '/api/auth/local', { body: { email } });
		expect(result.status).toBe(200);
		expect(result.body.data.user.email).toBe(email.toLowerCase());
		expect(Date.parse(result.body.data.expires_at)).toBeGreaterThan(Date.now());
		const me = await api('GET', '/api/me', { token: result.body.data.access_token });
		expect(me.status).toBe(200);
		expect(me.body.data).toMatchObject({
			user: result.body.data.user,
			authMethod: 'jwt',
			pendingInvitations: 0
		});
		expect(me.body.data.personalWorkspaceId).toMatch(/^[0-9a-f-]{36}$/);
	});

	it('signing in twice is the same user', async () => {
		const email = randomEmail();
		const first = await signIn(email);
		const second = await signIn(email.toUpperCase());
		expect(second.userId).toBe(first.userId);
	});

	it('rejects a bad email, unknown fields, bad JSON and the wrong content type with 400', async () => {
		const bad = await api('POST', '/api/auth/local', { body: { email: 'not-an-email' } });
		expectEnvelope(bad, 400, 'VALIDATION_ERROR');
		expect(bad.body.error!.fields).toHaveProperty('email');
		const extra = await api('POST', '/api/auth/local', { body: { email: randomEmail(), admin: true } });
		expectEnvelope(extra, 400, 'VALIDATION_ERROR');
		expect(extra.body.error!.message).toBe('Invalid request body');
		const malformed = await api('POST', '/api/auth/local', {
			rawBody: '{"email": ',
			headers: { 'content-type': 'application/json' }
		});
		expectEnvelope(malformed, 400, 'VALIDATION_ERROR');
		expect(malformed.body.error!.message).toMatch(/not valid JSON/);
		const form = await api('POST', '/api/auth/local', {
			rawBody: 'email=a@b.c',
			headers: { 'content-type': 'application/x-www-form-urlencoded' }
		});
		expectEnvelope(form, 400, 'VALIDATION_ERROR');
		expect(form.body.error!.message).toMatch(/application\/json/);
	});

	it('does not exist when Supabase Auth is configured (404)', async () => {
		configure({
			TORA_AUTH: undefined,
			SUPABASE_URL: 'https://example.supabase.co',
			SUPABASE_ANON_KEY: 'anon',
			SUPABASE_JWT_SECRET: 'x'.repeat(40)
		});
		expectEnvelope(
			await api('POST', '/api/auth/local', { body: { email: randomEmail() } }),
			404,
			'NOT_FOUND'
		);
		const config = await api('GET', '/api/config');
		expect(config.body.data).toMatchObject({
			authMode: 'supabase',
			supabaseUrl: 'https://example.supabase.co'
		});
	});

	it('answers 503 with what to set when no authentication is configured, or local mode on Netlify', async () => {
		configure({ TORA_AUTH: undefined, SUPABASE_URL: undefined });
		const unconfigured = await api('POST', '/api/auth/local', { body: { email: randomEmail() } });
		expectEnvelope(unconfigured, 503, 'UNAVAILABLE');
		expect(unconfigured.body.error!.message).toMatch(/SUPABASE_URL/);
		expect((await api('GET', '/api/config')).body.data.authMode).toBe('disabled');

		configure({ TORA_AUTH: 'local', SUPABASE_URL: undefined, NETLIFY: 'true' });
		const onNetlify = await api('POST', '/api/auth/local', { body: { email: randomEmail() } });
		expectEnvelope(onNetlify, 503, 'UNAVAILABLE');
		expect(onNetlify.body.error!.message).toMatch(/refused on Netlify/);
	});
});

describe('bearer tokens', () => {
	const cases: Array<[string, () => Promise<Record<string, string>>, RegExp]> = [
		['no credentials', async () => ({}), /Sign in/],
		['a non-Bearer scheme', async () => ({ authorization: 'Basic dXNlcjpwYXNz' }), /Bearer/],
		['a malformed token', async () => ({ authorization: 'Bearer not.a.jwt' }), /malformed/],
		[
			'an expired token',
			async () => ({ authorization: `Bearer ${await token({ exp: Math.floor(Date.now() / 1000) - 60 })}` }),
			/expired/
		],
		[
			'a forged token (other secret)',
			async () => ({
				authorization: `Bearer ${await token({ secret: new TextEncoder().encode('f'.repeat(43)) })}`
			}),
			/signature/
		],
		[
			'the wrong audience',
			async () => ({ authorization: `Bearer ${await token({ aud: 'anon' })}` }),
			/audience/
		],
		[
			'another issuer',
			async () => ({ authorization: `Bearer ${await token({ iss: 'someone-else' })}` }),
			/issued/
		],
		[
			'a non-UUID subject',
			async () => ({ authorization: `Bearer ${await token({ sub: 'admin' })}` }),
			/subject/
		]
	];
	for (const [name, headers, message] of cases) {
		it(`rejects ${name} with 401`, async () => {
			const result = await api('GET', '/api/me', { headers: await headers() });
			expectEnvelope(result, 401, 'UNAUTHENTICATED');
			expect(result.body.error!.message).toMatch(message);
		});
	}

	it('verifies Supabase-mode tokens with the project secret and creates the profile just in time', async () => {
		const secret = 's'.repeat(40);
		configure({
			TORA_AUTH: undefined,
			SUPABASE_URL: 'https://example.supabase.co',
			SUPABASE_ANON_KEY: 'anon',
			SUPABASE_JWT_SECRET: secret
		});
		const sub = randomUUID();
		const email = randomEmail('supa');
		const supabaseToken = await new SignJWT({ email, role: 'authenticated' })
			.setProtectedHeader({ alg: 'HS256' })
			.setSubject(sub)
			.setIssuer('https://example.supabase.co/auth/v1')
			.setAudience('authenticated')
			.setExpirationTime('5m')
			.sign(new TextEncoder().encode(secret));
		const me = await api('GET', '/api/me', { token: supabaseToken });
		expect(me.status).toBe(200);
		expect(me.body.data.user).toEqual({ id: sub, email });
		// A local-mode token is not valid in Supabase mode.
		expectEnvelope(await api('GET', '/api/me', { token: await token() }), 401, 'UNAUTHENTICATED');
	});
});

/** Supabase mode with an HS256 project secret, as `supabase start` or a hosted project sets it up. */
const SUPABASE_URL = 'https://example.supabase.co';
const SUPABASE_SECRET = 's'.repeat(40);

function useSupabaseMode(): void {
	configure({
		TORA_AUTH: undefined,
		SUPABASE_URL,
		SUPABASE_ANON_KEY: 'anon',
		SUPABASE_JWT_SECRET: SUPABASE_SECRET
	});
}

/** A token exactly as Supabase Auth signs a signed-in user's session, with any claim changed. */
async function supabaseToken(
	claims: Record<string, unknown> & {
		sub?: string;
		email?: string;
		iss?: string | null;
		aud?: string | string[];
	} = {}
): Promise<string> {
	const { sub = randomUUID(), iss = `${SUPABASE_URL}/auth/v1`, aud = 'authenticated', ...rest } = claims;
	const payload = { email: randomEmail('supa'), role: 'authenticated', is_anonymous: false, aud, ...rest };
	const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(sub);
	if (iss !== null) jwt.setIssuer(iss);
	return jwt.setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SUPABASE_SECRET));
}

describe('Supabase tokens: only a signed-in user of this project', () => {
	it('accepts a regular session token (aud as a string or a one-element array)', async () => {
		useSupabaseMode();
		for (const aud of ['authenticated', ['authenticated']]) {
			const sub = randomUUID();
			const me = await api('GET', '/api/me', { token: await supabaseToken({ sub, aud }) });
			expect(me.status).toBe(200);
			expect(me.body.data.user.id).toBe(sub);
		}
	});

	const rejected: Array<[string, Record<string, unknown>, RegExp]> = [
		['another issuer', { iss: 'https://evil.example/auth/v1' }, /issued/],
		['another Supabase project', { iss: 'https://other.supabase.co/auth/v1' }, /issued/],
		['no issuer', { iss: null }, /issued|iss/],
		['the service_role key', { role: 'service_role' }, /role/],
		['the anon key', { role: 'anon', aud: 'authenticated' }, /role/],
		['no role', { role: undefined }, /role/],
		['an anonymous sign-in', { is_anonymous: true }, /Anonymous/],
		['an audience list with another audience', { aud: ['evil', 'authenticated'] }, /audience/],
		['an audience list with ours first', { aud: ['authenticated', 'evil'] }, /audience/]
	];
	for (const [name, claims, message] of rejected) {
		it(`rejects ${name} with 401`, async () => {
			useSupabaseMode();
			const result = await api('GET', '/api/me', { token: await supabaseToken(claims) });
			expectEnvelope(result, 401, 'UNAUTHENTICATED');
			expect(result.body.error!.message).toMatch(message);
		});
	}

	it('lets a re-registered address (new user id, same email) sign in, inheriting nothing', async () => {
		useSupabaseMode();
		const email = randomEmail('reregistered');
		const oldId = randomUUID();
		const newId = randomUUID();
		const oldSession = await supabaseToken({ sub: oldId, email });
		const oldWorkspace = await api('POST', '/api/workspaces', { token: oldSession, body: { name: 'Old' } });
		expect(oldWorkspace.status).toBe(201);

		// The account is deleted in Supabase and the address registered again: a new sub.
		const newSession = await supabaseToken({ sub: newId, email });
		// Its first requests may well arrive together.
		const [me, ...others] = await Promise.all(
			[1, 2, 3].map(() => api('GET', '/api/me', { token: newSession }))
		);
		expect([me.status, ...others.map((o) => o.status)]).toEqual([200, 200, 200]);
		expect(me.body.data.user).toEqual({ id: newId, email });
		const profiles = await getDb()
			.selectFrom('profiles')
			.select(['id', 'email'])
			.where('id', 'in', [oldId, newId])
			.execute();
		expect(Object.fromEntries(profiles.map((p) => [p.id, p.email]))).toEqual({
			[newId]: email,
			[oldId]: `released-${oldId}@email-released.invalid`
		});
		// The new user is not the old one: none of its workspaces.
		const oldWorkspaceId = oldWorkspace.body.data.id;
		expectEnvelope(
			await api('GET', `/api/workspaces/${oldWorkspaceId}`, { token: newSession }),
			404,
			'NOT_FOUND'
		);

		// An invitation to the address is the new user's to answer.
		const inviter = await supabaseToken({ email: randomEmail('inviter') });
		const team = await api('POST', '/api/workspaces', { token: inviter, body: { name: 'Team' } });
		const invited = await api('POST', `/api/workspaces/${team.body.data.id}/invitations`, {
			token: inviter,
			body: { email, role: 'editor' }
		});
		expect(invited.status).toBe(201);
		const received = await api('GET', '/api/invitations', { token: newSession });
		expect(received.body.data.map((i: { id: string }) => i.id)).toEqual([invited.body.data.id]);

		// The old identity, signing in under the address it has now, sees none of it but keeps its own.
		const oldUnderNewAddress = await supabaseToken({ sub: oldId, email: randomEmail('moved') });
		expect((await api('GET', '/api/invitations', { token: oldUnderNewAddress })).body.data).toEqual([]);
		expect(
			(await api('GET', `/api/workspaces/${oldWorkspaceId}`, { token: oldUnderNewAddress })).status
		).toBe(200);
		const accepted = await api('POST', `/api/invitations/${invited.body.data.id}/accept`, {
			token: newSession
		});
		expect(accepted.status).toBe(200);
	});
});

describe('Supabase JWKS verification', () => {
	it('verifies an ES256 token against the project JWKS when no JWT secret is set', async () => {
		// A stand-in for Supabase Auth's JWKS endpoint (an external service), serving one public key.
		const { publicKey, privateKey } = await generateKeyPair('ES256');
		const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
		const jwks = createServer((req, res) => {
			if (req.url !== '/auth/v1/.well-known/jwks.json') return void res.writeHead(404).end();
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
		});
		await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
		try {
			const supabaseUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
			configure({
				TORA_AUTH: undefined,
				SUPABASE_JWT_SECRET: undefined,
				SUPABASE_URL: supabaseUrl,
				SUPABASE_ANON_KEY: 'anon'
			});
			const sub = randomUUID();
			const email = randomEmail('jwks');
			const sign = (key: CryptoKey, kid = 'test-key') =>
				new SignJWT({ email, role: 'authenticated' })
					.setProtectedHeader({ alg: 'ES256', kid })
					.setSubject(sub)
					.setIssuer(`${supabaseUrl}/auth/v1`)
					.setAudience('authenticated')
					.setExpirationTime('5m')
					.sign(key);
			const me = await api('GET', '/api/me', { token: await sign(privateKey) });
			expect(me.status).toBe(200);
			expect(me.body.data.user).toEqual({ id: sub, email });
			const other = await generateKeyPair('ES256');
			const forged = await api('GET', '/api/me', { token: await sign(other.privateKey) });
			expectEnvelope(forged, 401, 'UNAUTHENTICATED');
		} finally {
			await new Promise((resolve) => jwks.close(resolve));
		}
	});
});

describe('API keys', () => {
	it('create → use → revoke → 401, and the key is shown only once', async () => {
		const { token: session } = await signIn();
		const created = await api('POST', '/api/api-keys', { token: session, body: { name: 'training box' } });
		expect(created.status).toBe(201);
		const { key, id, prefix } = created.body.data;
		expect(key).toMatch(/^tora_sk_[0-9A-Za-z]{43}$/);
		expect(key.startsWith(prefix)).toBe(true);

		const asKey = await api('GET', '/api/me', { apiKey: key });
		expect(asKey.status).toBe(200);
		expect(asKey.body.data.authMethod).toBe('api_key');
		expect((await api('GET', '/api/me', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);

		const listed = await api('GET', '/api/api-keys', { token: session });
		expect(listed.body.data).toHaveLength(1);
		expect(listed.body.data[0]).toMatchObject({ id, name: 'training box', prefix, revoked_at: null });
		expect(listed.body.data[0].last_used_at).not.toBeNull();
		expect(JSON.stringify(listed.body)).not.toContain(key);

		const revoked = await api('DELETE', `/api/api-keys/${id}`, { token: session });
		expect(revoked.status).toBe(200);
		expect(revoked.body.data.revoked_at).not.toBeNull();
		const afterRevoke = await api('GET', '/api/me', { apiKey: key });
		expectEnvelope(afterRevoke, 401, 'UNAUTHENTICATED');
		expect(afterRevoke.body.error!.message).toMatch(/revoked/);
	});

	it('rejects unknown and malformed keys with 401', async () => {
		expectEnvelope(
			await api('GET', '/api/me', { apiKey: `tora_sk_${'0'.repeat(43)}` }),
			401,
			'UNAUTHENTICATED'
		);
		const malformed = await api('GET', '/api/me', { apiKey: 'sk-live-123' });
		expectEnvelope(malformed, 401, 'UNAUTHENTICATED');
		expect(malformed.body.error!.message).toMatch(/tora_sk_/);
	});

	it('cannot be managed with an API key (403), only from a session', async () => {
		const { token: session } = await signIn();
		const { key } = await createKey(session);
		expectEnvelope(await api('GET', '/api/api-keys', { apiKey: key }), 403, 'FORBIDDEN');
		expectEnvelope(
			await api('POST', '/api/api-keys', { apiKey: key, body: { name: 'escalate' } }),
			403,
			'FORBIDDEN'
		);
	});

	it('scopes a key to a workspace only where the caller is a member; others are 404', async () => {
		const owner = await signIn();
		const stranger = await signIn();
		const { personalWorkspaceId } = (await api('GET', '/api/me', { token: owner.token })).body.data;
		const scoped = await api('POST', '/api/api-keys', {
			token: owner.token,
			body: { name: 'scoped', workspaceId: personalWorkspaceId }
		});
		expect(scoped.status).toBe(201);
		expect(scoped.body.data.workspace_id).toBe(personalWorkspaceId);
		const foreign = await api('POST', '/api/api-keys', {
			token: stranger.token,
			body: { name: 'scoped', workspaceId: personalWorkspaceId }
		});
		expectEnvelope(foreign, 404, 'NOT_FOUND');
	});

	it('revoking another user’s key, or a malformed id, does not work', async () => {
		const owner = await signIn();
		const other = await signIn();
		const { id } = await createKey(owner.token);
		expectEnvelope(await api('DELETE', `/api/api-keys/${id}`, { token: other.token }), 404, 'NOT_FOUND');
		const bad = await api('DELETE', '/api/api-keys/not-a-uuid', { token: owner.token });
		expectEnvelope(bad, 400, 'VALIDATION_ERROR');
		expect(bad.body.error!.fields).toHaveProperty('id');
	});

	it('rejects an empty or over-long name', async () => {
		const { token: session } = await signIn();
		expectEnvelope(
			await api('POST', '/api/api-keys', { token: session, body: { name: '  ' } }),
			400,
			'VALIDATION_ERROR'
		);
		expectEnvelope(
			await api('POST', '/api/api-keys', { token: session, body: { name: 'x'.repeat(101) } }),
			400,
			'VALIDATION_ERROR'
		);
	});
});
