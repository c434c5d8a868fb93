/**
 * Failed-authentication rate limiting on the single server (server/auth-rate-limit.ts): failures
 * count per credential (its SHA-256) and per client. A credential over its limit is refused
 * outright; a client over its limit has invalid credentials refused with 429, while valid ones
 * still go through — a guesser cannot lock out others behind the same address, nor a victim whose
 * key prefix they copy. X-Forwarded-For counts only from trusted proxies.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../functions/_lib/api-key-secret.ts';
import { loadConfig } from '../../functions/_lib/config.ts';
import { AuthRateLimiter, authRateLimitFromConfig } from '../../server/auth-rate-limit.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes, type Route } from '../../server/routes.ts';
import { api, createKey, signIn } from '../support/api.ts';
import { startInProcessServer, type RunningServer } from '../support/fuzz-world.ts';

const running: RunningServer[] = [];
afterEach(async () => {
	await Promise.all(running.splice(0).map((server) => server.close()));
});

/** The real routes, each handler wrapped to count how often it actually ran. */
async function countedRoutes(): Promise<{ routes: Route[]; calls: () => number }> {
	let calls = 0;
	const routes = (await loadRoutes(functionsDir)).map((route) => ({
		...route,
		handler: (req: Request, context: Parameters<Route['handler']>[1]) => {
			calls++;
			return route.handler(req, context);
		}
	}));
	return { routes, calls: () => calls };
}

interface Reply {
	status: number;
	headers: Record<string, unknown>;
	body: { error?: { code: string; message: string } };
}

/** A GET from a chosen loopback address (127.0.0.x are all this machine on Linux). */
function getFrom(
	origin: string,
	path: string,
	headers: Record<string, string>,
	localAddress = '127.0.0.1'
): Promise<Reply> {
	return new Promise((resolve, reject) => {
		const req = httpRequest(`${origin}${path}`, { headers, localAddress, agent: false }, (res) => {
			let text = '';
			res.on('data', (chunk) => (text += chunk));
			res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
		});
		req.on('error', reject);
		req.end();
	});
}

const badKey = (prefix: string) => `tora_sk_${prefix}${'x'.repeat(37)}`;
const badToken = (i: number) => ({ authorization: `Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad${i}` });

describe('failed-authentication rate limit', () => {
	it('lets a valid session and a valid key through from an address that sent 60 bad tokens', async () => {
		const { routes, calls } = await countedRoutes();
		const server = await startInProcessServer({ routes }); // the defaults: 60 per client, 20 per credential
		running.push(server);
		const user = await signIn();
		const { key } = await createKey(user.token);
		const shared = '127.0.0.2'; // a NAT: the guesser and the user behind one address
		for (let i = 0; i < 60; i++) {
			expect((await getFrom(server.origin, '/api/me', badToken(i), shared)).status).toBe(401);
		}
		// The guesser's next attempt is refused before any handler runs...
		const before = calls();
		const limited = await getFrom(server.origin, '/api/me', badToken(60), shared);
		expect(limited.status).toBe(429);
		expect(limited.body).toMatchObject({ status: 429, error: { code: 'RATE_LIMITED' } });
		expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
		expect(limited.headers['x-content-type-options']).toBe('nosniff');
		expect(calls()).toBe(before);
		// ...while the user's own session and key, from the same address, work as always.
		for (const headers of <Record<string, string>[]>[
			{ authorization: `Bearer ${user.token}` },
			{ 'x-api-key': key }
		]) {
			const ok = await getFrom(server.origin, '/api/me', headers, shared);
			expect(ok.status).toBe(200);
		}
		// Requests without credentials are never refused.
		expect((await getFrom(server.origin, '/api/health', {}, shared)).status).toBe(200);
		// And the guessing is still stopped: a new wrong key, a revoked one, a bad token all get 429.
		const revoked = await createKey(user.token);
		await getFrom(server.origin, '/api/me', { 'x-api-key': revoked.key }, '127.0.0.9');
		expect((await api('DELETE', `/api/api-keys/${revoked.id}`, { token: user.token })).status).toBe(200);
		for (const headers of <Record<string, string>[]>[
			{ 'x-api-key': generateApiKey().key },
			{ 'x-api-key': revoked.key },
			badToken(99)
		]) {
			expect((await getFrom(server.origin, '/api/me', headers, shared)).status).toBe(429);
		}
	});

	it('keeps a victim’s key working after 20 wrong keys that share its visible prefix', async () => {
		const server = await startInProcessServer(); // the defaults
		running.push(server);
		const victim = await signIn();
		const { key } = await createKey(victim.token);
		const visible = key.slice(0, 'tora_sk_'.length + 6);
		for (let i = 0; i < 20; i++) {
			// Each from its own address, so no client limit is involved: only the prefix is shared.
			const forged = `${visible}${generateApiKey().key.slice(visible.length)}`;
			const result = await getFrom(server.origin, '/api/me', { 'x-api-key': forged }, `127.0.1.${i + 1}`);
			expect(result.status).toBe(401);
		}
		for (const address of ['127.0.1.1', '127.0.0.1']) {
			expect((await getFrom(server.origin, '/api/me', { 'x-api-key': key }, address)).status).toBe(200);
		}
	});

	it('refuses one bad credential outright, from any address, once it reaches its own limit', async () => {
		const { routes, calls } = await countedRoutes();
		const server = await startInProcessServer({
			routes,
			authRateLimit: { perClient: 1000, perCredential: 3, windowMs: 60_000 }
		});
		running.push(server);
		const user = await signIn();
		const { key } = await createKey(user.token);
		for (let i = 0; i < 20; i++) {
			expect((await getFrom(server.origin, '/api/me', { 'x-api-key': key }, '127.0.0.3')).status).toBe(200);
		}
		const guessed = badKey('Zq9Zq9');
		for (const address of ['127.0.0.4', '127.0.0.5', '127.0.0.6']) {
			expect((await getFrom(server.origin, '/api/me', { 'x-api-key': guessed }, address)).status).toBe(401);
		}
		const before = calls();
		const limited = await getFrom(server.origin, '/api/me', { 'x-api-key': guessed }, '127.0.0.7');
		expect(limited.status).toBe(429);
		expect(calls()).toBe(before);
		// Successes never counted: the real key works from everywhere.
		expect((await getFrom(server.origin, '/api/me', { 'x-api-key': key }, '127.0.0.7')).status).toBe(200);
	});

	it('ignores X-Forwarded-For unless the peer is a trusted proxy', async () => {
		const untrusting = await startInProcessServer({
			authRateLimit: { perClient: 3, perCredential: 1000, windowMs: 60_000 }
		});
		running.push(untrusting);
		// A guesser cannot become someone else (or many people) by writing the header.
		for (let i = 0; i < 3; i++) {
			const spoofed = { ...badToken(i), 'x-forwarded-for': `203.0.113.${i}` };
			expect((await getFrom(untrusting.origin, '/api/me', spoofed, '127.0.0.8')).status).toBe(401);
		}
		const spoofed = { ...badToken(3), 'x-forwarded-for': '203.0.113.200' };
		expect((await getFrom(untrusting.origin, '/api/me', spoofed, '127.0.0.8')).status).toBe(429);

		const behindProxy = await startInProcessServer({
			authRateLimit: {
				perClient: 3,
				perCredential: 1000,
				windowMs: 60_000,
				trustedProxies: ['127.0.0.16/30']
			}
		});
		running.push(behindProxy);
		const proxy = '127.0.0.17';
		// The client at 198.51.100.7 fails three times, each time prepending a different lie.
		for (let i = 0; i < 3; i++) {
			const forwarded = { ...badToken(i), 'x-forwarded-for': `10.9.9.${i}, 198.51.100.7, 127.0.0.18` };
			expect((await getFrom(behindProxy.origin, '/api/me', forwarded, proxy)).status).toBe(401);
		}
		const again = { ...badToken(3), 'x-forwarded-for': '1.1.1.1, 198.51.100.7' };
		expect((await getFrom(behindProxy.origin, '/api/me', again, proxy)).status).toBe(429);
		// Another client behind the same proxy is its own client.
		const other = { ...badToken(4), 'x-forwarded-for': '198.51.100.8' };
		expect((await getFrom(behindProxy.origin, '/api/me', other, proxy)).status).toBe(401);
	});

	it('resolves the client address: the peer, or the right-most untrusted forwarded address', () => {
		const limiter = new AuthRateLimiter({
			perClient: 1,
			perCredential: 1,
			windowMs: 1000,
			trustedProxies: ['10.0.0.0/8', '::1', '192.0.2.1']
		});
		const at = (peer: string, forwardedFor?: string) =>
			limiter.clientAddress(peer, forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor });
		expect(at('203.0.113.9', '1.2.3.4')).toBe('203.0.113.9'); // untrusted peer: header ignored
		expect(at('10.1.2.3')).toBe('10.1.2.3'); // trusted peer, no header
		expect(at('10.1.2.3', '1.2.3.4')).toBe('1.2.3.4');
		expect(at('::ffff:10.1.2.3', '6.6.6.6, 1.2.3.4, 10.0.0.5')).toBe('1.2.3.4');
		expect(at('::1', '2001:db8::7, 192.0.2.1')).toBe('2001:db8::7');
		expect(at('10.1.2.3', '10.0.0.9, 10.0.0.8')).toBe('10.0.0.9'); // only proxies: the left-most
		expect(
			() => new AuthRateLimiter({ perClient: 1, perCredential: 1, windowMs: 1, trustedProxies: ['nope'] })
		).toThrow(/TORA_TRUSTED_PROXIES/);
		expect(
			() =>
				new AuthRateLimiter({ perClient: 1, perCredential: 1, windowMs: 1, trustedProxies: ['10.0.0.0/33'] })
		).toThrow(/TORA_TRUSTED_PROXIES/);
	});

	it('reads its limits and trusted proxies from the environment', () => {
		const config = loadConfig({
			TORA_AUTH_FAILURES_PER_IP: '7',
			TORA_AUTH_FAILURES_PER_KEY: '3',
			TORA_TRUSTED_PROXIES: ' 10.0.0.1, fd00::/8 ,'
		});
		expect(authRateLimitFromConfig(config)).toMatchObject({
			perClient: 7,
			perCredential: 3,
			trustedProxies: ['10.0.0.1', 'fd00::/8']
		});
	});

	it('lets a client try again once the window has passed, and keeps its memory bounded', async () => {
		let now = 0;
		const limiter = new AuthRateLimiter({
			perClient: 2,
			perCredential: 100,
			windowMs: 10_000,
			now: () => now,
			maxEntries: 100
		});
		const headers = { 'x-api-key': badKey('abcdef') };
		const request = new Request('http://tora.test/api/me', { headers });
		limiter.recordFailure(headers, '10.0.0.1');
		limiter.recordFailure(headers, '::ffff:10.0.0.1');
		expect(await limiter.refusal(headers, '10.0.0.1', request)).toBe(10);
		now = 4_500;
		expect(await limiter.refusal(headers, '10.0.0.1', request)).toBe(6);
		now = 10_000;
		expect(await limiter.refusal(headers, '10.0.0.1', request)).toBeUndefined();
		for (let i = 0; i < 1000; i++) limiter.recordFailure(badToken(i), `10.1.${i >> 8}.${i & 255}`);
		const sizes = limiter as unknown as { clients: { size: number }; credentials: { size: number } };
		expect(sizes.clients.size).toBeLessThanOrEqual(100);
		expect(sizes.credentials.size).toBeLessThanOrEqual(100);
	});

	it('counts an IPv6 client by its /64, so rotating addresses within it does not help', async () => {
		const limiter = new AuthRateLimiter({ perClient: 2, perCredential: 100, windowMs: 60_000 });
		limiter.recordFailure(badToken(1), '2001:db8:1:2::1');
		limiter.recordFailure(badToken(2), '2001:db8:1:2:ffff:ffff:ffff:fffe');
		const next = badToken(3);
		const request = new Request('http://tora.test/api/me', { headers: next });
		expect(await limiter.refusal(next, '2001:0db8:0001:0002::99', request)).toBeGreaterThan(0);
		expect(await limiter.refusal(next, '2001:db8:1:3::1', request)).toBeUndefined();
	});

	it('has defaults that a person mistyping a key (or this suite) does not reach', async () => {
		const server = await startInProcessServer();
		running.push(server);
		for (let i = 0; i < 15; i++) {
			expect((await getFrom(server.origin, '/api/me', { 'x-api-key': badKey('typo12') })).status).toBe(401);
		}
	});
});
