/**
 * Deployment defaults on the single server (the real app over real HTTP): security headers on
 * every API response and page, a page CSP that allows exactly the site's inline scripts and the
 * configured Supabase URL, HSTS only over HTTPS to a real host, no cookies, and CORS closed
 * unless TORA_CORS_ORIGINS opens it. The Netlify side: the `_headers` file the build writes and
 * the netlify.toml rules (checked live against `netlify dev` in processes.test.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/paths.ts';
import { createStaticHandler } from '../../server/static-files.ts';
import { writeHeadersFile } from '../../server/site-headers.mjs';
import { signIn } from '../support/api.ts';
import { configure, resetConfig } from '../support/config.ts';
import { startInProcessServer, type RunningServer } from '../support/fuzz-world.ts';

const THEME_SCRIPT = "document.documentElement.classList.add('dark');";
const START_SCRIPT = '\n\t\t\tconsole.log("start");\n\t\t';
const sha = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** A stand-in for site/build: two pages with inline scripts, one with an external script. */
function fakeSite(): string {
	const dir = mkdtempSync(join(tmpdir(), 'tora-headers-site-'));
	const page = (scripts: string) => `<!doctype html><html><head>${scripts}</head><body></body></html>`;
	writeFileSync(
		join(dir, 'index.html'),
		page(`<script>${THEME_SCRIPT}</script><script src="/a.js"></script>`)
	);
	writeFileSync(
		join(dir, '200.html'),
		page(`<script>${THEME_SCRIPT}</script><script>${START_SCRIPT}</script>`)
	);
	writeFileSync(join(dir, 'a.js'), 'export {}');
	return dir;
}

let server: RunningServer;
let token: string;

beforeAll(async () => {
	server = await startInProcessServer({ site: createStaticHandler(fakeSite()) });
	token = (await signIn()).token;
});
afterAll(() => server.close());
afterEach(resetConfig);

const get = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
	fetch(server.origin + path, { ...init, headers });

function directives(policy: string | null): Map<string, string> {
	return new Map(
		(policy ?? '')
			.split(';')
			.map((part) => part.trim())
			.filter(Boolean)
			.map((part) => {
				const [name, ...values] = part.split(/\s+/);
				return [name, values.join(' ')] as [string, string];
			})
	);
}

function expectCommonHeaders(response: Response) {
	expect(response.headers.get('x-content-type-options')).toBe('nosniff');
	expect(response.headers.get('x-frame-options')).toBe('DENY');
	expect(response.headers.get('referrer-policy')).toMatch(/^(no-referrer|same-origin)$/);
	expect(directives(response.headers.get('content-security-policy')).get('frame-ancestors')).toBe("'none'");
	expect(response.headers.get('set-cookie')).toBeNull();
	expect(response.headers.get('access-control-allow-origin')).toBeNull();
	expect(response.headers.get('strict-transport-security')).toBeNull();
}

describe('security headers on the single server', () => {
	it('puts them on every kind of API response, with a policy that lets nothing run', async () => {
		const responses = [
			await get('/api/health'),
			await get('/api/me', { authorization: `Bearer ${token}` }),
			await get('/api/me'),
			await get('/api/me', { 'x-api-key': 'tora_sk_wrong' }),
			await get('/api/no-such-route'),
			await get('/api/health', {}, { method: 'DELETE' }),
			await get('/api/auth/local', { 'content-type': 'text/plain' }, { method: 'POST', body: 'x' }),
			await get(
				'/api/auth/local',
				{ 'content-type': 'application/json' },
				{ method: 'POST', body: JSON.stringify({ email: 'x'.repeat(70_000) }) }
			)
		];
		expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 401, 404, 405, 400, 413]);
		for (const response of responses) {
			expectCommonHeaders(response);
			const csp = directives(response.headers.get('content-security-policy'));
			expect(csp.get('default-src')).toBe("'none'");
			expect(response.headers.get('cache-control')).toBe('no-store');
		}
	});

	it('gives pages a CSP allowing our origin, the hashed inline scripts and the Supabase URL only', async () => {
		configure({ SUPABASE_URL: 'https://project-ref.supabase.co/' });
		for (const path of ['/', '/some/client/route', '/a.js', '/missing.png']) {
			const response = await get(path);
			expectCommonHeaders(response);
			const csp = directives(response.headers.get('content-security-policy'));
			expect(csp.get('default-src')).toBe("'self'");
			expect(csp.get('script-src')!.split(' ').sort()).toEqual(
				["'self'", sha(THEME_SCRIPT), sha(START_SCRIPT)].sort()
			);
			expect(csp.get('connect-src')).toBe("'self' https://project-ref.supabase.co");
			expect(csp.get('object-src')).toBe("'none'");
			expect(csp.get('base-uri')).toBe("'self'");
			expect(response.headers.get('referrer-policy')).toBe('same-origin');
		}
		configure({ SUPABASE_URL: undefined });
		const local = directives((await get('/')).headers.get('content-security-policy'));
		expect(local.get('connect-src')).toBe("'self'");
	});

	it('never serves the Netlify config files the build writes', async () => {
		expect((await get('/_headers')).status).toBe(404);
	});

	it('sends HSTS only over HTTPS to a non-loopback host', async () => {
		// fetch cannot set Host; node:http can.
		const hsts = (path: string, headers: Record<string, string>) =>
			new Promise<string | undefined>((resolve, reject) => {
				const req = httpRequest(server.origin + path, { headers, agent: false }, (res) => {
					res.resume();
					res.on('end', () => resolve(res.headers['strict-transport-security']));
				});
				req.on('error', reject);
				req.end();
			});
		// Local mode answers only hosts it was told about (server/host-allowlist.ts).
		configure({ TORA_ALLOWED_HOSTS: 'tora.example.com' });
		try {
			for (const path of ['/api/health', '/']) {
				expect(await hsts(path, { 'x-forwarded-proto': 'https', host: 'tora.example.com' })).toMatch(
					/^max-age=\d{8,}; includeSubDomains$/
				);
				expect(await hsts(path, { host: 'tora.example.com' })).toBeUndefined();
				expect(await hsts(path, { 'x-forwarded-proto': 'https', host: 'localhost:1' })).toBeUndefined();
				expect(await hsts(path, { 'x-forwarded-proto': 'https', host: '127.0.0.1:1' })).toBeUndefined();
			}
		} finally {
			resetConfig();
		}
	});
});

describe('CORS', () => {
	const preflight = (origin: string, method = 'POST') =>
		get(
			'/api/experiments',
			{
				origin,
				'access-control-request-method': method,
				'access-control-request-headers': 'authorization, content-type'
			},
			{ method: 'OPTIONS' }
		);

	it('is closed by default: no allow-origin on responses, preflights answered without allowing', async () => {
		const response = await get('/api/health', { origin: 'https://evil.example' });
		expect(response.status).toBe(200);
		expect(response.headers.get('access-control-allow-origin')).toBeNull();
		const answer = await preflight('https://evil.example');
		expect(answer.status).toBe(204);
		for (const [name] of answer.headers) expect(name).not.toMatch(/^access-control-allow-/);
	});

	it('opens only to the origins in TORA_CORS_ORIGINS, never with credentials', async () => {
		configure({ TORA_CORS_ORIGINS: 'https://app.example, http://localhost:3000' });
		const allowed = await preflight('https://app.example');
		expect(allowed.status).toBe(204);
		expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
		expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
		expect(allowed.headers.get('access-control-allow-headers')).toContain('x-api-key');
		expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
		expect(allowed.headers.get('vary')).toMatch(/origin/i);

		const read = await get('/api/me', { origin: 'http://localhost:3000', authorization: `Bearer ${token}` });
		expect(read.status).toBe(200);
		expect(read.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');

		for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'null']) {
			const refused = await preflight(origin);
			expect(refused.headers.get('access-control-allow-origin')).toBeNull();
			expect(refused.headers.get('access-control-allow-methods')).toBeNull();
			expect((await get('/api/health', { origin })).headers.get('access-control-allow-origin')).toBeNull();
		}
		// A method the path does not take is not allowed either.
		expect(
			(await preflight('https://app.example', 'DELETE')).headers.get('access-control-allow-origin')
		).toBeNull();
		// Pages are never opened cross-origin.
		expect(
			(await get('/', { origin: 'https://app.example' })).headers.get('access-control-allow-origin')
		).toBeNull();
	});

	it('answers OPTIONS on unknown API paths with the 404 envelope', async () => {
		const response = await get(
			'/api/nothing-here',
			{ origin: 'https://evil.example' },
			{ method: 'OPTIONS' }
		);
		expect(response.status).toBe(404);
		expect((await response.json()).error.code).toBe('NOT_FOUND');
	});
});

describe('Netlify static headers', () => {
	it('writes _headers with the page CSP (Supabase URL, script hashes) and HSTS when built on Netlify', () => {
		const site = fakeSite();
		writeHeadersFile(site, { SUPABASE_URL: 'https://ref.supabase.co', NETLIFY: 'true' });
		const text = readFileSync(join(site, '_headers'), 'utf8');
		expect(text).toMatch(/^\/\*$/m);
		const csp = directives(/^ {2}Content-Security-Policy: (.*)$/m.exec(text)?.[1] ?? null);
		expect(csp.get('connect-src')).toBe("'self' https://ref.supabase.co");
		expect(csp.get('script-src')).toContain(sha(START_SCRIPT));
		expect(csp.get('frame-ancestors')).toBe("'none'");
		expect(text).toMatch(/^ {2}Strict-Transport-Security: max-age=\d+/m);

		writeHeadersFile(site, {});
		const local = readFileSync(join(site, '_headers'), 'utf8');
		expect(local).not.toMatch(/strict-transport-security/i);
		expect(local).toContain("connect-src 'self';");
	});

	it('sends the deployment-independent headers for every path from netlify.toml', () => {
		const toml = readFileSync(join(repoRoot, 'netlify.toml'), 'utf8');
		const block =
			/\[\[headers\]\]\s*\n\s*for = "\/\*"\s*\n\s*\[headers\.values\]\n((?:\s+\S+ = ".*"\n)+)/.exec(toml);
		expect(block, 'netlify.toml has a [[headers]] block for "/*"').not.toBeNull();
		const values = Object.fromEntries(
			[...block![1].matchAll(/(\S+) = "(.*)"/g)].map(([, name, value]) => [name.toLowerCase(), value])
		);
		expect(values).toMatchObject({
			'x-content-type-options': 'nosniff',
			'x-frame-options': 'DENY',
			'referrer-policy': 'same-origin'
		});
		// The CSP has one source, the generated _headers: Netlify warns about a header set in both.
		expect(values['content-security-policy']).toBeUndefined();
	});
});
