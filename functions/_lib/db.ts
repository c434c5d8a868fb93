/**
 * One postgres.js pool and one Kysely instance per process, created on first use.
 *
 * - Netlify Functions: a pool of 1 with a short idle timeout, because every warm instance keeps
 *   its own pool and `netlify dev` re-creates instances freely.
 * - Single server (runtime `server` in its configuration): a larger pool shared by every
 *   function module.
 * - Supabase's transaction pooler (port 6543, or `?pgbouncer=true`) cannot keep prepared
 *   statements between transactions, so `prepare` is off there.
 *
 * Which database, how large a pool and whether to prepare come from the configuration
 * (`getConfig()`, functions/_lib/config.ts), never from the environment directly.
 */
import {
	CompiledQuery,
	Kysely,
	PostgresAdapter,
	PostgresDriver,
	PostgresIntrospector,
	PostgresQueryCompiler,
	type DatabaseConnection,
	type Dialect,
	type QueryResult,
	type TransactionSettings
} from 'kysely';
import { createConnection, type Socket } from 'node:net';
import postgres from 'postgres';
import { ConfigError, getConfig } from './config.ts';
import type { Database } from './db-types.ts';

export type Db = Kysely<Database>;
export type Sql = postgres.Sql;

let sqlInstance: Sql | undefined;
let dbInstance: Db | undefined;

export function usesTransactionPooler(databaseUrl: string): boolean {
	const url = new URL(databaseUrl);
	return url.port === '6543' || url.searchParams.get('pgbouncer') === 'true';
}

/**
 * Options shared by every postgres.js pool in the project (functions, server, tests, bench).
 * `prepare: false` turns prepared statements off (`TORA_DB_PREPARE=false`, the embedded database);
 * the transaction pooler turns them off whatever it says.
 */
export function postgresOptions(
	databaseUrl: string,
	max: number,
	prepare = true
): postgres.Options<Record<string, never>> {
	return {
		max,
		prepare: prepare && !usesTransactionPooler(databaseUrl),
		connect_timeout: 5,
		// postgres.js's default reconnect backoff grows to 20 s after a few failed attempts, and
		// queries wait for it: a database that was down for 5 s kept requests hanging for 15 s
		// after it came back. At most 1 s: down → 503 at once; back → serving within a second.
		backoff: (retries: number) => Math.min(0.1 * retries, 1),
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
		} as unknown as Record<string, never>,
		// No JIT: our queries are short, and a filtered list whose correlated subqueries inflate
		// the planner's cost estimate spent 590 ms compiling on a 1.3 s run (bench P11). Sent as a
		// startup parameter, which the transaction pooler does not take: there, set it per role.
		...(usesTransactionPooler(databaseUrl) ? {} : { connection: { jit: 'off' } }),
		...unixSocket(databaseUrl)
	};
}

/**
 * libpq's URL form for a Unix socket, `postgres://user:pw@localhost/db?host=/socket/dir` (psql and
 * the Supabase CLI read it; the embedded database hands out such URLs). postgres.js takes a socket
 * directory only from its `host` option, and would send the `host` query parameter to the server
 * as a startup parameter, which Postgres refuses: this connects to `<dir>/.s.PGSQL.<port>` itself
 * (postgres.js's documented `socket` option) and drops that parameter first.
 */
function unixSocket(databaseUrl: string): postgres.Options<Record<string, never>> {
	const dir = new URL(databaseUrl).searchParams.get('host');
	if (!dir?.startsWith('/')) return {};
	const socket = (parsed: { path: string; connection: Record<string, string> }) =>
		new Promise<Socket>((resolve, reject) => {
			delete parsed.connection.host;
			const connection = createConnection(parsed.path);
			connection.once('error', reject);
			connection.once('connect', () => {
				connection.off('error', reject);
				resolve(connection);
			});
		});
	return { host: dir, socket } as postgres.Options<Record<string, never>>;
}

export function getSql(): Sql {
	if (!sqlInstance) {
		const { databaseUrl, dbPoolMax, dbPrepare } = getConfig();
		if (!databaseUrl) {
			throw new ConfigError('DATABASE_URL is not set: functions need a Postgres connection string');
		}
		sqlInstance = postgres(databaseUrl, postgresOptions(databaseUrl, dbPoolMax, dbPrepare));
	}
	return sqlInstance;
}

export function getDb(): Db {
	dbInstance ??= new Kysely<Database>({ dialect: pooledDialect(getSql()) });
	return dbInstance;
}

/** Beyond this many parameters a select is a bulk one whose text varies; see `prepares`. */
const MAX_PREPARED_PARAMETERS = 32;

/**
 * Kysely over the postgres.js pool. A plain query runs on the pool itself, so postgres.js can
 * pipeline many of them over its connections; only a transaction reserves a connection, from
 * `begin` to its release. (kysely-postgres-js reserves one for every query, which caps the
 * queries in flight at the pool size and costs a round of pool bookkeeping each time.) Every API
 * figure in bench/RESULTS.md (P1 latency and throughput, P7 connections, P9 lists) goes through
 * this driver; a change to it is a change to a measured hot path: re-run those benches.
 */
class PooledConnection implements DatabaseConnection {
	#reserved: postgres.ReservedSql | undefined;
	constructor(private readonly sql: Sql) {}

	async reserve(): Promise<void> {
		this.#reserved ??= await this.sql.reserve();
	}

	release(): void {
		this.#reserved?.release();
		this.#reserved = undefined;
	}

	async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
		const result = await (this.#reserved ?? this.sql).unsafe(query.sql, [...query.parameters] as never[], {
			prepare: this.prepares(query)
		});
		const { command, count } = result;
		// Kysely's commit reads the tag: PostgreSQL answers COMMIT with ROLLBACK in an aborted transaction.
		if (command === 'COMMIT' || command === 'ROLLBACK') return { rows: [{ command }] as R[] };
		const changed =
			command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
		return { numAffectedRows: changed ? BigInt(count) : undefined, rows: Array.from(result) as R[] };
	}

	/**
	 * Prepared statements save the server a parse and plan per query: worth it for the hot reads.
	 * Writes stay unnamed: an `insert ... on conflict (...) where status = $1` can only infer a
	 * partial unique index from the value itself, which the generic plan PostgreSQL switches a
	 * prepared statement to after five runs does not have. And postgres.js keeps every distinct
	 * statement for the connection's life, so selects with long (variable) parameter lists stay
	 * unnamed too.
	 */
	private prepares(query: CompiledQuery): boolean {
		return (
			this.sql.options.prepare &&
			query.query.kind === 'SelectQueryNode' &&
			query.parameters.length <= MAX_PREPARED_PARAMETERS
		);
	}

	async *streamQuery<R>(query: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
		const cursor = (this.#reserved ?? this.sql)
			.unsafe(query.sql, [...query.parameters] as never[])
			.cursor(chunkSize);
		for await (const rows of cursor) yield { rows: rows as R[] };
	}
}

class PooledDriver extends PostgresDriver {
	constructor(private readonly sql: Sql) {
		super({ pool: undefined as never });
	}
	override async init(): Promise<void> {}
	override async acquireConnection(): Promise<DatabaseConnection> {
		return new PooledConnection(this.sql);
	}
	override async beginTransaction(
		connection: DatabaseConnection,
		settings: TransactionSettings
	): Promise<void> {
		await (connection as PooledConnection).reserve();
		await super.beginTransaction(connection, settings);
	}
	// The base class marks a pg client for discard when rollback fails; postgres.js replaces broken
	// connections itself, so the error only needs to reach the caller.
	override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
		await connection.executeQuery(CompiledQuery.raw('rollback'));
	}
	override async releaseConnection(connection: DatabaseConnection): Promise<void> {
		(connection as PooledConnection).release();
	}
	override async destroy(): Promise<void> {
		await this.sql.end();
	}
}

function pooledDialect(sql: Sql): Dialect {
	return {
		createAdapter: () => new PostgresAdapter(),
		createDriver: () => new PooledDriver(sql),
		createIntrospector: (db) => new PostgresIntrospector(db),
		createQueryCompiler: () => new PostgresQueryCompiler()
	};
}

/**
 * Closes the pool (server shutdown, tests): queries in flight get `timeoutSeconds` to finish
 * before their connections are closed under them. The next getDb() opens a new one.
 */
export async function closeDb(timeoutSeconds = 5): Promise<void> {
	const sql = sqlInstance;
	sqlInstance = undefined;
	dbInstance = undefined;
	await sql?.end({ timeout: timeoutSeconds });
}

/** postgres.js's own errors for a connection that could not be made or was lost. */
const DRIVER_CONNECTION_CODES = new Set([
	'CONNECT_TIMEOUT',
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED'
]);

/** Socket errors, as the driver passes them on from its connection to the database. */
const SOCKET_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EPIPE',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH'
]);

/** SQLSTATEs of a server that cannot take the session (besides class 08, connection exceptions). */
const SERVER_UNAVAILABLE_STATES = new Set([
	'57P01', // admin_shutdown
	'57P02', // crash_shutdown
	'57P03', // cannot_connect_now
	'53300' // too_many_connections
]);

/**
 * True for errors that mean "the database is not reachable right now", not "the query is wrong"
 * and not "the client went away". A code alone does not say whose connection broke: the request
 * stream of a client that hangs up mid-upload fails with ECONNRESET too. So each kind is taken
 * only from where the database connection produces it: SQLSTATEs from the server's own error
 * messages (PostgresError), the driver's connection codes from the driver (which sets `errno`
 * to the code), and socket codes from a system call (`syscall`: connect, read, write,
 * getaddrinfo), which the request stream's "aborted" error does not have.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const { code, errno, syscall } = error as { code?: unknown; errno?: unknown; syscall?: unknown };
	if (typeof code !== 'string') return false;
	if (error instanceof postgres.PostgresError)
		return code.startsWith('08') || SERVER_UNAVAILABLE_STATES.has(code);
	if (DRIVER_CONNECTION_CODES.has(code)) return errno === code;
	// A Unix socket that is gone (the embedded database stopped) fails its connect with ENOENT.
	if (code === 'ENOENT') return syscall === 'connect';
	return SOCKET_CODES.has(code) && typeof syscall === 'string';
}
