import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsDir } from '../server/paths.ts';
import { describeDrift, readInterfaces } from './db-types/drift.ts';
import { parseInList } from './db-types/introspect.ts';
import { DB_TYPES_FILE, generateDbTypes, staleness } from './generate-db-types.ts';

/** A migration the repository does not have, so the checked-in types cannot know its columns. */
const EXTRA_MIGRATION = `
create type mood as enum ('calm', 'tense');
alter table experiments add column priority integer not null default 0;
alter table experiments add column mood mood;
create table notes (
  id bigint generated always as identity primary key,
  experiment_id uuid not null references experiments (id),
  kind text not null default 'plain',
  moods mood[],
  seen_at timestamptz[],
  body text,
  constraint notes_kind check (kind in ('plain', 'it''s'))
);
`;

describe('generate-db-types', () => {
	let fromRepository: string;
	let fromExtended: string;
	let extendedDir: string;

	beforeAll(async () => {
		extendedDir = mkdtempSync(join(tmpdir(), 'tora-db-types-'));
		cpSync(migrationsDir, extendedDir, { recursive: true });
		writeFileSync(join(extendedDir, '99990101000000_extra_for_test.sql'), EXTRA_MIGRATION);
		fromRepository = await generateDbTypes();
		fromExtended = await generateDbTypes(extendedDir);
	}, 120_000);

	afterAll(() => rmSync(extendedDir, { recursive: true, force: true }));

	// The file was written by another run of the generator: equal bytes also show the output is stable.
	it('the checked-in functions/_lib/db-types.ts is what the migrations generate', () => {
		expect(staleness(DB_TYPES_FILE, fromRepository)).toEqual([]);
	});

	it('the check fails on a file generated before a migration, naming the new columns and table', () => {
		const differences = staleness(DB_TYPES_FILE, fromExtended);
		expect(differences).toContain(
			'ExperimentsTable.priority: missing; the migrations give Generated<number>'
		);
		expect(differences).toContain(
			"ExperimentsTable.mood: missing; the migrations give 'calm' | 'tense' | null"
		);
		expect(differences).toContain('NotesTable: missing (a new table?)');
		expect(differences).toContain('Database.notes: missing; the migrations give NotesTable');
	});

	it('the check also fails the other way: a column the migrations no longer have', () => {
		expect(describeDrift(fromExtended, fromRepository)).toContain(
			'ExperimentsTable.priority: not in the migrations'
		);
	});

	it('types identity, enum, array, defaulted and check-listed columns', () => {
		const notes = readInterfaces(fromExtended).get('NotesTable');
		expect(Object.fromEntries(notes ?? [])).toEqual({
			id: 'GeneratedAlways<number>',
			experiment_id: 'string',
			kind: "Generated<'plain' | \"it's\">",
			moods: "('calm' | 'tense')[] | null",
			seen_at: 'Date[] | null',
			body: 'string | null'
		});
	});

	it('keeps the types the code relies on', () => {
		const tables = readInterfaces(fromRepository);
		expect(tables.get('WorkspaceMembersTable')?.get('role')).toBe("'owner' | 'admin' | 'editor' | 'viewer'");
		expect(tables.get('MetricSeriesTable')?.get('id')).toBe('GeneratedAlways<number>');
		expect(tables.get('ApiKeysTable')?.get('expires_at')).toBe('Timestamp | null');
		expect(tables.get('Database')?.get('supabase_migrations.schema_migrations')).toBe(
			'SupabaseMigrationsSchemaMigrationsTable'
		);
	});
});

describe('parseInList', () => {
	it("reads Postgres's rendering of `column in (...)`", () => {
		expect(parseInList("CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text])))", 'role')).toEqual([
			'owner',
			'admin'
		]);
		expect(parseInList("CHECK ((kind = ANY (ARRAY['a, ''b'::text, 'c'::text])))", 'kind')).toEqual([
			"a, 'b",
			'c'
		]);
	});

	it('ignores any other check', () => {
		expect(parseInList("CHECK ((role = ANY (ARRAY['owner'::text])))", 'other')).toBeUndefined();
		expect(parseInList('CHECK ((char_length(name) <= 255))', 'name')).toBeUndefined();
		expect(parseInList('CHECK ((level = ANY (ARRAY[1, 2])))', 'level')).toBeUndefined();
	});
});
