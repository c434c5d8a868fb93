import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Unit tests live beside the code (`*.test.ts`); integration tests (tests/integration) call the
 * real function handlers and servers against a real database that globalSetup starts once per
 * run: embedded PGlite by default, a fresh database on DATABASE_URL's server when it is set.
 */
export default defineConfig({
	// The site's `$contracts` alias (site/svelte.config.js) and SvelteKit's `$lib`, for site modules
	// under test that import them at runtime.
	resolve: {
		alias: {
			$contracts: fileURLToPath(new URL('./functions/_lib/contracts', import.meta.url)),
			$lib: fileURLToPath(new URL('./site/src/lib', import.meta.url))
		}
	},
	test: {
		include: [
			'functions/**/*.test.ts',
			'server/**/*.test.ts',
			'tests/integration/**/*.test.ts',
			'site/src/**/*.test.ts',
			'sdk/ts/src/**/*.test.ts',
			'sdk/ts/test/**/*.test.ts',
			'scripts/**/*.test.ts'
		],
		globalSetup: ['tests/support/global-setup.ts'],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		// PGlite runs one statement at a time; more workers only queue behind it.
		maxWorkers: 2
	}
});
