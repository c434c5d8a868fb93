/**
 * Starts what the benchmarks need and hands them a `BenchContext`: a fresh database (a new
 * `tora_bench_<pid>` on the server named by `DATABASE_URL`, or an in-memory PGlite in its own
 * process), and the single server over `site/build` (built first if missing) on a port in
 * 9200–9299, in local auth mode.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { postgresOptions } from '../../functions/_lib/db.ts';
import { repoRoot, siteBuildDir, siteDir } from '../../server/paths.ts';
import { freePort, start, type Started } from './processes.ts';
import type { BenchContext, DbKind, SignedIn } from './types.ts';

export interface Harness {
	ctx: BenchContext;
	/** e.g. `PostgreSQL 15.20` or `PGlite (PostgreSQL 18.0)`. */
	dbDescription: string;
	/** What the server printed so far (shown when a benchmark fails). */
	serverOutput(): string;
	close(): Promise<void>;
}

export const log = (message: string) => console.error(`[bench] ${message}`);

interface BenchDatabase {
	url: string;
	kind: DbKind;
	drop(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
	ensureSiteBuild();
	const cleanups: (() => Promise<void>)[] = [];
	const close = async () => {
		for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => log(String(error)));
	};
	try {
		const database = await createDatabase();
		cleanups.push(() => database.drop());
		const server = await startServer(database);
		cleanups.push(server.stop);

		const sql = postgres(database.url, postgresOptions(database.url, 4, database.kind !== 'pglite'));
		cleanups.push(() => sql.end({ timeout: 5 }));
		const version = (await sql`select version() as version`)[0].version as string;
		const short = /PostgreSQL [\d.]+/.exec(version)?.[0] ?? version;

		const ctx: BenchContext = {
			baseUrl: server.baseUrl,
			databaseUrl: database.url,
			sql,
			dbKind: database.kind,
			serverPid: server.pid,
			signIn: (email) => signIn(server.baseUrl, email),
			createApiKey: (token) => createApiKey(server.baseUrl, token),
			log
		};
		return {
			ctx,
			dbDescription: database.kind === 'pglite' ? `PGlite (${short})` : short,
			serverOutput: server.output,
			close
		};
	} catch (error) {
		await close();
		throw error;
	}
}

/** Builds the site when site/build is missing or older than any of the site's sources. */
function ensureSiteBuild(): void {
	const built = join(siteBuildDir, 'index.html');
	if (existsSync(built) && newestSource(siteDir) <= statSync(built).mtimeMs) return;
	log('site/build is missing or stale: building the site (npm run build)');
	const result = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
	if (result.status !== 0) throw new Error('npm run build failed');
}

function newestSource(dir: string): number {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (['build', 'node_modules', '.svelte-kit'].includes(entry.name)) continue;
		const path = join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
	}
	return newest;
}

async function createDatabase(): Promise<BenchDatabase> {
	const serverUrl = process.env.DATABASE_URL;
	if (serverUrl) {
		const name = `tora_bench_${process.pid}`;
		const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
		await admin.unsafe(`drop database if exists "${name}" with (force)`);
		await admin.unsafe(`create database "${name}"`);
		await admin.end();
		const url = new URL(serverUrl);
		url.pathname = `/${name}`;
		log(`database: ${name} on ${url.host}`);
		return {
			url: url.toString(),
			kind: 'postgres',
			async drop() {
				const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
				await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
				await cleanup.end();
			}
		};
	}
	const child = start('node', ['--import', 'tsx', 'bench/lib/embedded-db.ts'], withoutDbSettings({}));
	try {
		const line = await child.waitFor(/url=\S+/, 60_000);
		log('database: embedded PGlite (in memory, own process)');
		return { url: line.slice('url='.length), kind: 'pglite', drop: child.stop };
	} catch (error) {
		await child.stop();
		throw error;
	}
}

async function startServer(
	database: BenchDatabase
): Promise<{ baseUrl: string; pid: number; output(): string; stop(): Promise<void> }> {
	const port = await freePort();
	const dataDir = mkdtempSync(join(tmpdir(), 'tora-bench-'));
	const child: Started = start(
		'node',
		['--import', 'tsx', 'server/start.ts'],
		withoutDbSettings({
			HOST: '127.0.0.1',
			PORT: String(port),
			DATABASE_URL: database.url,
			TORA_DB_PREPARE: preparedStatements(database.kind),
			TORA_AUTH: 'local',
			TORA_JWT_SECRET: randomBytes(32).toString('base64url'),
			TORA_DATA_DIR: dataDir,
			NODE_ENV: 'production'
		})
	);
	const stop = async () => {
		await child.stop();
		rmSync(dataDir, { recursive: true, force: true });
	};
	try {
		await child.waitFor(/Tora is running at/, 120_000);
	} catch (error) {
		await stop();
		throw error;
	}
	log(`server: http://127.0.0.1:${port} (pid ${child.child.pid})`);
	return { baseUrl: `http://127.0.0.1:${port}`, pid: child.child.pid!, output: child.output, stop };
}

/**
 * `TORA_DB_PREPARE` for the server and the baselines on this database: PGlite shares one session,
 * so no named prepared statements there.
 */
export function preparedStatements(kind: DbKind): 'true' | 'false' {
	return kind === 'pglite' ? 'false' : 'true';
}

/** This process's environment minus settings that would point a child at another database or auth. */
export function withoutDbSettings(
	extra: Record<string, string | undefined>
): Record<string, string | undefined> {
	const env: Record<string, string | undefined> = { ...process.env };
	for (const name of [
		'DATABASE_URL',
		'TORA_AUTH',
		'SUPABASE_URL',
		'SUPABASE_ANON_KEY',
		'SUPABASE_JWT_SECRET'
	]) {
		delete env[name];
	}
	return { ...env, ...extra };
}

async function call<T>(
	baseUrl: string,
	method: string,
	path: string,
	token?: string,
	body?: unknown
): Promise<T> {
	const response = await fetch(baseUrl + path, {
		method,
		headers: {
			...(token ? { authorization: `Bearer ${token}` } : {}),
			...(body === undefined ? {} : { 'content-type': 'application/json' })
		},
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
	return (JSON.parse(text) as { data: T }).data;
}

async function signIn(baseUrl: string, email?: string): Promise<SignedIn> {
	const address = email ?? `bench-${randomBytes(4).toString('hex')}@example.test`;
	const session = await call<{ access_token: string; user: { id: string } }>(
		baseUrl,
		'POST',
		'/api/auth/local',
		undefined,
		{
			email: address
		}
	);
	const me = await call<{ personalWorkspaceId: string }>(baseUrl, 'GET', '/api/me', session.access_token);
	return { token: session.access_token, userId: session.user.id, workspaceId: me.personalWorkspaceId };
}

async function createApiKey(baseUrl: string, token: string): Promise<string> {
	const created = await call<{ key: string }>(baseUrl, 'POST', '/api/api-keys', token, { name: 'bench' });
	return created.key;
}
