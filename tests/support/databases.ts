/**
 * Databases for tests: one per run (no resets between tests; every test makes its own users and
 * workspaces), plus throwaway empty ones for tests about migrations themselves.
 */
import postgres from 'postgres';
import { postgresOptions } from '../../functions/_lib/db.ts';
import { startEmbeddedDatabase } from '../../server/embedded-db.ts';

export interface TestDatabase {
	url: string;
	/** Connections to it must not use named prepared statements (PGlite shares one session). */
	embedded: boolean;
	drop(): Promise<void>;
}

/**
 * An empty database: a fresh database on the server named by `TORA_TEST_SERVER_URL` (any
 * database on it; we connect there to create and drop), or an in-memory PGlite.
 */
export async function createEmptyDatabase(label: string): Promise<TestDatabase> {
	const serverUrl = process.env.TORA_TEST_SERVER_URL;
	if (!serverUrl) {
		const embedded = await startEmbeddedDatabase();
		return { url: embedded.url, embedded: true, drop: () => embedded.stop() };
	}
	const name = `tora_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
	const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
	await admin.unsafe(`create database "${name}"`);
	await admin.end();
	const url = new URL(serverUrl);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		embedded: false,
		async drop() {
			const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
			await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
			await cleanup.end();
		}
	};
}

export function connect(database: { url: string; embedded: boolean }, max = 2): postgres.Sql {
	const options = postgresOptions(database.url, max);
	return postgres(database.url, { ...options, prepare: database.embedded ? false : options.prepare });
}
