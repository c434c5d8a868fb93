import { defineConfig } from 'vitest/config';

/**
 * `npm run test:stress`: long-running correctness checks on big data, load (1,000 connections)
 * and faults (the PostgreSQL server restarted mid-ingest). Same database setup as the main suite;
 * CI runs it on the PostgreSQL server. Load and fault tests say why when they do not apply.
 */
// Load and faults need a PostgreSQL server (PGlite serializes every statement and cannot be
// restarted under a running server); .ci/run always sets DATABASE_URL.
const needsServer = [
	'tests/stress/load.test.ts',
	'tests/stress/faults.test.ts',
	// Compares the embedded database with the PostgreSQL server.
	'tests/stress/export-parity.test.ts'
];
if (!process.env.DATABASE_URL) {
	console.log(`[stress] without DATABASE_URL, not running: ${needsServer.join(', ')}`);
}

export default defineConfig({
	test: {
		include: ['tests/stress/**/*.test.ts'],
		exclude: process.env.DATABASE_URL ? [] : needsServer,
		globalSetup: ['tests/support/global-setup.ts'],
		// One file at a time: the fault test stops the PostgreSQL server, and the load test needs
		// the machine to itself.
		fileParallelism: false,
		testTimeout: 900_000,
		hookTimeout: 120_000
	}
});
