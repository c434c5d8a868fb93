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
	const embedded = configured
		? undefined
		: await startEmbeddedDatabase({ dataDir: dataDir(), tcpPort: tcpPortFromEnv(), log });
	const url = configured ?? embedded!.url;
	if (embedded) {
		log(`embedded database (PGlite) in ${dataDir()}: Unix socket, new password each start`);
		// The file's path, never the URL: that holds the password.
		const tcp =
			embedded.toolsUrl === embedded.url ? '' : ` (TCP on 127.0.0.1:${new URL(embedded.toolsUrl).port})`;
		log(
			`embedded database: connection URL for tools (psql, supabase --db-url) in ${embedded.toolsUrlFile}${tcp}`
		);
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

/** `TORA_EMBEDDED_TCP_PORT`: also serve the embedded database on 127.0.0.1 for tools (0: any port). */
function tcpPortFromEnv(): number | undefined {
	const configured = process.env.TORA_EMBEDDED_TCP_PORT;
	if (!configured) return undefined;
	const port = Number(configured);
	if (!Number.isInteger(port) || port < 0 || port > 65_535) {
		throw new Error(`TORA_EMBEDDED_TCP_PORT must be a port number (0–65535), not "${configured}"`);
	}
	return port;
}
