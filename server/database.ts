/**
 * The database the single server (and the migrate command) uses: `DATABASE_URL` when set,
 * otherwise the embedded PGlite in the data directory. Either way, migrations are applied
 * before anything is served.
 */
import postgres from 'postgres';
import { postgresOptions } from '../functions/_lib/db.ts';
import { startEmbeddedDatabase } from './embedded-db.ts';
import { migrate, type MigrationReport } from './migrations.ts';
import { dataDir, migrationsDir } from './paths.ts';

export interface PreparedDatabase {
	url: string;
	embedded: boolean;
	migrations: MigrationReport;
	stop(): Promise<void>;
}

export async function prepareDatabase(log: (line: string) => void): Promise<PreparedDatabase> {
	const configured = process.env.DATABASE_URL;
	const embedded = configured ? undefined : await startEmbeddedDatabase({ dataDir: dataDir() });
	const url = configured ?? embedded!.url;
	if (embedded) {
		log(`embedded database (PGlite) in ${dataDir()}`);
		process.env.TORA_DB_PREPARE = 'false';
	}
	const sql = postgres(url, postgresOptions(url, 1));
	try {
		const migrations = await migrate(sql, migrationsDir, (line) => log(`migrations: ${line}`));
		log(`migrations: database at ${migrations.current ?? 'nothing applied'}`);
		return { url, embedded: Boolean(embedded), migrations, stop: async () => embedded?.stop() };
	} catch (error) {
		await embedded?.stop();
		throw error;
	} finally {
		await sql.end({ timeout: 5 });
	}
}
