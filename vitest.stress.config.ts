import { defineConfig } from 'vitest/config';

/**
 * `npm run test:stress`: long-running correctness checks on big data (and, later, load and
 * fault tests). Same database setup as the main suite; CI runs it on the PostgreSQL server.
 */
export default defineConfig({
	test: {
		include: ['tests/stress/**/*.test.ts'],
		globalSetup: ['tests/support/global-setup.ts'],
		testTimeout: 900_000,
		hookTimeout: 120_000
	}
});
