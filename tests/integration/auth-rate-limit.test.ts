/**
 * Failed-authentication rate limiting on the single server (server/auth-rate-limit.ts): per
 * client IP and per API-key prefix, refused with the 429 envelope and Retry-After before any
 * handler runs; successes never count; requests without credentials are never refused.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthRateLimiter } from '../../server/auth-rate-limit.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes, type Route } from '../../server/routes.ts';
import { createKey, signIn } from '../support/api.ts';
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

/** A GET from a chosen loopback address (127.0.0.x are all this machine on Linux). */
function getFrom(
	origin: string,
	path: string,
	headers: Record<string, string>,
	localAddress = '127.0.0.1'
): Promise<{ status: number; headers: Record<string, unknown>; body: { error?: { code: string } } }> {
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

describe('failed-authentication rate limit', () => {
	it('refuses an IP with 429 RATE_LIMITED and Retry-After after N failures, before running the handler', async () => {
		const { routes, calls } = await countedRoutes();
		const server = await startInProcessServer({
			routes,
			authRateLimit: { perIp: 5, perKeyPrefix: 1000, windowMs: 60_000 }
		});
		running.push(server);
		for (let i = 0; i < 5; i++) {
			const result = await getFrom(
				server.origin,
				'/api/me',
				{ 'x-api-key': badKey(`ip${i}abc`) },
				'127.0.0.2'
			);
			expect(result.status).toBe(401);
		}
		const before = calls();
		const limited = await getFrom(
			server.origin,
			'/api/me',
			{ authorization: 'Bearer not.a.jwt' },
			'127.0.0.2'
		);
		expect(limited.status).toBe(429);
		expect(limited.body).toMatchObject({ status: 429, error: { code: 'RATE_LIMITED' } });
		expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
		expect(limited.headers['x-content-type-options']).toBe('nosniff');
		expect(calls()).toBe(before);

		// Requests without credentials, and other clients, are unaffected.
		expect((await getFrom(server.origin, '/api/health', {}, '127.0.0.2')).status).toBe(200);
		const user = await signIn();
		expect((await getFrom(server.origin, '/api/me', { authorization: `Bearer ${user.token}` })).status).toBe(
			200
		);
	});

	it('refuses a key prefix across IPs, and never counts successful authentication', async () => {
		const server = await startInProcessServer({
			authRateLimit: { perIp: 1000, perKeyPrefix: 3, windowMs: 60_000 }
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
		const limited = await getFrom(server.origin, '/api/me', { 'x-api-key': guessed }, '127.0.0.7');
		expect(limited.status).toBe(429);
		// The real key has another prefix: it keeps working, from any address.
		expect((await getFrom(server.origin, '/api/me', { 'x-api-key': key }, '127.0.0.7')).status).toBe(200);
	});

	it('lets a client try again once the window has passed, and keeps its memory bounded', () => {
		let now = 0;
		const limiter = new AuthRateLimiter({
			perIp: 2,
			perKeyPrefix: 100,
			windowMs: 10_000,
			now: () => now,
			maxEntries: 100
		});
		const headers = { 'x-api-key': badKey('abcdef') };
		limiter.recordFailure(headers, '10.0.0.1');
		limiter.recordFailure(headers, '::ffff:10.0.0.1');
		expect(limiter.blockedFor(headers, '10.0.0.1')).toBe(10);
		now = 4_500;
		expect(limiter.blockedFor(headers, '10.0.0.1')).toBe(6);
		now = 10_000;
		expect(limiter.blockedFor(headers, '10.0.0.1')).toBeUndefined();
		for (let i = 0; i < 1000; i++)
			limiter.recordFailure({ authorization: 'Bearer x' }, `10.1.${i >> 8}.${i & 255}`);
		expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(101);
	});

	it('has defaults that a person mistyping a key (or this suite) does not reach', async () => {
		const server = await startInProcessServer();
		running.push(server);
		for (let i = 0; i < 15; i++) {
			expect((await getFrom(server.origin, '/api/me', { 'x-api-key': badKey('typo12') })).status).toBe(401);
		}
	});
});
