import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb } from '../../functions/_lib/db.ts';
import { createApp } from '../../server/app.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes } from '../../server/routes.ts';
import { createStaticHandler } from '../../server/static-files.ts';
import { api, expectEnvelope } from '../support/api.ts';
import { configure, resetConfig } from '../support/config.ts';

/** The single server over real HTTP, with a tiny stand-in for site/build. */
let origin: string;
let stop: () => Promise<void>;

beforeAll(async () => {
	const site = mkdtempSync(join(tmpdir(), 'tora-site-'));
	writeFileSync(join(site, 'index.html'), '<h1>landing</h1>');
	writeFileSync(join(site, '200.html'), '<h1>spa</h1>');
	writeFileSync(join(site, 'signin.html'), '<h1>signin</h1>');
	mkdirSync(join(site, '_app/immutable'), { recursive: true });
	writeFileSync(join(site, '_app/immutable/app.js'), 'export {}');
	const server = createApp({ routes: await loadRoutes(functionsDir), site: createStaticHandler(site) });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	stop = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => stop());

async function fetchJson(path: string, init?: RequestInit) {
	const response = await fetch(origin + path, init);
	return { status: response.status, headers: response.headers, body: await response.json() };
}

describe('single server routing', () => {
	it('serves /api/health from the database', async () => {
		const health = await fetchJson('/api/health');
		expect(health.status).toBe(200);
		expect(health.body.data).toMatchObject({ db: 'ok', migration: expect.stringMatching(/^\d{14}$/) });
	});

	it('answers unknown API paths with the 404 envelope and wrong methods with 405 + Allow', async () => {
		const missing = await fetchJson('/api/no-such-thing');
		expect(missing).toMatchObject({ status: 404, body: { status: 404, error: { code: 'NOT_FOUND' } } });
		const wrong = await fetchJson('/api/health', { method: 'DELETE' });
		expect(wrong).toMatchObject({
			status: 405,
			body: { status: 405, error: { code: 'METHOD_NOT_ALLOWED' } }
		});
		expect(wrong.headers.get('allow')).toBe('GET');
	});

	it('rejects a body over the limit with 413 before parsing it', async () => {
		const huge = JSON.stringify({ email: `${'a'.repeat(200_000)}@example.test` });
		const result = await fetchJson('/api/auth/local', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: huge
		});
		expect(result).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
		expect(result.body.error.message).toMatch(/64 KB/);
	});

	it('serves site files, clean URLs and the SPA fallback; missing assets are 404', async () => {
		expect(await (await fetch(`${origin}/`)).text()).toContain('landing');
		expect(await (await fetch(`${origin}/signin`)).text()).toContain('signin');
		const deepLink = await fetch(`${origin}/experiments/123`);
		expect(deepLink.status).toBe(200);
		expect(await deepLink.text()).toContain('spa');
		const asset = await fetch(`${origin}/_app/immutable/app.js`);
		expect(asset.headers.get('cache-control')).toContain('immutable');
		expect((await fetch(`${origin}/_app/immutable/missing.js`)).status).toBe(404);
		expect((await fetch(`${origin}/..%2f..%2fetc%2fpasswd.txt`)).status).toBe(404);
	});
});

describe('database outage', () => {
	it('answers 503 with the envelope, without internals, and recovers when the database returns', async () => {
		await closeDb();
		configure({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
		try {
			const down = await api('GET', '/api/health');
			expectEnvelope(down, 503, 'UNAVAILABLE');
			expect(down.headers.get('retry-after')).toBe('2');
			expect(JSON.stringify(down.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stack/);
		} finally {
			await closeDb();
			resetConfig();
		}
		expect((await api('GET', '/api/health')).status).toBe(200);
	});
});
