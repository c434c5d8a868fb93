/**
 * Secrets stay secret: a real `npm start` process (its stdout and stderr captured) goes through a
 * full flow — sign in, create and use an API key, log points, then every kind of failure: wrong,
 * malformed, tampered, expired and revoked credentials, bad bodies, unknown routes — and no API
 * key, access token, signing secret or database password may appear in its logs, in any error
 * message, or in any list; key lists show the prefix only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

const jwtSecret = randomBytes(32).toString('base64url');
const dbPassword = `pw-${randomBytes(12).toString('hex')}`;

/** The run's own database server with a password in the URL (trust auth ignores it), or embedded. */
function databaseEnv(): Record<string, string> {
	if (process.env.TORA_TEST_EMBEDDED) return {};
	const url = new URL(process.env.DATABASE_URL!);
	url.password = dbPassword;
	return { DATABASE_URL: url.toString() };
}

let server: ServerProcess;
/** Every response body and header block the flow saw, for the leak checks. */
const transcript: { what: string; text: string }[] = [];

beforeAll(async () => {
	server = await startServerProcess({ TORA_JWT_SECRET: jwtSecret, ...databaseEnv() });
}, 120_000);
afterAll(() => server?.stop());

async function call(
	what: string,
	method: string,
	path: string,
	options: {
		token?: string;
		apiKey?: string;
		body?: unknown;
		raw?: string;
		headers?: Record<string, string>;
	} = {}
) {
	const headers: Record<string, string> = { ...options.headers };
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	if (options.apiKey) headers['x-api-key'] = options.apiKey;
	if (options.body !== undefined || options.raw !== undefined) headers['content-type'] ??= 'application/json';
	const response = await fetch(server.origin + path, {
		method,
		headers,
		body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
	});
	const text = await response.text();
	transcript.push({
		what,
		text: `${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`
	});
	return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('secrets', () => {
	it('never appear in logs, error messages or lists', async () => {
		const session = await call('sign in', 'POST', '/api/auth/local', {
			body: { email: 'secrets@example.test' }
		});
		expect(session.status).toBe(200);
		const token: string = session.body.data.access_token;
		const created = await call('create key', 'POST', '/api/api-keys', { token, body: { name: 'ci' } });
		expect(created.status).toBe(201);
		const key: string = created.body.data.key;
		const keyId: string = created.body.data.id;
		const other = await call('create key 2', 'POST', '/api/api-keys', { token, body: { name: 'revoked' } });
		const revokedKey: string = other.body.data.key;

		// The secrets whose every appearance is checked below (the two creations excepted).
		const expired = await new SignJWT({ email: 'secrets@example.test', role: 'authenticated' })
			.setProtectedHeader({ alg: 'HS256' })
			.setSubject(session.body.data.user.id)
			.setAudience('authenticated')
			.setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
			.setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
			.sign(new TextEncoder().encode(jwtSecret));
		const tampered = `${token.slice(0, -4)}AAAA`;
		const guessedKey = `tora_sk_${randomBytes(32).toString('base64url')}`;
		const secrets = { key, revokedKey, token, expired, tampered, guessedKey, jwtSecret, dbPassword };

		// A working flow with the key.
		const experiment = await call('experiment', 'POST', '/api/experiments', {
			apiKey: key,
			body: { name: 'secret run', hyperparams: [{ key: 'lr', value: 0.1 }] }
		});
		expect(experiment.status).toBe(201);
		const id = experiment.body.data.id;
		expect(
			(
				await call('logs', 'POST', `/api/experiments/${id}/logs/batch`, {
					apiKey: key,
					body: { logs: [{ name: 'loss', msg_id: randomUUID(), value: 1, step: 0, metadata: null }] }
				})
			).status
		).toBe(201);
		expect((await call('revoke', 'DELETE', `/api/api-keys/${other.body.data.id}`, { token })).status).toBe(
			200
		);

		// Lists: prefix only.
		const keys = await call('key list', 'GET', '/api/api-keys', { token });
		expect(keys.status).toBe(200);
		for (const item of keys.body.data) {
			expect(Object.keys(item)).not.toContain('key');
			expect(Object.keys(item)).not.toContain('key_hash');
			expect(item.prefix).toMatch(/^tora_sk_[0-9A-Za-z]{6}$/);
		}
		expect(keys.body.data.find((item: { id: string }) => item.id === keyId).prefix).toBe(key.slice(0, 14));
		for (const path of ['/api/me', '/api/workspaces', `/api/experiments/${id}`, '/api/invitations']) {
			await call(`read ${path}`, 'GET', path, { token });
			await call(`read ${path} by key`, 'GET', path, { apiKey: key });
		}

		// Failures of every kind, each carrying a secret somewhere in the request.
		const failures: [string, number, Parameters<typeof call>[3]][] = [
			['guessed key', 401, { apiKey: guessedKey }],
			['guessed key as bearer', 401, { token: guessedKey }],
			['revoked key', 401, { apiKey: revokedKey }],
			['expired jwt', 401, { token: expired }],
			['tampered jwt', 401, { token: tampered }],
			['malformed key', 401, { apiKey: key.replace('tora_sk_', 'tora_pk_') }],
			['key with junk', 401, { apiKey: `${key}!` }],
			[
				'basic auth',
				401,
				{ headers: { authorization: `Basic ${Buffer.from(`u:${dbPassword}`).toString('base64')}` } }
			],
			['token in body', 400, { token, body: { name: 'x', token, key, password: dbPassword } }],
			['key as json', 400, { token, raw: `{"name": "${key}", "bad": NaN}` }]
		];
		for (const [what, status, options] of failures) {
			const path = what.includes('body') || what.includes('json') ? '/api/api-keys' : '/api/me';
			const method = path === '/api/api-keys' ? 'POST' : 'GET';
			const result = await call(what, method, path, options);
			expect(result.status, what).toBe(status);
			expect(result.body.error.message).toBeTruthy();
		}
		await call('unknown route', 'GET', `/api/nope/${key}`, { apiKey: key });
		await call('wrong method', 'PUT', '/api/me', { token, body: { key } });
		await call('query secret', 'GET', `/api/workspaces/${id}/experiments?cursor=${encodeURIComponent(key)}`, {
			apiKey: key
		});

		// Give the process a moment to flush what it logs, then look everywhere.
		await new Promise((resolve) => setTimeout(resolve, 300));
		const logs = server.output();
		expect(logs).toMatch(/Tora is running/);
		const leaks: string[] = [];
		for (const [name, secret] of Object.entries(secrets)) {
			if (logs.includes(secret)) leaks.push(`${name} in the server's logs`);
			for (const { what, text } of transcript) {
				const allowed =
					(what === 'sign in' && name === 'token') ||
					(what === 'create key' && name === 'key') ||
					(what === 'create key 2' && name === 'revokedKey');
				if (!allowed && text.includes(secret)) leaks.push(`${name} in the response to "${what}"`);
			}
		}
		// The key's secret part must not appear even partly beyond the visible prefix.
		const hidden = key.slice(14, 30);
		if (logs.includes(hidden)) leaks.push('part of the key beyond its prefix in the logs');
		expect(leaks).toEqual([]);
		expect(transcript.length).toBeGreaterThan(25);
	}, 120_000);
});
