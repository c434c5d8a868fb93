/**
 * The DNS-rebinding guard over real HTTP: in local mode the single server answers only requests
 * whose Host it was told about (server/host-allowlist.ts), for pages and API alike.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes } from '../../server/routes.ts';
import { createStaticHandler } from '../../server/static-files.ts';
import { configure, resetConfig } from '../support/config.ts';

let port: number;
let stop: () => Promise<void>;

beforeAll(async () => {
	const site = mkdtempSync(join(tmpdir(), 'tora-site-'));
	writeFileSync(join(site, 'index.html'), '<h1>landing</h1>');
	writeFileSync(join(site, '200.html'), '<h1>spa</h1>');
	const server = createApp({ routes: await loadRoutes(functionsDir), site: createStaticHandler(site) });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	port = (server.address() as AddressInfo).port;
	stop = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => stop());

afterEach(resetConfig);

interface Answer {
	status: number;
	type: string;
	body: string;
}

/** fetch() will not send a Host of our choosing; node:http does, as a rebound browser would. */
function send(host: string, path: string, method = 'GET', body?: string): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = request(
			{
				host: '127.0.0.1',
				port,
				path,
				method,
				headers: { host, ...(body ? { 'content-type': 'application/json' } : {}) }
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk) => (text += chunk));
				res.on('end', () =>
					resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text })
				);
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}

describe('local mode answers only hosts it was told about', () => {
	it('refuses a rebound hostname: no sign-in, no API, no pages', async () => {
		const evil = `evil.example:${port}`;
		const signIn = await send(
			evil,
			'/api/auth/local',
			'POST',
			JSON.stringify({ email: 'victim@example.test' })
		);
		expect(signIn.status).toBe(403);
		expect(signIn.type).toBe('application/json');
		const envelope = JSON.parse(signIn.body);
		expect(envelope).toMatchObject({ status: 403, error: { code: 'FORBIDDEN' } });
		expect(envelope.error.message).toContain('TORA_ALLOWED_HOSTS');
		expect(signIn.body).not.toContain('access_token');

		const workspaces = await send(evil, '/api/workspaces');
		expect(workspaces.status).toBe(403);
		const page = await send(evil, '/');
		expect(page.status).toBe(403);
		expect(page.type).toMatch(/^text\/plain/);
		expect(page.body).toContain('TORA_ALLOWED_HOSTS');
		expect(page.body).not.toContain('landing');
	});

	it('answers loopback names and IP addresses on any port', async () => {
		for (const host of [
			`localhost:${port}`,
			`127.0.0.1:${port}`,
			`[::1]:${port}`,
			'app.localhost',
			`10.1.2.3:${port}`
		]) {
			const health = await send(host, '/api/health');
			expect(health.status, `${host} ${health.body}`).toBe(200);
			const page = await send(host, '/');
			expect(page.body, host).toContain('landing');
		}
		const signIn = await send(
			`localhost:${port}`,
			'/api/auth/local',
			'POST',
			JSON.stringify({ email: 'me@example.test' })
		);
		expect(signIn.status).toBe(200);
	});

	it('answers the host of TORA_PUBLIC_URL and the names in TORA_ALLOWED_HOSTS', async () => {
		configure({ TORA_PUBLIC_URL: 'https://tora.example.com', TORA_ALLOWED_HOSTS: 'tora.lan,box.internal' });
		for (const host of ['tora.example.com', `tora.lan:${port}`, 'BOX.INTERNAL']) {
			const health = await send(host, '/api/health');
			expect(health.status, `${host} ${health.body}`).toBe(200);
		}
		expect((await send('other.lan', '/api/health')).status).toBe(403);
	});

	it('does not check the Host outside local mode (sign-in needs a real account there)', async () => {
		configure({
			TORA_AUTH: undefined,
			SUPABASE_URL: 'https://project-ref.supabase.co',
			SUPABASE_ANON_KEY: 'anon'
		});
		const health = await send('tora.example.org', '/api/health');
		expect(health.status, health.body).toBe(200);
	});
});
