/**
 * Reads the schema that supabase/migrations/*.sql produce: a throwaway in-memory PGlite, migrated
 * by the same runner and the same embedded front the single server uses, then introspected
 * through information_schema and the catalogs.
 */
import postgres from 'postgres';
import { postgresOptions } from '../../functions/_lib/db.ts';
import { startEmbeddedDatabase } from '../../server/embedded-db.ts';
import { migrate } from '../../server/migrations.ts';

/**
 * The schemas whose tables the code queries through Kysely: `public`, and the migration runner's
 * own table, which `GET /api/health` reads.
 */
export const SCHEMAS = ['public', 'supabase_migrations'] as const;

export interface Column {
	name: string;
	/** Postgres's type name (`udt_name`): `int8`, `timestamptz`, `_text` for `text[]`... */
	type: string;
	nullable: boolean;
	/**
	 * Inserts may leave it out: it has a default, is an identity column, or a trigger fills it (its
	 * comment says "filled by a trigger": Postgres records no link from a column to a trigger).
	 */
	hasDefault: boolean;
	/** Nobody may write it: `generated always as identity`, or a generated (computed) column. */
	generatedAlways: boolean;
	/** The values a single-column `check (column in (...))` allows, in the order it lists them. */
	allowedValues?: string[];
	comment?: string;
}

export interface Table {
	schema: string;
	name: string;
	comment?: string;
	columns: Column[];
}

export interface Schema {
	tables: Table[];
	/** Enum types by `schema.name`, each with its labels in declaration order. */
	enums: Map<string, string[]>;
}

/** Applies the migrations in `migrationsDir` to an empty database and describes the result. */
export async function readSchema(migrationsDir: string): Promise<Schema> {
	const database = await startEmbeddedDatabase();
	// PGlite serves every connection from one session: no named prepared statements.
	const sql = postgres(database.url, { ...postgresOptions(database.url, 1), prepare: false });
	try {
		await migrate(sql, migrationsDir);
		return await introspect(sql);
	} finally {
		await sql.end();
		await database.stop();
	}
}

/** How a migration marks a column that a before-insert trigger sets. */
const FILLED_BY_TRIGGER = /\bfilled by a trigger\b/i;

interface ColumnRow {
	table_schema: string;
	table_name: string;
	table_comment: string | null;
	column_name: string;
	udt_schema: string;
	udt_name: string;
	nullable: boolean;
	has_default: boolean;
	generated_always: boolean;
	column_comment: string | null;
}

export async function introspect(sql: postgres.Sql): Promise<Schema> {
	const rows = await sql<ColumnRow[]>`
		select c.table_schema, c.table_name, c.column_name, c.udt_schema, c.udt_name,
			obj_description(t.oid, 'pg_class') as table_comment,
			col_description(t.oid, c.ordinal_position::int) as column_comment,
			c.is_nullable = 'YES' as nullable,
			(c.column_default is not null or c.is_identity = 'YES') as has_default,
			(c.identity_generation = 'ALWAYS' or c.is_generated = 'ALWAYS') as generated_always
		from information_schema.columns c
		join information_schema.tables i using (table_schema, table_name)
		join pg_class t on t.oid = format('%I.%I', c.table_schema, c.table_name)::regclass
		where c.table_schema in ${sql(SCHEMAS)} and i.table_type in ('BASE TABLE', 'VIEW')
		order by c.table_schema, c.table_name, c.ordinal_position
	`;
	const allowed = await allowedValues(sql);
	const tables = new Map<string, Table>();
	for (const row of rows) {
		const key = `${row.table_schema}.${row.table_name}`;
		let table = tables.get(key);
		if (!table) {
			table = { schema: row.table_schema, name: row.table_name, columns: [] };
			if (row.table_comment) table.comment = row.table_comment;
			tables.set(key, table);
		}
		const column: Column = {
			name: row.column_name,
			type: row.udt_schema === 'pg_catalog' ? row.udt_name : `${row.udt_schema}.${row.udt_name}`,
			nullable: row.nullable,
			hasDefault: row.has_default || FILLED_BY_TRIGGER.test(row.column_comment ?? ''),
			generatedAlways: row.generated_always
		};
		const values = allowed.get(`${key}.${row.column_name}`);
		if (values) column.allowedValues = values;
		if (row.column_comment) column.comment = row.column_comment;
		table.columns.push(column);
	}
	return { tables: [...tables.values()], enums: await enums(sql) };
}

async function enums(sql: postgres.Sql): Promise<Map<string, string[]>> {
	const rows = await sql<{ name: string; labels: string[] }[]>`
		select n.nspname || '.' || t.typname as name, array_agg(e.enumlabel order by e.enumsortorder) as labels
		from pg_enum e
		join pg_type t on t.oid = e.enumtypid
		join pg_namespace n on n.oid = t.typnamespace
		group by n.nspname, t.typname
		order by 1
	`;
	return new Map(rows.map((row) => [row.name, row.labels]));
}

/**
 * `schema.table.column` → the values its `check (column in ('a', 'b'))` constraints allow. The
 * schema keeps such columns as text, but the code relies on their exact values (roles, statuses),
 * so the types carry them as unions. Several constraints on one column: the values all allow.
 */
async function allowedValues(sql: postgres.Sql): Promise<Map<string, string[]>> {
	const rows = await sql<{ key: string; column_name: string; definition: string }[]>`
		select n.nspname || '.' || t.relname || '.' || a.attname as key, a.attname as column_name,
			pg_get_constraintdef(c.oid) as definition
		from pg_constraint c
		join pg_class t on t.oid = c.conrelid
		join pg_namespace n on n.oid = t.relnamespace
		join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
		where c.contype = 'c' and cardinality(c.conkey) = 1 and n.nspname in ${sql(SCHEMAS)}
		order by c.conname
	`;
	const allowed = new Map<string, string[]>();
	for (const row of rows) {
		const values = parseInList(row.definition, row.column_name);
		if (!values) continue;
		const earlier = allowed.get(row.key);
		allowed.set(row.key, earlier ? earlier.filter((value) => values.includes(value)) : values);
	}
	return allowed;
}

/**
 * The string literals of Postgres's rendering of `column in ('a', 'b')`, which is
 * `CHECK ((column = ANY (ARRAY['a'::text, 'b'::text])))`; undefined for any other check.
 */
export function parseInList(definition: string, column: string): string[] | undefined {
	const match = /^CHECK \(\((\w+) = ANY \(ARRAY\[(.*)\]\)\)\)$/.exec(definition);
	if (!match || match[1] !== column) return undefined;
	const literal = /'((?:[^']|'')*)'::[a-z ]+(?:, |$)/y;
	const values: string[] = [];
	while (literal.lastIndex < match[2].length) {
		const item = literal.exec(match[2]);
		if (!item) return undefined;
		values.push(item[1].replaceAll("''", "'"));
	}
	return values.length > 0 ? values : undefined;
}
