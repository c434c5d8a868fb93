import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createStaticHandler, sitePath } from './static-files.ts';

describe('sitePath', () => {
	it.each([
		['/', '/'],
		['/signin', '/signin'],
		['/docs/', '/docs/'],
		['/%2f_headers', '/_headers'],
		['/x/..%2f_headers', '/_headers'],
		['/%5fheaders', '/_headers'],
		['//a//b/./c', '/a/b/c'],
		['/a/b/..', '/a/'],
		['/a/%2e%2e/b', '/b'],
		['/%252f_headers', '/%2f_headers'],
		['/caf%C3%A9', '/café']
	])('%s is the file %s', (pathname, file) => {
		expect(sitePath(pathname)).toBe(file);
	});

	it.each([
		'/_headers%00',
		'/a%00b.js',
		'/%1b]0;x%07',
		'/..%2f..%2fpackage.json',
		'/x/../../package.json',
		'/..%5c..%5cpackage.json',
		'/a\\b',
		'/%E0%A4%A',
		'/%'
	])('%s names no file', (pathname) => {
		expect(sitePath(pathname)).toBeUndefined();
	});
});

/** The single server over real HTTP with a site that has Netlify config files and a secret next to it. */
let port: number;
let stop: () => Promise<void>;

beforeAll(async () => {
	const parent = mkdtempSync(join(tmpdir(), 'tora-static-'));
	writeFileSync(join(parent, 'package.json'), '{"secret": "OUTSIDE-THE-SITE"}');
	const site = join(parent, 'site');
	mkdirSync(join(site, '_app/immutable'), { recursive: true });
	writeFileSync(join(site, 'index.html'), '<h1>landing</h1>');
	writeFileSync(join(site, '200.html'), '<h1>spa</h1>');
	writeFileSync(join(site, '_headers'), '/*\n  X-Secret-Config: HEADERS-FILE\n');
	writeFileSync(join(site, '_redirects'), '/old /new REDIRECTS-FILE\n');
	writeFileSync(join(site, '_app/immutable/app.js'), 'export {}');
	const server = createApp({ routes: [], site: createStaticHandler(site), authRateLimit: false });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	port = (server.address() as AddressInfo).port;
	stop = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => stop());

/** The path goes out exactly as written (fetch would normalise it first). */
function get(path: string): Promise<{ status: number; cache: string; body: string }> {
	return new Promise((resolve, reject) => {
		const req = request({ host: '127.0.0.1', port, path }, (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (chunk) => (body += chunk));
			res.on('end', () =>
				resolve({ status: res.statusCode ?? 0, cache: String(res.headers['cache-control']), body })
			);
		});
		req.on('error', reject);
		req.end();
	});
}

describe('the static handler judges the path it will open', () => {
	it.each([
		'/_headers',
		'/_redirects',
		'/_HEADERS',
		'/%2f_headers',
		'/%2F_redirects',
		'/x/..%2f_headers',
		'/x/..%2F..%2Fx/..%2f_headers',
		'/%5fheaders',
		'/%5F_headers',
		'/.%2f_headers',
		'/%2e/_headers',
		'/_headers/.',
		'/_headers%00',
		'/_headers%00.html',
		'/x%5c..%5c_headers',
		'/%252f_headers',
		'/%255fheaders',
		'//x/_headers',
		'//_headers'
	])('never serves Netlify config through %s', async (path) => {
		const answer = await get(path);
		expect(answer.body).not.toMatch(/HEADERS-FILE|REDIRECTS-FILE/);
	});

	it.each(['/%2f_headers', '/x/..%2f_headers', '/%5fheaders', '/_headers%00', '/%E0%A4%A'])(
		'answers %s with 404',
		async (path) => {
			expect((await get(path)).status).toBe(404);
		}
	);

	it.each([
		'//%5c/package.json',
		'//x/..%2f..%2fpackage.json',
		'/..%2f..%2fpackage.json',
		'/..%2fpackage.json',
		'/%2e%2e%2fpackage.json',
		'/x/..%2f..%2fpackage.json'
	])('never leaves the site root through %s', async (path) => {
		const answer = await get(path);
		expect(answer.status).toBe(404);
		expect(answer.body).not.toContain('OUTSIDE-THE-SITE');
	});

	it('caches only real immutable assets as immutable', async () => {
		expect((await get('/_app/immutable/app.js')).cache).toContain('immutable');
		const page = await get('/_app/immutable/..%2f..%2findex.html');
		expect(page.body).toContain('landing');
		expect(page.cache).not.toContain('immutable');
	});

	it('still serves files, clean URLs and the SPA fallback', async () => {
		expect((await get('/')).body).toContain('landing');
		expect((await get('/x/..%2findex.html')).body).toContain('landing');
		expect((await get('/experiments/abc')).body).toContain('spa');
		expect((await get('/_app/immutable/missing.js')).status).toBe(404);
	});
});
