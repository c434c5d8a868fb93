import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
	appliedVersions,
	migrate,
	MigrationFailed,
	readMigrations,
	splitStatements
} from '../../server/migrations.ts';
import { migrationsDir, repoRoot } from '../../server/paths.ts';
import { startEmbeddedDatabase } from '../../server/embedded-db.ts';
import { connect, createEmptyDatabase, type TestDatabase } from '../support/databases.ts';

const run = promisify(execFile);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function emptyDatabase(): Promise<TestDatabase & { sql: ReturnType<typeof connect> }> {
	const database = await createEmptyDatabase('migrations');
	const sql = connect(database, 1);
	cleanups.push(async () => {
		await sql.end();
		await database.drop();
	});
	return { ...database, sql };
}

/** The Supabase CLI's own push, from a copy of our supabase/ folder. */
async function supabasePush(url: string): Promise<string> {
	const workdir = mkdtempSync(join(tmpdir(), 'tora-supabase-'));
	cpSync(join(repoRoot, 'supabase'), join(workdir, 'supabase'), { recursive: true });
	const { stdout, stderr } = await run(
		join(repoRoot, 'node_modules/.bin/supabase'),
		['db', 'push', '--db-url', url, '--yes', '--workdir', workdir],
		{ env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' }, timeout: 120_000 }
	);
	return stdout + stderr;
}

async function recordedMigrations(sql: ReturnType<typeof connect>) {
	return sql<{ version: string; name: string; statements: string[] }[]>`
		select version, name, statements from supabase_migrations.schema_migrations order by version
	`;
}

describe('migration runner', () => {
	it('applies every file once; a second run applies nothing', async () => {
		const { sql } = await emptyDatabase();
		const files = await readMigrations(migrationsDir);
		const first = await migrate(sql, migrationsDir);
		expect(first.applied).toEqual(files.map((f) => f.version));
		const second = await migrate(sql, migrationsDir);
		expect(second.applied).toEqual([]);
		expect(second.current).toBe(files.at(-1)!.version);
		expect(await appliedVersions(sql)).toEqual(files.map((f) => f.version));
	});

	it('stops at a failing file, names it, rolls it back and applies nothing after it', async () => {
		const { sql } = await emptyDatabase();
		const dir = mkdtempSync(join(tmpdir(), 'tora-bad-migrations-'));
		writeFileSync(join(dir, '20000101000000_first.sql'), 'create table first_ok (id int);');
		writeFileSync(
			join(dir, '20000102000000_broken.sql'),
			'create table half_done (id int);\nselect * from no_such_table;'
		);
		writeFileSync(join(dir, '20000103000000_after.sql'), 'create table never_applied (id int);');
		const failure = await migrate(sql, dir).catch((error) => error);
		expect(failure).toBeInstanceOf(MigrationFailed);
		expect(failure.message).toContain('20000102000000_broken.sql');
		expect(failure.message).toContain('no_such_table');
		expect(failure.message).toContain('line 2');
		expect(await appliedVersions(sql)).toEqual(['20000101000000']);
		const [tables] = await sql`
			select to_regclass('half_done') as half, to_regclass('never_applied') as never, to_regclass('first_ok') as ok
		`;
		expect(tables).toEqual({ half: null, never: null, ok: 'first_ok' });
	});

	it('runs concurrently without applying a file twice', async () => {
		const { sql } = await emptyDatabase();
		const results = await Promise.all([migrate(sql, migrationsDir), migrate(sql, migrationsDir)]);
		const files = await readMigrations(migrationsDir);
		expect(results.flatMap((r) => r.applied).sort()).toEqual(files.map((f) => f.version));
	});
});

describe('schema', () => {
	it('has row level security enabled on every table we own, and a comment on each', async () => {
		const { sql } = await emptyDatabase();
		await migrate(sql, migrationsDir);
		const tables = await sql<{ name: string; rls: boolean; comment: string | null }[]>`
			select c.relname as name, c.relrowsecurity as rls, obj_description(c.oid, 'pg_class') as comment
			from pg_class c join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = 'public' and c.relkind in ('r', 'p')
			order by 1
		`;
		expect(tables.map((t) => t.name)).toEqual(
			expect.arrayContaining([
				'profiles',
				'workspaces',
				'workspace_members',
				'invitations',
				'api_keys',
				'experiments',
				'metric_points'
			])
		);
		expect(tables.filter((t) => !t.rls).map((t) => t.name)).toEqual([]);
		expect(tables.filter((t) => !t.comment).map((t) => t.name)).toEqual([]);
	});

	it('leaves Supabase’s API roles no privilege on any table, sequence or function, even by default grants', async () => {
		// Roles are cluster-wide, so this runs on its own embedded database, set up like a Supabase
		// project: the anon/authenticated roles with Supabase's default grants on public.
		const embedded = await startEmbeddedDatabase();
		const sql = connect({ url: embedded.url, embedded: true }, 1);
		try {
			await sql
				.unsafe(
					`
				create role anon nologin; create role authenticated nologin;
				alter default privileges in schema public grant all on tables to anon, authenticated;
				alter default privileges in schema public grant all on sequences to anon, authenticated;
				alter default privileges in schema public grant all on functions to anon, authenticated;
			`
				)
				.simple();
			await migrate(sql, migrationsDir);
			const granted = await sql<{ role: string; object: string }[]>`
				select r.role, c.relname as object
				from pg_class c join pg_namespace n on n.oid = c.relnamespace,
					unnest(array['anon', 'authenticated']) as r(role)
				where n.nspname = 'public' and c.relkind in ('r', 'p', 'S', 'v', 'm')
					and (has_table_privilege(r.role, c.oid, 'select, insert, update, delete, truncate, references, trigger')
						or (c.relkind = 'S' and has_sequence_privilege(r.role, c.oid, 'usage, select, update')))
				union all
				select r.role, p.proname
				from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
					unnest(array['anon', 'authenticated']) as r(role)
				where n.nspname = 'public' and has_function_privilege(r.role, p.oid, 'execute')
			`;
			expect(granted).toEqual([]);
		} finally {
			await sql.end();
			await embedded.stop();
		}
	});

	it('never references the auth schema (it does not exist outside Supabase)', () => {
		for (const file of readdirSync(migrationsDir)) {
			// Comments and string literals (table comments) may mention auth.users; code may not.
			const source = readFileSync(join(migrationsDir, file), 'utf8')
				.replace(/--.*$/gm, '')
				.replace(/'(?:[^']|'')*'/g, "''");
			expect(source, file).not.toMatch(/\bauth\.\w+/);
		}
	});
});

describe('supabase db push and our runner agree', () => {
	it('after `supabase db push`, our runner has nothing left to apply and records the same', async () => {
		const { sql, url } = await emptyDatabase();
		const output = await supabasePush(url);
		expect(output).toMatch(/Finished supabase db push/);
		const fromCli = await recordedMigrations(sql);
		const files = await readMigrations(migrationsDir);
		expect(fromCli.map((m) => m.version)).toEqual(files.map((f) => f.version));
		// Our runner would record exactly what the CLI recorded.
		expect(fromCli.map((m) => ({ version: m.version, name: m.name, statements: m.statements }))).toEqual(
			files.map((f) => ({ version: f.version, name: f.name, statements: splitStatements(f.sql) }))
		);
		const report = await migrate(sql, migrationsDir);
		expect(report.applied).toEqual([]);
	});

	it('after our runner, `supabase db push` finds the remote up to date', async () => {
		const { sql, url } = await emptyDatabase();
		await migrate(sql, migrationsDir);
		const before = await recordedMigrations(sql);
		const output = await supabasePush(url);
		expect(output).toMatch(/Remote database is up to date/i);
		expect(await recordedMigrations(sql)).toEqual(before);
	});
});
