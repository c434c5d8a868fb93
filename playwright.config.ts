import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests: the built site + the single server (`npm start`'s entry point), driven in
 * Debian's Chromium. Never `npx playwright install` — there is no internet here.
 */
const port = Number(process.env.TORA_E2E_PORT ?? 8950);
// Workers load this file too; the environment carries the first value to them.
process.env.TORA_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'tora-e2e-'));

const chromiumArgs = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-dev-shm-usage'
];

export default defineConfig({
	testDir: 'e2e',
	// `netlify dev` with Vite compiling every page takes minutes on a busy machine: its own step
	// (`npm run test:netlify-dev`, which .ci/run runs after `npm test`), not part of every e2e run.
	testIgnore: process.env.TORA_E2E_NETLIFY_DEV ? [] : ['**/netlify-dev.spec.ts'],
	outputDir: 'test-results',
	fullyParallel: false,
	workers: 1,
	retries: 0,
	forbidOnly: true,
	reporter: [['list']],
	timeout: 30_000,
	use: {
		baseURL: `http://127.0.0.1:${port}`,
		trace: 'retain-on-failure'
	},
	projects: [
		{
			name: 'chromium',
			use: {
				...devices['Desktop Chrome'],
				launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs }
			}
		}
	],
	webServer: {
		// The compiled production server (`npm run build` writes build/server/, as it writes
		// site/build), run by node directly (not npm) so stopping the server stops the whole thing.
		command: 'node build/server/start.js',
		url: `http://127.0.0.1:${port}/api/health`,
		reuseExistingServer: false,
		timeout: 120_000,
		stdout: 'pipe',
		stderr: 'pipe',
		env: {
			PORT: String(port),
			HOST: '127.0.0.1',
			TORA_AUTH: 'local',
			TORA_DATA_DIR: process.env.TORA_E2E_DATA_DIR
		}
	}
});
