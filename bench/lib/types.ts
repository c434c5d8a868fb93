/**
 * The interface every benchmark module implements. Keep it stable: benchmarks are written
 * against it by different people, and `bench/run.ts` runs them all in one context.
 *
 * A benchmark is `bench/pN-name.ts` with
 *   `export default async function run(ctx: BenchContext): Promise<BenchRow[]>`
 * and, at its end, `runIfMain(import.meta.url, run)` so `npx tsx bench/pN-name.ts` works alone.
 */
import type postgres from 'postgres';

export type DbKind = 'postgres' | 'pglite';

export interface SignedIn {
	token: string;
	userId: string;
	/** The user's personal workspace. */
	workspaceId: string;
}

export interface BenchContext {
	/** The single server, e.g. `http://127.0.0.1:9201` (no trailing slash; API under `/api`). */
	baseUrl: string;
	/** The database the server uses (a fresh one made for this run). */
	databaseUrl: string;
	/** A postgres.js client on that database, for seeding and for baselines. */
	sql: postgres.Sql;
	dbKind: DbKind;
	/** The server's process id (for RSS readings under /proc). */
	serverPid: number;
	/** Local-mode sign-in; a random email unless one is given. */
	signIn(email?: string): Promise<SignedIn>;
	/** A new API key for the signed-in user (unscoped). */
	createApiKey(token: string): Promise<string>;
	log(message: string): void;
}

export interface BenchRow {
	/** e.g. `P1 api` — the same for every row of one benchmark. */
	benchmark: string;
	/** e.g. `GET /api/workspaces 1 conn p50`. */
	metric: string;
	ours: number;
	/** The same measurement on the baseline, in the same run; null when there is none. */
	baseline: number | null;
	/** e.g. `ms`, `req/s`, `points/s`, `KB gz`, `MB`. */
	unit: string;
	/** ours / baseline unless the benchmark sets it (the report computes it when absent). */
	ratio?: number;
	/** Human-readable goal, e.g. `≤ 1 ms` or `≥ 0.7× baseline`. */
	goal?: string;
	met?: boolean;
	note?: string;
}

export type Benchmark = (ctx: BenchContext) => Promise<BenchRow[]>;
