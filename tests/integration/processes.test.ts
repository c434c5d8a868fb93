import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, start, type Started } from '../support/processes.ts';

const running: Started[] = [];
afterEach(async () => {
	await Promise.all(running.splice(0).map((process) => process.stop()));
});

const dataDir = () => mkdtempSync(join(tmpdir(), 'tora-process-'));
const freePort = () => String(20_000 + Math.floor(Math.random() * 20_000));
/** The test run's own database when it is a real server; otherwise each command embeds its own. */
const database = (): Record<string, string> =>
	process.env.TORA_TEST_EMBEDDED ? {} : { DATABASE_URL: process.env.DATABASE_URL! };

/** What every API response carries in both runtimes (functions/_lib/security-headers.ts). */
function expectApiSecurityHeaders(response: Response) {
	expect(response.headers.get('x-content-type-options')).toBe('nosniff');
	expect(response.headers.get('x-frame-options')).toBe('DENY');
	expect(response.headers.get('referrer-policy')).toBe('no-referrer');
	expect(response.headers.get('content-security-policy')).toMatch(
		/default-src 'none'.*frame-ancestors 'none'/
	);
	// Plain http on localhost: no HSTS, and never a cookie or an open CORS door.
	expect(response.headers.get('strict-transport-security')).toBeNull();
	expect(response.headers.get('set-cookie')).toBeNull();
	expect(response.headers.get('access-control-allow-origin')).toBeNull();
}

describe('npm start', () => {
	it('refuses to start without an authentication setup, saying what to set', async () => {
		const server = start(
			'node',
			['--import', 'tsx', 'server/start.ts'],
			cleanEnv({ PORT: freePort(), TORA_DATA_DIR: dataDir() })
		);
		running.push(server);
		expect(await server.exited()).toBe(1);
		expect(server.output()).toMatch(
			/Authentication is not configured: set SUPABASE_URL and SUPABASE_ANON_KEY/
		);
	});

	it('honours an explicit TORA_AUTH=local with a warning', async () => {
		const port = freePort();
		const server = start(
			'node',
			['--import', 'tsx', 'server/start.ts'],
			cleanEnv({ PORT: port, TORA_DATA_DIR: dataDir(), TORA_AUTH: 'local', ...database() })
		);
		running.push(server);
		await server.waitFor(/Tora is running at http:\/\/127\.0\.0\.1:\d+/, 60_000);
		expect(server.output()).toMatch(/WARNING: TORA_AUTH=local/);
		const health = await fetch(`http://127.0.0.1:${port}/api/health`);
		expect(health.status).toBe(200);
		expectApiSecurityHeaders(health);
	});
});

describe('npm run dev:netlify', () => {
	it('serves /api/health and local sign-in through the real `netlify dev`', async () => {
		const port = freePort();
		const netlify = start(
			'node',
			// Static files instead of Vite: this smoke test is about Netlify's function runtime, and
			// Vite's first-run dependency optimisation would only slow it down.
			['--import', 'tsx', 'server/netlify-dev.ts', '--framework', '#static', '--dir', 'site/static'],
			cleanEnv({ PORT: port, TORA_DATA_DIR: dataDir(), ...database() })
		);
		running.push(netlify);
		await netlify.waitFor(/migrations: database at/, 90_000);
		const origin = `http://127.0.0.1:${port}`;
		let health: Response | undefined;
		for (const deadline = Date.now() + 90_000; Date.now() < deadline;) {
			health = await fetch(`${origin}/api/health`).catch(() => undefined);
			if (health?.status === 200) break;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		expect(health?.status, netlify.output()).toBe(200);
		expect((await health!.json()).data.db).toBe('ok');

		// Security headers: functions set theirs (the shared wrapper), static files get netlify.toml's
		// (the page CSP comes from the `_headers` a real build writes; this test serves site/static).
		expectApiSecurityHeaders(health!);
		const crossOrigin = await fetch(`${origin}/api/health`, { headers: { origin: 'https://evil.example' } });
		expect(crossOrigin.headers.get('access-control-allow-origin')).toBeNull();
		const page = await fetch(`${origin}/favicon.svg`);
		expect(page.status).toBe(200);
		expect(page.headers.get('x-content-type-options')).toBe('nosniff');
		expect(page.headers.get('x-frame-options')).toBe('DENY');
		expect(page.headers.get('referrer-policy')).toBe('same-origin');
		expect(page.headers.get('strict-transport-security')).toBeNull();
		expect(page.headers.get('set-cookie')).toBeNull();
		const session = await fetch(`${origin}/api/auth/local`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ email: 'netlify-dev@example.test' })
		});
		expect(session.status).toBe(200);
		expectApiSecurityHeaders(session);

		// A page on another name that resolves to this machine (DNS rebinding) cannot sign in: the
		// functions check the Host themselves here (server/host-allowlist.ts).
		const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
			const req = httpRequest(
				`${origin}/api/auth/local`,
				{ method: 'POST', headers: { host: `evil.example:${port}`, 'content-type': 'application/json' } },
				(res) => {
					let body = '';
					res.on('data', (chunk) => (body += chunk));
					res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
				}
			);
			req.on('error', reject);
			req.end(JSON.stringify({ email: 'victim@example.test' }));
		});
		expect(rebound.status).toBe(403);
		expect(JSON.parse(rebound.body)).toMatchObject({ status: 403, error: { code: 'FORBIDDEN' } });
	}, 300_000);
});
