import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { cleanEnv, start, type Started } from '../tests/support/processes.ts';

/**
 * `npm run dev:netlify` on a checkout that has been built (this layer runs after the site build):
 * the real `netlify dev` with Vite must serve every page, not the prerendered files of site/build
 * (which once shadowed the routes: `/dashboard` became `/dashboard.html`, which Vite has not).
 */
let netlify: Started | undefined;
test.afterAll(async () => {
	await netlify?.stop();
});

test('every page route and an API call answer through netlify dev with site/build present', async ({
	page
}) => {
	test.setTimeout(600_000);
	expect(existsSync('site/build/dashboard.html'), 'the site build must have run first').toBe(true);
	const port = String(21_000 + Math.floor(Math.random() * 10_000));
	netlify = start(
		'node',
		['--import', 'tsx', 'server/netlify-dev.ts'],
		cleanEnv({ PORT: port, TORA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tora-netlify-dev-')) })
	);
	await netlify.waitFor(/Local dev server ready/, 240_000);
	const origin = `http://127.0.0.1:${port}`;

	const health = await page.request.get(`${origin}/api/health`);
	expect(health.status(), netlify.output()).toBe(200);

	// Every page route answers with the page Vite renders, not a 404 for the prerendered file. Vite compiles each page on its first request: generous timeouts.
	for (const path of [
		'/',
		'/docs',
		'/signin',
		'/dashboard',
		'/settings',
		'/compare',
		'/experiments/00000000-0000-4000-8000-000000000000'
	]) {
		const response = await page.request.get(`${origin}${path}`, { timeout: 180_000 });
		expect(response.status(), `${path}\n${netlify.output()}`).toBe(200);
		// Rendered by Vite's dev server, not a prerendered file of site/build (which loads /_app/immutable/).
		const html = await response.text();
		expect(html, path).toContain('<html');
		expect(html, path).not.toContain('/_app/immutable/');
	}
	expect(netlify.output()).not.toMatch(/\[404\] GET \/(dashboard|signin|docs|settings|compare|index)\.html/);
});
