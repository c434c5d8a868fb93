/**
 * One action on many runs of a workspace, in one transaction: the runs are selected (by id, or by
 * a query-language filter as the list reads it) and locked, every refusal is decided before
 * anything changes, then one statement changes them all. Ids of other workspaces' runs select
 * nothing: they are never touched and never mentioned.
 */
import { sql, type SqlBool, type Transaction } from 'kysely';
import type { RunFilter } from '../contracts/experiments.ts';
import { MAX_TAGS } from '../contracts/rules.ts';
import { MAX_BULK_MATCHES, type BulkResult } from '../contracts/views.ts';
import type { Db } from '../db.ts';
import { sweepOrphanedObjects } from '../storage/artifact-http.ts';
import type { Database } from '../db-types.ts';
import { filterSql, type QueryClock } from './experiment-query.ts';

type Tx = Transaction<Database>;

/** Which runs: these ids, or every run the filter selects (no expression: every run). */
export type BulkSelection = { ids: string[] } | { filter: RunFilter | undefined };

export type BulkAction =
	{ action: 'add-tags'; tags: string[] } | { action: 'remove-tags'; tags: string[] } | { action: 'delete' };

export type BulkOutcome =
	| ({ kind: 'done' } & BulkResult)
	| { kind: 'too-many'; limit: number }
	| { kind: 'tag-limit'; runs: number; limit: number };

interface Selected {
	id: string;
	tags: string[];
}

/** A Postgres array literal of ids (UUIDs need no quoting): one parameter however many. */
const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;

/** Tags compare without case, as the tag filter and the Tags contract do. */
const fold = (tag: string) => tag.toLowerCase();

/** The tags after adding `added`: the run's own order, then the new ones in the order given. */
export function withTags(tags: string[], added: string[]): string[] {
	const present = new Set(tags.map(fold));
	return [...tags, ...added.filter((tag) => !present.has(fold(tag)))];
}

export function withoutTags(tags: string[], removed: string[]): string[] {
	const gone = new Set(removed.map(fold));
	return tags.filter((tag) => !gone.has(fold(tag)));
}

/** The selected runs, locked, in id order (so concurrent bulk calls lock in the same order). */
async function selectRuns(
	tx: Tx,
	workspaceId: string,
	selection: BulkSelection,
	clock: QueryClock
): Promise<Selected[]> {
	let query = tx
		.selectFrom('experiments as e')
		.select(['e.id', 'e.tags'])
		.where('e.workspace_id', '=', workspaceId);
	if ('ids' in selection) query = query.where(sql<SqlBool>`e.id = any(${uuidArray(selection.ids)}::uuid[])`);
	else if (selection.filter) query = query.where(filterSql(selection.filter, clock));
	// One more than allowed tells "too many" without counting them all.
	return query
		.orderBy('e.id')
		.limit(MAX_BULK_MATCHES + 1)
		.forUpdate()
		.execute();
}

async function writeTags(tx: Tx, changes: Selected[]): Promise<void> {
	if (changes.length === 0) return;
	await sql`
		update experiments e set tags = v.tags, updated_at = now()
		from (
			select t.id, array(select jsonb_array_elements_text(t.tags)) as tags
			from jsonb_to_recordset(${JSON.stringify(changes)}::text::jsonb) as t(id uuid, tags jsonb)
		) v
		where e.id = v.id
	`.execute(tx);
}

export async function runBulkAction(
	db: Db,
	workspaceId: string,
	selection: BulkSelection,
	action: BulkAction,
	clock: QueryClock
): Promise<BulkOutcome> {
	const outcome = await db.transaction().execute(async (tx): Promise<BulkOutcome> => {
		const runs = await selectRuns(tx, workspaceId, selection, clock);
		if (runs.length > MAX_BULK_MATCHES) return { kind: 'too-many', limit: MAX_BULK_MATCHES };
		if (action.action === 'delete') {
			// Series, points, results and references go with them (foreign keys), as on DELETE /api/experiments/:id.
			if (runs.length) {
				await sql`delete from experiments where id = any(${uuidArray(runs.map((run) => run.id))}::uuid[])`.execute(
					tx
				);
			}
			return { kind: 'done', matched: runs.length, changed: runs.length };
		}
		const changed = runs.flatMap((run) => {
			const tags =
				action.action === 'add-tags' ? withTags(run.tags, action.tags) : withoutTags(run.tags, action.tags);
			return tags.length === run.tags.length ? [] : [{ id: run.id, tags }];
		});
		const overLimit = changed.filter((run) => run.tags.length > MAX_TAGS).length;
		if (overLimit) return { kind: 'tag-limit', runs: overLimit, limit: MAX_TAGS };
		await writeTags(tx, changed);
		return { kind: 'done', matched: runs.length, changed: changed.length };
	});
	// The deleted runs' artifact objects leave storage once the rows are gone.
	if (action.action === 'delete' && outcome.kind === 'done') await sweepOrphanedObjects(db);
	return outcome;
}
