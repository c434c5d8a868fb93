/**
 * The run query language compiled to SQL over `experiments as e`: a filter becomes one boolean
 * expression, a sort key the ORDER BY terms and keyset condition that page through it exactly.
 * Every value the user wrote travels as a bound parameter; names of hyperparameters, results and
 * metrics too. Each condition is two-valued (`coalesce(…, false)`), as evaluate.ts defines them,
 * so `not` is the exact complement and the model-checking test can compare row for row.
 *
 * Text is compared by code point (`collate "C"`), and `~` folds ASCII letters only, the same on
 * every server whatever its locale (the model does the same).
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type {
	ComparisonOperator,
	Expr,
	Key,
	Literal,
	MetricAggregate,
	RunField
} from '../contracts/query/ast.ts';
import { isContextField, type ContextField } from '../contracts/query/ast.ts';

type Sql = RawBuilder<unknown>;

/** What "now" means for one query: `crashed` is a running run last seen before `crashedBefore`. */
export interface QueryClock {
	crashedBefore: Date;
}

export function filterSql(expr: Expr, clock: QueryClock): RawBuilder<SqlBool> {
	return sql<SqlBool>`${condition(expr, clock)}`;
}

function condition(expr: Expr, clock: QueryClock): Sql {
	switch (expr.kind) {
		case 'and':
		case 'or':
			return sql`(${sql.join(
				expr.items.map((item) => condition(item, clock)),
				expr.kind === 'and' ? sql` and ` : sql` or `
			)})`;
		case 'not':
			return sql`(not ${condition(expr.item, clock)})`;
		case 'has':
			return presence(expr.key, clock);
		case 'in': {
			const hit = sql`(${sql.join(
				expr.values.map((value) => comparison(expr.key, '=', value, clock)),
				sql` or `
			)})`;
			return expr.negated ? sql`(${hasValue(expr.key, clock)} and not ${hit})` : hit;
		}
		case 'compare':
			if (expr.op === '!=') {
				return sql`(${hasValue(expr.key, clock)} and not ${comparison(expr.key, '=', expr.value, clock)})`;
			}
			return comparison(expr.key, expr.op, expr.value, clock);
	}
}

/** Whether the run has the key at all (`has`): the hyperparameter, the result, the series. */
function presence(key: Key, clock: QueryClock): Sql {
	switch (key.kind) {
		case 'hp':
			return sql`(e.hyperparams_by_key ? ${key.name}::text)`;
		case 'result':
			return sql`exists (select from results r where r.experiment_id = e.id and r.name = ${key.name}::text)`;
		case 'metric':
			// `has metric.x` asks whether the series exists; a comparison needs its value too.
			return sql`exists (select from metric_series s where s.experiment_id = e.id and s.name = ${key.name}::text)`;
		case 'field':
			if (key.field === 'gpu') return sql`(${contextValue('gpu')} is not null)`;
			if (key.field === 'creator' || key.field === 'project' || isContextField(key.field)) {
				return sql`(${fieldValue(key.field, clock)} is not null)`;
			}
			return sql`true`;
	}
}

/** Whether the run has a value to compare (`!=` and `not in` need one): a metric needs points. */
function hasValue(key: Key, clock: QueryClock): Sql {
	if (key.kind !== 'metric') return presence(key, clock);
	return sql`exists (select from metric_series s where s.experiment_id = e.id and s.name = ${key.name}::text and ${metricColumn(key.aggregate)} is not null)`;
}

/** A comparison that is never null: false whenever the run lacks the value. */
function comparison(key: Key, op: Exclude<ComparisonOperator, '!='>, value: Literal, clock: QueryClock): Sql {
	switch (key.kind) {
		case 'hp':
			return hyperparamComparison(key.name, op, value);
		case 'result':
			return sql`exists (select from results r where r.experiment_id = e.id and r.name = ${key.name}::text and ${numeric(sql`r.value`, op, value)})`;
		case 'metric':
			return sql`exists (select from metric_series s where s.experiment_id = e.id and s.name = ${key.name}::text and ${numeric(metricColumn(key.aggregate), op, value)})`;
		case 'field':
			return fieldComparison(key.field, op, value, clock);
	}
}

function fieldComparison(
	field: RunField,
	op: Exclude<ComparisonOperator, '!='>,
	value: Literal,
	clock: QueryClock
): Sql {
	switch (field) {
		case 'tag':
			if (op === '~')
				return sql`exists (select from unnest(e.tags) as t(tag) where ${contains(sql`t.tag`, value)})`;
			return sql`(e.tags @> array[${text(value)}]::text[])`;
		case 'created':
		case 'updated':
			return instant(fieldValue(field, clock), op, value);
		case 'gpu': {
			const names = sql`jsonb_path_query_array(${contextValue('gpu')}, '$[*].name')`;
			if (op === '~')
				return sql`exists (select from jsonb_array_elements_text(${names}) as g(name) where ${contains(sql`g.name`, value)})`;
			return sql`coalesce(${names} @> jsonb_build_array(${text(value)}::text), false)`;
		}
		case 'duration':
		case 'cpus':
		case 'memory':
			return numeric(fieldValue(field, clock), op, value);
		case 'project': {
			// The matching projects first (a hashed subplan), not a name lookup per run; a run in
			// no project has a null id, and `in` would be null, never false: hence the coalesce.
			const matching =
				op === '~'
					? sql`select p.id from projects p where ${contains(sql`p.name`, value)}`
					: sql`select p.id from projects p where p.name = ${text(value)}::text`;
			return sql`coalesce(e.project_id in (${matching}), false)`;
		}
		case 'git.dirty':
			return value.type === 'boolean'
				? sql`coalesce(${fieldValue(field, clock)} = ${value.value}::boolean, false)`
				: sql`false`;
		default:
			return op === '~'
				? contains(fieldValue(field, clock), value)
				: sql`coalesce(${fieldValue(field, clock)} = ${text(value)}::text, false)`;
	}
}

/** The SQL value of a field of `e`; null where the run has none (no creator, no context). */
function fieldValue(field: Exclude<RunField, 'tag' | 'gpu'>, clock: QueryClock): Sql {
	switch (field) {
		case 'notes':
			return sql`coalesce((select n.body from experiment_notes n where n.experiment_id = e.id), '')`;
		case 'git.commit':
		case 'git.branch':
		case 'git.remote':
		case 'git.dirty':
		case 'host':
		case 'os':
		case 'cwd':
		case 'cpus':
		case 'memory':
		case 'runtime':
		case 'command':
			return contextFieldValue(field);
		case 'name':
			return sql`e.name`;
		case 'description':
			return sql`e.description`;
		case 'status':
			return sql`(case when e.status = 'running' and e.last_seen_at < ${clock.crashedBefore.toISOString()}::timestamptz then 'crashed' else e.status end)`;
		case 'created':
			return sql`e.created_at`;
		case 'updated':
			return sql`e.updated_at`;
		case 'duration':
			return sql`extract(epoch from e.last_seen_at - e.created_at)::float8`;
		case 'creator':
			return sql`(select p.email from profiles p where p.id = e.created_by)`;
		case 'project':
			return sql`(select p.name from projects p where p.id = e.project_id)`;
	}
}

/** A context key's SQL value (text, boolean or float8); null where the run has none. */
function contextFieldValue(field: Exclude<ContextField, 'gpu'>): Sql {
	switch (field) {
		case 'git.dirty':
			return sql`(${contextValue(field)})::boolean`;
		case 'cpus':
		case 'memory':
			return sql`(${contextValue(field)})::float8`;
		case 'runtime':
			return sql`((${contextValue(field)} ->> 'name') || ' ' || (${contextValue(field)} ->> 'version'))`;
		case 'command':
			return sql`(select string_agg(a.arg, ' ' order by a.i) from jsonb_array_elements_text(${contextValue(field)}) with ordinality as a(arg, i))`;
		default:
			return sql`(${contextValue(field)} #>> '{}')`;
	}
}

/**
 * A context key's value as a list row carries it (jsonb; see ContextValue in the contracts): the
 * value filters and sorts read, text cut at `maxChars`, and the GPUs as a list of their names.
 */
export function contextColumnValue(field: ContextField, maxChars: number): Sql {
	switch (field) {
		case 'gpu':
			return sql`jsonb_path_query_array(${contextValue(field)}, '$[*].name')`;
		case 'git.dirty':
		case 'cpus':
		case 'memory':
			return sql`to_jsonb(${contextFieldValue(field)})`;
		default:
			return sql`to_jsonb(left(${contextFieldValue(field)}, ${maxChars}::int))`;
	}
}

/** Where each context key lives in experiment_context.summary (see contextSummary). */
const CONTEXT_PATHS: Record<ContextField, string> = {
	'git.commit': '{git,commit}',
	'git.branch': '{git,branch}',
	'git.remote': '{git,remote}',
	'git.dirty': '{git,dirty}',
	host: '{host}',
	os: '{os}',
	runtime: '{runtime}',
	cwd: '{cwd}',
	command: '{command}',
	gpu: '{gpus}',
	cpus: '{cpus}',
	memory: '{memory_bytes}'
};

/** The jsonb at a context key's path; SQL null (not JSON null) when absent or JSON null. */
function contextValue(field: ContextField): Sql {
	return sql`(select nullif(c.summary #> ${CONTEXT_PATHS[field]}::text[], 'null'::jsonb) from experiment_context c where c.experiment_id = e.id)`;
}

const METRIC_COLUMNS: Record<MetricAggregate, string> = {
	last: 'last_value',
	min: 'min_value',
	max: 'max_value',
	first: 'first_value',
	count: 'point_count',
	last_step: 'last_step'
};

function metricColumn(aggregate: MetricAggregate): Sql {
	return sql`s.${sql.ref(METRIC_COLUMNS[aggregate])}::float8`;
}

function hyperparamComparison(name: string, op: Exclude<ComparisonOperator, '!='>, value: Literal): Sql {
	const v = sql`(e.hyperparams_by_key -> ${name}::text)`;
	switch (value.type) {
		case 'number':
			return sql`coalesce(jsonb_typeof(${v}) = 'number' and ${numeric(sql`(${v})::float8`, op, value)}, false)`;
		case 'boolean':
			return sql`coalesce(${v} = to_jsonb(${value.value}::boolean), false)`;
		case 'string': {
			const textValue = sql`(e.hyperparams_by_key ->> ${name}::text)`;
			const matched = op === '~' ? contains(textValue, value) : sql`${textValue} = ${value.value}::text`;
			return sql`coalesce(jsonb_typeof(${v}) = 'string' and ${matched}, false)`;
		}
		default:
			return sql`false`;
	}
}

/** `x <op> literal` for a float8 expression; null (no value) → false. */
function numeric(expression: Sql, op: ComparisonOperator, value: Literal): Sql {
	if (value.type !== 'number') return sql`false`;
	return sql`coalesce(${expression} ${sql.raw(sqlOperator(op))} ${value.value}::float8, false)`;
}

/** A timestamptz against an instant, or a day as its whole extent (see evaluate.ts). */
function instant(expression: Sql, op: ComparisonOperator, value: Literal): Sql {
	const at = (ms: number) => sql`${new Date(ms).toISOString()}::timestamptz`;
	if (value.type === 'instant') return sql`(${expression} ${sql.raw(sqlOperator(op))} ${at(value.value)})`;
	if (value.type !== 'day') return sql`false`;
	switch (op) {
		case '=':
			return sql`(${expression} >= ${at(value.start)} and ${expression} < ${at(value.end)})`;
		case '<':
			return sql`(${expression} < ${at(value.start)})`;
		case '<=':
			return sql`(${expression} < ${at(value.end)})`;
		case '>':
			return sql`(${expression} >= ${at(value.end)})`;
		default:
			return sql`(${expression} >= ${at(value.start)})`;
	}
}

/** Case-insensitive (ASCII letters) substring; `%`, `_` and `\` are plain characters here. */
function contains(expression: Sql, value: Literal): Sql {
	return sql`coalesce(strpos(lower(${expression} collate "C"), lower(${text(value)}::text collate "C")) > 0, false)`;
}

function text(value: Literal): string {
	return value.type === 'string' ? value.value : '';
}

function sqlOperator(op: ComparisonOperator): string {
	return op === '~' || op === '!=' ? '=' : op;
}

// ---- sorting ----------------------------------------------------------------------------------

/** One part of a sort tuple: its SQL and the type its cursor text is cast back to. */
interface SortPart {
	expression: Sql;
	type: 'text' | 'float8' | 'timestamptz';
}

export interface SortPlan {
	/** Null when every run has a value (no "missing last" term needed, so indexes still serve). */
	present: Sql | null;
	parts: SortPart[];
	/**
	 * The plan has one part, null exactly for the runs without a value (a metric, a result, the
	 * creator). Then `nulls last` puts those runs last and the keyset test is null for them, so
	 * ORDER BY and the cursor condition evaluate the part's subquery once per run instead of
	 * evaluating `present` (the same subquery) again: at 100,000 runs that is half the work.
	 */
	nullWhenMissing?: boolean;
	/** An index that lists the workspace's runs in this order (migration 20261207140000). */
	index?: SortIndex;
}

/**
 * A table with an index on (workspace_id, <name column>, <sort columns...>, experiment_id) whose
 * rows hold the sort parts of the runs that have the key, in the plan's order: the metric and
 * result sorts' one value, the hyperparameter sort's (kind, number, text) tuple. See
 * pageBySortIndex in experiment.repository.ts.
 */
export interface SortIndex {
	table: 'metric_series' | 'results' | 'experiment_params';
	nameColumn: 'name' | 'key';
	name: string;
	/** The plan's parts, in order, as this table's columns and the type a cursor text is cast to. */
	columns: Array<{ column: string; type: 'float8' | 'int2' | 'text' }>;
	/** A run has the key only if the (single) column is not null: a metric series may lack points. */
	nullable: boolean;
	/** The column a comparison of the key with a number reads (see sortIndexBounds). */
	numberColumn: string;
}

const valueIndex = (
	table: 'metric_series' | 'results',
	name: string,
	column: 'last_value' | 'min_value' | 'max_value' | 'value'
): SortIndex => ({
	table,
	nameColumn: 'name',
	name,
	columns: [{ column, type: 'float8' }],
	nullable: true,
	numberColumn: column
});

/**
 * Conditions on a sort index's columns that `filter` implies: its top-level `and` comparisons of
 * the sort key itself with a number (`hp.lr < 1e-3` sorted by `hp.lr`). They bound the index
 * range a page walks, so such a page starts at the first run that can match instead of reading
 * past every run the filter then refuses; the filter itself is still checked on every run.
 */
export function sortIndexBounds(filter: Expr | undefined, key: Key, index: SortIndex): Sql[] {
	const conjuncts = (expr: Expr): Expr[] => (expr.kind === 'and' ? expr.items.flatMap(conjuncts) : [expr]);
	const bounds: Sql[] = [];
	for (const item of filter ? conjuncts(filter) : []) {
		if (item.kind !== 'compare' || item.value.type !== 'number' || !sameKey(item.key, key)) continue;
		if (item.op === '!=' || item.op === '~') continue;
		const bound = sql`${sql.ref(`s.${index.numberColumn}`)} ${sql.raw(item.op)} ${item.value.value}::float8`;
		// A hyperparameter compares as a number only where it is one (kind 0).
		bounds.push(index.table === 'experiment_params' ? sql`(s.kind = 0 and ${bound})` : bound);
	}
	return bounds;
}

function sameKey(a: Key, b: Key): boolean {
	switch (a.kind) {
		case 'field':
			return b.kind === 'field' && a.field === b.field;
		case 'metric':
			return b.kind === 'metric' && a.name === b.name && a.aggregate === b.aggregate;
		case 'hp':
			return b.kind === 'hp' && a.name === b.name;
		case 'result':
			return b.kind === 'result' && a.name === b.name;
	}
}

/** The metric aggregates whose column has a sort index. */
const INDEXED_AGGREGATES: Partial<Record<MetricAggregate, 'last_value' | 'min_value' | 'max_value'>> = {
	last: 'last_value',
	min: 'min_value',
	max: 'max_value'
};

export function sortPlan(key: Key, clock: QueryClock): SortPlan {
	switch (key.kind) {
		case 'hp': {
			const v = sql`(e.hyperparams_by_key -> ${key.name}::text)`;
			return {
				present: sql`(${v} is not null)`,
				parts: [
					{
						expression: sql`(case jsonb_typeof(${v}) when 'number' then 0 when 'string' then 1 else 2 end)::float8`,
						type: 'float8'
					},
					{
						expression: sql`(case jsonb_typeof(${v}) when 'number' then (${v})::float8 when 'boolean' then (case when ${v} = 'true'::jsonb then 1 else 0 end) else 0 end)::float8`,
						type: 'float8'
					},
					{
						expression: sql`(case when jsonb_typeof(${v}) = 'string' then e.hyperparams_by_key ->> ${key.name}::text else '' end) collate "C"`,
						type: 'text'
					}
				],
				// experiment_params holds these three parts (migration 20261207150000).
				index: {
					table: 'experiment_params',
					nameColumn: 'key',
					name: key.name,
					columns: [
						{ column: 'kind', type: 'int2' },
						{ column: 'number_value', type: 'float8' },
						{ column: 'text_value', type: 'text' }
					],
					nullable: false,
					numberColumn: 'number_value'
				}
			};
		}
		case 'result': {
			const value = sql`(select r.value from results r where r.experiment_id = e.id and r.name = ${key.name}::text)`;
			return {
				present: sql`(${value} is not null)`,
				parts: [{ expression: value, type: 'float8' }],
				nullWhenMissing: true,
				index: valueIndex('results', key.name, 'value')
			};
		}
		case 'metric': {
			const indexed = INDEXED_AGGREGATES[key.aggregate];
			const value = sql`(select ${metricColumn(key.aggregate)} from metric_series s where s.experiment_id = e.id and s.name = ${key.name}::text)`;
			return {
				present: sql`(${value} is not null)`,
				parts: [{ expression: value, type: 'float8' }],
				nullWhenMissing: true,
				...(indexed ? { index: valueIndex('metric_series', key.name, indexed) } : {})
			};
		}
		case 'field':
			return fieldSortPlan(key.field, clock);
	}
}

function fieldSortPlan(field: RunField, clock: QueryClock): SortPlan {
	switch (field) {
		case 'tag':
		case 'gpu':
			// parseSortKey refuses them: the contracts never hand a list sort to the repository.
			throw new Error(`runs cannot be sorted by ${field}`);
		case 'created':
		case 'updated':
			return { present: null, parts: [{ expression: fieldValue(field, clock), type: 'timestamptz' }] };
		case 'duration':
			return { present: null, parts: [{ expression: fieldValue(field, clock), type: 'float8' }] };
		case 'cpus':
		case 'memory': {
			const value = fieldValue(field, clock);
			return {
				present: sql`(${value} is not null)`,
				parts: [{ expression: value, type: 'float8' }],
				nullWhenMissing: true
			};
		}
		case 'git.dirty': {
			// evaluate.ts ranks booleans false < true.
			const value = sql`(${fieldValue(field, clock)})::int::float8`;
			return {
				present: sql`(${value} is not null)`,
				parts: [{ expression: value, type: 'float8' }],
				nullWhenMissing: true
			};
		}
		case 'creator':
		case 'project':
		case 'git.commit':
		case 'git.branch':
		case 'git.remote':
		case 'host':
		case 'os':
		case 'runtime':
		case 'cwd':
		case 'command': {
			const value = fieldValue(field, clock);
			return {
				present: sql`(${value} is not null)`,
				parts: [{ expression: sql`${value} collate "C"`, type: 'text' }],
				nullWhenMissing: true
			};
		}
		default:
			return {
				present: null,
				parts: [{ expression: sql`${fieldValue(field, clock)} collate "C"`, type: 'text' }]
			};
	}
}

/** The text a cursor keeps of a sort part; timestamps keep their microseconds. */
export function cursorText(part: SortPart): Sql {
	if (part.type === 'timestamptz') {
		return sql`to_char(${part.expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
	}
	return sql`(${part.expression})::text`;
}

/** Where a page ended: whether its last run had a value, that value's parts, and its id. */
export interface SortCursor {
	present: boolean;
	values: string[];
	id: string;
}

/** Runs after `cursor` in the order `orderBy` gives. */
export function afterCursor(plan: SortPlan, order: 'asc' | 'desc', cursor: SortCursor): Sql {
	const beyond = sql.raw(order === 'asc' ? '>' : '<');
	const id = sql`${cursor.id}::uuid`;
	if (!cursor.present) {
		return plan.present ? sql`(not ${plan.present} and e.id ${beyond} ${id})` : sql`false`;
	}
	const own = sql.join([...plan.parts.map((part) => part.expression), sql`e.id`]);
	const theirs = sql.join([
		...plan.parts.map(
			(part, i) =>
				sql`${cursor.values[i]}::text::${sql.raw(part.type)}${part.type === 'text' ? sql` collate "C"` : sql``}`
		),
		id
	]);
	const later = sql`((${own}) ${beyond} (${theirs}))`;
	// The cursor's values are not null, so `later` is null exactly for runs without a value.
	if (plan.nullWhenMissing) return sql`(${later} is not false)`;
	return plan.present ? sql`((${plan.present} and ${later}) or not ${plan.present})` : later;
}

/** ORDER BY terms: runs with a value first, then the parts, then id, all in `order`. */
export function orderByTerms(plan: SortPlan, order: 'asc' | 'desc'): Sql {
	const direction = sql.raw(order);
	if (plan.nullWhenMissing) {
		return sql.join([sql`${plan.parts[0].expression} ${direction} nulls last`, sql`e.id ${direction}`]);
	}
	return sql.join([
		...(plan.present ? [sql`${plan.present} desc`] : []),
		...plan.parts.map((part) => sql`${part.expression} ${direction}`),
		sql`e.id ${direction}`
	]);
}
