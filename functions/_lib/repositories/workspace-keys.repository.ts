/**
 * Names and values for the query box's suggestions. Names come from the workspace_keys catalog
 * (kept by triggers, see the migration `views_and_keys`): four index ranges, whatever the number
 * of runs. Values come from the workspace's newest runs only (an index range of
 * experiments_workspace_created_idx), so neither read ever scans the workspace.
 */
import { sql, type RawBuilder } from 'kysely';
import type { RunKey } from '../contracts/experiments.ts';
import {
	KEY_VALUES_RUNS,
	MAX_KEY_NAMES,
	MAX_KEY_VALUES,
	type KeyValues,
	type WorkspaceKeys
} from '../contracts/views.ts';
import type { Db } from '../db.ts';
import type { QueryClock } from './experiment-query.ts';

const namesOf = (workspaceId: string, kind: string) => sql<string[]>`array(
	select name from workspace_keys where workspace_id = ${workspaceId} and kind = ${kind}
	order by name limit ${MAX_KEY_NAMES}
)`;

/** Every name used in the workspace, by kind, in code-point order (at most MAX_KEY_NAMES each). */
export async function listWorkspaceKeys(db: Db, workspaceId: string): Promise<WorkspaceKeys> {
	const result = await sql<WorkspaceKeys>`
		select ${namesOf(workspaceId, 'hp')} as hyperparams, ${namesOf(workspaceId, 'metric')} as metrics,
			${namesOf(workspaceId, 'result')} as results, ${namesOf(workspaceId, 'tag')} as tags
	`.execute(db);
	return result.rows[0];
}

/** The values of one key in a run of the newest-runs window `r`, as jsonb (one row per value). */
function valuesOf(key: RunKey, clock: QueryClock): RawBuilder<unknown> {
	if (key.kind === 'hp') {
		return sql`select r.hyperparams_by_key -> ${key.name} as value where r.hyperparams_by_key ? ${key.name}`;
	}
	if (key.kind !== 'field') throw new Error(`no values for ${key.kind} keys`);
	switch (key.field) {
		case 'tag':
			return sql`select to_jsonb(t.tag) as value from unnest(r.tags) as t(tag)`;
		case 'name':
			return sql`select to_jsonb(r.name) as value`;
		case 'status':
			// The status users see: a running run not heard from in time shows as crashed.
			return sql`select to_jsonb(case when r.status = 'running' and r.last_seen_at < ${clock.crashedBefore}
				then 'crashed' else r.status end) as value`;
		case 'creator':
			return sql`select to_jsonb(p.email) as value from profiles p where p.id = r.created_by`;
		default:
			throw new Error(`no values for ${key.field}`);
	}
}

/**
 * The distinct values of `key` among the workspace's newest KEY_VALUES_RUNS runs, most frequent
 * first (then in jsonb order), at most MAX_KEY_VALUES. Hyperparameter values keep their JSON type.
 */
export async function listKeyValues(
	db: Db,
	workspaceId: string,
	key: RunKey,
	clock: QueryClock
): Promise<KeyValues> {
	if (key.kind === 'field' && key.field === 'project') {
		// Every project of the workspace, not only those of its newest runs: they are few and named.
		const projects = await db
			.selectFrom('projects')
			.select('name')
			.where('workspace_id', '=', workspaceId)
			.orderBy(sql`name collate "C"`)
			.limit(MAX_KEY_VALUES)
			.execute();
		return { values: projects.map((row) => row.name) };
	}
	const result = await sql<{ value: string | number | boolean }>`
		select v.value from (
			select e.hyperparams_by_key, e.tags, e.name, e.status, e.last_seen_at, e.created_by
			from experiments e where e.workspace_id = ${workspaceId}
			order by e.created_at desc, e.id desc limit ${KEY_VALUES_RUNS}
		) r
		cross join lateral (${valuesOf(key, clock)}) v
		group by v.value
		order by count(*) desc, v.value
		limit ${MAX_KEY_VALUES}
	`.execute(db);
	return { values: result.rows.map((row) => row.value) };
}
