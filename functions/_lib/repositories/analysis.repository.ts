/**
 * The runs an analysis reads: per run its hyperparameters and one target value, taken from the
 * series summaries (`metric_series`) or `results`, never from points, so a run costs the same
 * however long its series are. One statement, bounded: at most MAX_IMPORTANCE_RUNS runs (a
 * deterministic sample above that), at most MAX_IMPORTANCE_PARAMS + 1 hyperparameters each (one
 * more than analysed, so the analysis can tell that some were left out), and long text values
 * shortened to a digest (only their identity matters to the analysis).
 */
import { sql, type RawBuilder } from 'kysely';
import type { RunRow } from '../analysis/importance.ts';
import {
	MAX_IMPORTANCE_PARAMS,
	MAX_IMPORTANCE_RUNS,
	type ImportanceScope,
	type ImportanceTarget
} from '../contracts/analysis.ts';
import type { MetricAggregate } from '../contracts/query/ast.ts';
import type { Db } from '../db.ts';
import { filterSql, type QueryClock } from './experiment-query.ts';

/** Who is reading: a member sees their workspaces' runs; a scoped key only its workspace's. */
export interface Reader {
	userId: string;
	keyWorkspaceId?: string | null;
}

export interface AnalysisRuns {
	runs: RunRow[];
	/** Runs the scope selects that the reader may see, before the sample. */
	matched: number;
}

/** Text values longer than this are read as a prefix and a digest. */
const MAX_TEXT_VALUE = 100;

const SUMMARY_COLUMNS: Record<MetricAggregate, string> = {
	last: 'last_value',
	min: 'min_value',
	max: 'max_value',
	first: 'first_value',
	count: 'point_count',
	last_step: 'last_step'
};

/**
 * The runs of `scope` with their target and hyperparameters (all of them, or `params`), in a
 * fixed order: by md5 of the id, which is also the sample — the same runs give the same sample
 * and the same order, so the same analysis, whichever runs were added in between.
 */
export async function readAnalysisRuns(
	db: Db,
	reader: Reader,
	scope: ImportanceScope,
	target: ImportanceTarget,
	params: string[] | undefined,
	clock: QueryClock
): Promise<AnalysisRuns> {
	const result = await sql<{ matched: number; target: number | null; params: RunRow['params'] }>`
		with chosen as (
			select e.id, e.hyperparams_by_key as hp, count(*) over () as matched
			from experiments e
			where ${scopeCondition(scope, reader, clock)}
			order by md5(e.id::text) collate "C", e.id
			limit ${MAX_IMPORTANCE_RUNS}
		),
		keys as (${keysOf(params)})
		select c.matched::int8 as matched, ${targetValue(target)} as target,
			coalesce(
				(select jsonb_object_agg(k.name, ${shortened(sql`c.hp -> k.name`)}) from keys k where c.hp ? k.name),
				'{}'::jsonb
			) as params
		from chosen c
		order by md5(c.id::text) collate "C", c.id
	`.execute(db);
	return {
		runs: result.rows.map((row) => ({ params: row.params, target: row.target })),
		matched: result.rows[0] ? Number(result.rows[0].matched) : 0
	};
}

function scopeCondition(scope: ImportanceScope, reader: Reader, clock: QueryClock): RawBuilder<unknown> {
	if (scope.kind === 'workspace') {
		const filter = scope.filter ? sql`and ${filterSql(scope.filter, clock)}` : sql``;
		return sql`e.workspace_id = ${scope.workspaceId} ${filter}`;
	}
	// Named runs the reader may not see are simply absent, as in POST /api/experiments/batch.
	const scoped = reader.keyWorkspaceId ? sql`and e.workspace_id = ${reader.keyWorkspaceId}` : sql``;
	return sql`e.id in (${sql.join(scope.ids)}) and e.workspace_id in (
		select m.workspace_id from workspace_members m where m.user_id = ${reader.userId}
	) ${scoped}`;
}

/** The hyperparameter names to read: those asked for, or the most common of the chosen runs. */
function keysOf(params: string[] | undefined): RawBuilder<unknown> {
	if (params) return sql`select unnest(array[${sql.join(params)}]::text[]) as name`;
	return sql`
		select n.name from chosen c cross join jsonb_object_keys(c.hp) as n(name)
		group by n.name order by count(*) desc, n.name collate "C"
		limit ${MAX_IMPORTANCE_PARAMS + 1}
	`;
}

/** The run's target from the series summary or its result; null when it has none. */
function targetValue(target: ImportanceTarget): RawBuilder<unknown> {
	if (target.kind === 'result') {
		return sql`(select r.value from results r where r.experiment_id = c.id and r.name = ${target.name}::text)`;
	}
	const column = sql.ref(`s.${SUMMARY_COLUMNS[target.aggregate]}`);
	return sql`(select ${column}::float8 from metric_series s where s.experiment_id = c.id and s.name = ${target.name}::text)`;
}

/** A long text value as a prefix and its md5: the same text gives the same value, at most ~150 characters. */
function shortened(value: RawBuilder<unknown>): RawBuilder<unknown> {
	return sql`case when jsonb_typeof(${value}) = 'string' and length(${value} #>> '{}') > ${MAX_TEXT_VALUE}
		then to_jsonb(left(${value} #>> '{}', ${MAX_TEXT_VALUE}) || '…' || md5(${value} #>> '{}'))
		else ${value} end`;
}
