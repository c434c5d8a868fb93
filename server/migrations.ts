/**
 * Applies supabase/migrations/*.sql in filename order and records each one in
 * supabase_migrations.schema_migrations exactly as the Supabase CLI does (version, name, the
 * file split into statements), so `supabase db push` and this runner agree on what is applied.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type postgres from 'postgres';

export interface MigrationFile {
	version: string;
	name: string;
	file: string;
	sql: string;
}

const FILE_PATTERN = /^(\d+)_(.*)\.sql$/;

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
	const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
	const files: MigrationFile[] = [];
	for (const file of names) {
		const match = FILE_PATTERN.exec(file);
		if (!match) {
			console.warn(`[tora] skipping ${file}: migration files are named <timestamp>_<name>.sql`);
			continue;
		}
		files.push({ version: match[1], name: match[2], file, sql: await readFile(join(dir, file), 'utf8') });
	}
	return files;
}

/**
 * Splits a file into statements the way the Supabase CLI does before recording them: at `;`
 * outside quotes, dollar quotes and comments; each statement trimmed, without its `;`, leading
 * comments kept.
 */
export function splitStatements(source: string): string[] {
	const statements: string[] = [];
	let start = 0;
	let i = 0;
	const push = (end: number) => {
		const statement = source.slice(start, end).trim();
		if (statement) statements.push(statement);
	};
	while (i < source.length) {
		const c = source[i];
		const next = source[i + 1];
		if (c === '-' && next === '-') {
			const eol = source.indexOf('\n', i);
			i = eol === -1 ? source.length : eol + 1;
		} else if (c === '/' && next === '*') {
			let depth = 1;
			i += 2;
			while (i < source.length && depth > 0) {
				const pair = source.slice(i, i + 2);
				if (pair === '/*' || pair === '*/') {
					depth += pair === '/*' ? 1 : -1;
					i += 2;
				} else i++;
			}
		} else if (c === "'" || c === '"') {
			i++;
			while (i < source.length) {
				if (source[i] === c && source[i + 1] === c) i += 2;
				else if (source[i] === c) break;
				else i++;
			}
			i++;
		} else if (c === '$') {
			const tag = /^\$[A-Za-z_]*\$/.exec(source.slice(i, i + 64))?.[0];
			if (tag) {
				const close = source.indexOf(tag, i + tag.length);
				i = close === -1 ? source.length : close + tag.length;
			} else i++;
		} else if (c === ';') {
			push(i);
			start = ++i;
		} else i++;
	}
	push(source.length);
	return statements;
}

const BOOTSTRAP = `
	create schema if not exists supabase_migrations;
	create table if not exists supabase_migrations.schema_migrations (
		version text not null primary key,
		statements text[],
		name text
	);
`;

export class MigrationFailed extends Error {}

export interface MigrationReport {
	applied: string[];
	current: string | null;
}

/**
 * Applies every pending file, each in its own transaction. Stops at the first failure with an
 * error naming the file; later files are not attempted. Safe to run twice or concurrently (an
 * advisory lock serialises runners and the applied set is re-read under it).
 */
export async function migrate(
	sql: postgres.Sql,
	dir: string,
	log: (line: string) => void = () => {}
): Promise<MigrationReport> {
	await sql.unsafe(BOOTSTRAP).simple();
	const files = await readMigrations(dir);
	const applied: string[] = [];
	for (const migration of files) {
		const didApply = await sql.begin(async (tx) => {
			await tx`select pg_advisory_xact_lock(hashtext('tora.migrations'))`;
			const [done] = await tx`
				select 1 from supabase_migrations.schema_migrations where version = ${migration.version}
			`;
			if (done) return false;
			try {
				await tx.unsafe(migration.sql).simple();
			} catch (error) {
				throw new MigrationFailed(
					`Migration ${migration.file} failed and was rolled back; later migrations were not applied: ${describePgError(error, migration.sql)}`
				);
			}
			await tx`
				insert into supabase_migrations.schema_migrations (version, name, statements)
				values (${migration.version}, ${migration.name}, ${splitStatements(migration.sql)})
			`;
			return true;
		});
		if (didApply) {
			applied.push(migration.version);
			log(`applied ${migration.file}`);
		}
	}
	const [latest] = await sql<{ version: string | null }[]>`
		select max(version) as version from supabase_migrations.schema_migrations
	`;
	return { applied, current: latest?.version ?? null };
}

export async function appliedVersions(sql: postgres.Sql): Promise<string[]> {
	const [exists] = await sql`select to_regclass('supabase_migrations.schema_migrations') as t`;
	if (!exists?.t) return [];
	const rows = await sql<{ version: string }[]>`
		select version from supabase_migrations.schema_migrations order by version
	`;
	return rows.map((row) => row.version);
}

function describePgError(error: unknown, source: string): string {
	const e = error as { message?: string; position?: string | number };
	const position = Number(e.position);
	if (!Number.isFinite(position) || position <= 0) return e.message ?? String(error);
	const line = source.slice(0, position - 1).split('\n').length;
	return `${e.message} (line ${line})`;
}
