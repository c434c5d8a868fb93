/**
 * Helpers for writes that keep a per-workspace rule (a count limit, one default, unique names)
 * true under concurrent writers.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db-types.ts';

/**
 * Locks the workspace row until the transaction ends; false when the workspace is gone.
 * `for no key update` serialises writers that take it without blocking inserts that merely
 * reference the workspace (experiments, points).
 */
export async function lockWorkspace(tx: Transaction<Database>, workspaceId: string): Promise<boolean> {
	const row = await tx
		.selectFrom('workspaces')
		.select('id')
		.where('id', '=', workspaceId)
		.forNoKeyUpdate()
		.executeTakeFirst();
	return row !== undefined;
}

const UNIQUE_VIOLATION = '23505';

/** Whether a failed statement broke the named unique constraint (postgres.js error fields). */
export function violatesUnique(error: unknown, constraint: string): boolean {
	const e = error as { code?: unknown; constraint_name?: unknown } | null;
	return e?.code === UNIQUE_VIOLATION && e.constraint_name === constraint;
}
