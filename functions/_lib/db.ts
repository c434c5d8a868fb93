/**
 * One postgres.js pool and one Kysely instance per process, created on first use.
 *
 * - Netlify Functions: a pool of 1 with a short idle timeout, because every warm instance keeps
 *   its own pool and `netlify dev` re-creates instances freely.
 * - Single server (`TORA_RUNTIME=server`): a larger pool shared by every function module.
 * - Supabase's transaction pooler (port 6543, or `?pgbouncer=true`) cannot keep prepared
 *   statements between transactions, so `prepare` is off there.
 */
import { Kysely } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import { requireEnv, optionalEnv } from './config.ts';
import type { Database } from './db-types.ts';

export type Db = Kysely<Database>;
export type Sql = postgres.Sql;

let sqlInstance: Sql | undefined;
let dbInstance: Db | undefined;

export function usesTransactionPooler(databaseUrl: string): boolean {
	const url = new URL(databaseUrl);
	return url.port === '6543' || url.searchParams.get('pgbouncer') === 'true';
}

/** Options shared by every postgres.js pool in the project (functions, server, tests, bench). */
export function postgresOptions(databaseUrl: string, max: number): postgres.Options<Record<string, never>> {
	return {
		max,
		prepare: optionalEnv('TORA_DB_PREPARE') === 'false' ? false : !usesTransactionPooler(databaseUrl),
		connect_timeout: 5,
		idle_timeout: max === 1 ? 5 : 60,
		onnotice: () => {},
		// int8 columns (counts, steps) as numbers: every value we store stays below 2^53.
		types: {
			bigint: {
				to: 20,
				from: [20],
				serialize: (value: number) => String(value),
				parse: (value: string) => Number(value)
			}
		} as unknown as Record<string, never>
	};
}

function poolSize(): number {
	const configured = optionalEnv('TORA_DB_POOL_MAX');
	if (configured) return Math.max(1, Number.parseInt(configured, 10) || 1);
	return process.env.TORA_RUNTIME === 'server' ? 10 : 1;
}

export function getSql(): Sql {
	if (!sqlInstance) {
		const url = requireEnv('DATABASE_URL', 'functions need a Postgres connection string');
		sqlInstance = postgres(url, postgresOptions(url, poolSize()));
	}
	return sqlInstance;
}

export function getDb(): Db {
	dbInstance ??= new Kysely<Database>({ dialect: new PostgresJSDialect({ postgres: getSql() }) });
	return dbInstance;
}

/** Closes the pool (server shutdown, tests). The next getDb() opens a new one. */
export async function closeDb(): Promise<void> {
	const sql = sqlInstance;
	sqlInstance = undefined;
	dbInstance = undefined;
	await sql?.end({ timeout: 5 });
}

const UNAVAILABLE_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EPIPE',
	'ENOTFOUND',
	'CONNECT_TIMEOUT',
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'57P01', // admin_shutdown
	'57P02', // crash_shutdown
	'57P03', // cannot_connect_now
	'53300' // too_many_connections
]);

/** True for errors that mean "the database is not reachable right now", not "the query is wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const code = (error as { code?: unknown }).code;
	if (typeof code !== 'string') return false;
	return UNAVAILABLE_CODES.has(code) || code.startsWith('08');
}
