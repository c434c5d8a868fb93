/**
 * One database for the whole test run, migrated once, announced to the test workers through the
 * environment they inherit. `DATABASE_URL` set → a fresh database on that server (dropped after);
 * otherwise an embedded in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../server/migrations.ts';
import { migrationsDir } from '../../server/paths.ts';
import { connect, createEmptyDatabase } from './databases.ts';

export default async function setup() {
	if (process.env.DATABASE_URL && !process.env.TORA_TEST_SERVER_URL) {
		process.env.TORA_TEST_SERVER_URL = process.env.DATABASE_URL;
	}
	const database = await createEmptyDatabase('test');
	const sql = connect(database, 1);
	await migrate(sql, migrationsDir);
	await sql.end();

	const dataDir = mkdtempSync(join(tmpdir(), 'tora-test-'));
	Object.assign(process.env, {
		DATABASE_URL: database.url,
		TORA_DB_PREPARE: database.embedded ? 'false' : 'true',
		TORA_TEST_EMBEDDED: database.embedded ? '1' : '',
		TORA_AUTH: 'local',
		TORA_JWT_SECRET: randomBytes(32).toString('base64url'),
		TORA_DATA_DIR: dataDir
	});
	console.log(`[tests] database: ${database.embedded ? 'embedded PGlite (in memory)' : database.url}`);

	return async () => {
		await database.drop();
		rmSync(dataDir, { recursive: true, force: true });
	};
}
