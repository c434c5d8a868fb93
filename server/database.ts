/**
 * The database the single server (and the migrate command) uses: `DATABASE_URL` when set,
 * otherwise the embedded PGlite in the data directory. Either way, migrations are applied
 * before anything is served.
 */
import postgres from 'postgres';
import { settingValue, type ToraConfig } from '../functions/_lib/config.ts';
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

export async function prepareDatabase(
	config: ToraConfig,
	log: (line: string) => void
): Promise<PreparedDatabase> {
	const configured = config.databaseUrl;
	const embedded = configured
		? undefined
		: await startEmbeddedDatabase({
				dataDir: dataDir(config),
				tcpPort: settingValue(config.embeddedTcpPort),
				idleInTransactionMs: settingValue(config.embeddedIdleInTransactionMs),
				log
			});
	const url = configured ?? embedded!.url;
	if (embedded) {
		log(`embedded database (PGlite) in ${dataDir(config)}: Unix socket, new password each start`);
		// The file's path, never the URL: that holds the password.
		const tcp =
			embedded.toolsUrl === embedded.url ? '' : ` (TCP on 127.0.0.1:${new URL(embedded.toolsUrl).port})`;
		log(
			`embedded database: connection URL for tools (psql, supabase --db-url) in ${embedded.toolsUrlFile}${tcp}`
		);
	}
	const sql = postgres(url, postgresOptions(url, 1, usesPreparedStatements(config, Boolean(embedded))));
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

/** Named prepared statements would live in the embedded database's one shared session: never there. */
function usesPreparedStatements(config: ToraConfig, embedded: boolean): boolean {
	return config.dbPrepare && !embedded;
}

/** The configuration the function modules run with once `database` is the one prepared. */
export function withDatabase(config: ToraConfig, database: PreparedDatabase): ToraConfig {
	return {
		...config,
		databaseUrl: database.url,
		dbPrepare: usesPreparedStatements(config, database.embedded)
	};
}
