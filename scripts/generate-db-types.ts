/**
 * Writes functions/_lib/db-types.ts (Kysely's `Database`) from supabase/migrations/*.sql: the
 * migrations are applied to a throwaway in-memory PGlite and the resulting schema is introspected.
 *
 *   npx tsx scripts/generate-db-types.ts          regenerate
 *   npx tsx scripts/generate-db-types.ts --check  exit 1 if the checked-in file is stale (npm run check)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { migrationsDir, repoRoot } from '../server/paths.ts';
import { describeDrift } from './db-types/drift.ts';
import { readSchema } from './db-types/introspect.ts';
import { REGENERATE, renderDatabaseTypes } from './db-types/render.ts';

export const DB_TYPES_FILE = resolve(repoRoot, 'functions/_lib/db-types.ts');

/** The file's contents as the migrations in `dir` define them. */
export async function generateDbTypes(dir = migrationsDir): Promise<string> {
	return renderDatabaseTypes(await readSchema(dir), DB_TYPES_FILE);
}

/** Empty when `file` holds exactly `generated`; otherwise the lines that explain why it is stale. */
export function staleness(file: string, generated: string): string[] {
	let current = '';
	try {
		current = readFileSync(file, 'utf8');
	} catch {
		return [`${relative(repoRoot, file)} is missing`];
	}
	return describeDrift(current, generated);
}

async function main(): Promise<void> {
	const generated = await generateDbTypes();
	const shown = relative(repoRoot, DB_TYPES_FILE);
	if (!process.argv.includes('--check')) {
		writeFileSync(DB_TYPES_FILE, generated);
		console.log(`wrote ${shown}`);
		return;
	}
	const differences = staleness(DB_TYPES_FILE, generated);
	if (differences.length > 0) {
		console.error(
			[
				`${shown} is stale: it does not match supabase/migrations.`,
				...differences.map((line) => `  ${line}`),
				`Run \`${REGENERATE}\` and commit the result.`
			].join('\n')
		);
		process.exitCode = 1;
	}
}

// Run as a command; imported (by its test), only the functions above.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
