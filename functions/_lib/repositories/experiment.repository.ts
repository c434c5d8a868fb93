import { sql, type RawBuilder, type Selectable, type SqlBool, type Transaction } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { sweepOrphanedObjects } from '../storage/artifact-http.ts';
import {
	encodeExperimentCursor,
	MAX_LIST_CONTEXT_CHARS,
	MAX_LIST_METRIC_NAMES,
	MAX_LIST_RESULTS,
	type ContextValue,
	type Experiment,
	type ExperimentCursor,
	type ExperimentPage,
	type ExperimentReferences,
	type RunFilter,
	type RunKey,
	type ExperimentStatus,
	type ExperimentSummary,
	type Hyperparam,
	type MetricSummary,
	type ResultValue,
	type SortOrder
} from '../contracts/experiments.ts';
import type { ContextField } from '../contracts/query/ast.ts';
import type { Db } from '../db.ts';
import type { Database, ExperimentsTable } from '../db-types.ts';
import {
	afterCursor,
	contextColumnValue,
	cursorText,
	filterSql,
	orderByTerms,
	sortIndexBounds,
	sortPlan,
	type QueryClock,
	type SortIndex,
	type SortPlan
} from './experiment-query.ts';
import { shownStatus } from '../liveness.ts';
import { toMetricSummary } from './metric-summary.ts';
import { ensureProject, projectNames } from './project.repository.ts';

type ExperimentRow = Selectable<ExperimentsTable>;

/** Who is looking: members see their workspaces' experiments; a scoped key only its workspace's. */
export interface Viewer {
	userId: string;
	keyWorkspaceId?: string | null;
}

const summaryColumns = ['e.id', 'e.name', 'e.status', 'e.workspace_id', 'e.last_seen_at'] as const;

const experimentUrl = (origin: string, id: string) => `${origin}/experiments/${id}`;

/** What an experiment carries besides its own row: summaries, results and how many there are. */
interface Carried {
	metrics: MetricSummary[];
	results: ResultValue[];
	metricCount: number;
	resultCount: number;
	/** The context keys' values a list was asked for; absent when it asked for none. */
	contextValues?: Record<string, ContextValue>;
}

const NOTHING_CARRIED: Carried = { metrics: [], results: [], metricCount: 0, resultCount: 0 };

/** Everything an experiment has (single reads): the counts are the lists' lengths. */
const everything = (metrics: MetricSummary[], results: ResultValue[]): Carried => ({
	metrics,
	results,
	metricCount: metrics.length,
	resultCount: results.length
});

/** The one place a stored experiment becomes its API shape (`project`: its project's name). */
function toExperiment(
	row: ExperimentRow,
	origin: string,
	carried: Carried = NOTHING_CARRIED,
	project: string | null = null
): Experiment {
	return {
		id: row.id,
		name: row.name,
		description: row.description,
		tags: row.tags,
		hyperparams: row.hyperparams as Hyperparam[],
		status: shownStatus(row),
		workspace_id: row.workspace_id,
		project_id: row.project_id,
		project: row.project_id === null ? null : project,
		created_by: row.created_by,
		created_at: row.created_at.toISOString(),
		updated_at: row.updated_at.toISOString(),
		last_seen_at: row.last_seen_at.toISOString(),
		url: experimentUrl(origin, row.id),
		metrics: carried.metrics,
		results: carried.results,
		metric_count: carried.metricCount,
		result_count: carried.resultCount,
		...(carried.contextValues ? { context_values: carried.contextValues } : {})
	};
}

function toSummary(
	row: Pick<ExperimentRow, 'id' | 'name' | 'status' | 'workspace_id' | 'last_seen_at'>,
	origin: string
) {
	const summary: ExperimentSummary = {
		id: row.id,
		name: row.name,
		status: shownStatus(row),
		workspace_id: row.workspace_id,
		url: experimentUrl(origin, row.id)
	};
	return summary;
}

const projectNameOf = (row: ExperimentRow, names: Map<string, string>) =>
	row.project_id === null ? null : (names.get(row.project_id) ?? null);

/** The metric_series columns a summary is made of (with the experiment it belongs to). */
const SUMMARY_COLUMNS = [
	'experiment_id',
	'name',
	'point_count',
	'first_step',
	'last_step',
	'min_value',
	'max_value',
	'last_value',
	'first_value'
] as const;

const toResultValue = (r: { name: string; value: number; logged_at: Date }): ResultValue => ({
	name: r.name,
	value: r.value,
	logged_at: r.logged_at.toISOString()
});

/** A Postgres array literal of ids (UUIDs need no quoting), sent as one text parameter. */
const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;

/** `rows` grouped by their experiment id, each group in the rows' order. */
function groupByExperiment<R extends { experiment_id: string }, T>(rows: R[], map: (row: R) => T) {
	const groups = new Map<string, T[]>();
	for (const row of rows) {
		const group = groups.get(row.experiment_id);
		if (group) group.push(map(row));
		else groups.set(row.experiment_id, [map(row)]);
	}
	return groups;
}

/**
 * Rows → experiments with everything they hold (the single-experiment reads): two set-wise
 * queries, never one per row.
 */
async function withSummaries(db: Db, rows: ExperimentRow[], origin: string): Promise<Experiment[]> {
	if (rows.length === 0) return [];
	const ids = rows.map((row) => row.id);
	const [series, results, projects] = await Promise.all([
		db
			.selectFrom('metric_series')
			.select(SUMMARY_COLUMNS)
			.where('experiment_id', 'in', ids)
			.orderBy('experiment_id')
			.orderBy('name')
			.execute(),
		db
			.selectFrom('results')
			.select(['experiment_id', 'name', 'value', 'logged_at'])
			.where('experiment_id', 'in', ids)
			.orderBy('experiment_id')
			.orderBy('name')
			.execute(),
		projectNames(
			db,
			rows.map((row) => row.project_id)
		)
	]);
	const metricsById = groupByExperiment(series, toMetricSummary);
	const resultsById = groupByExperiment(results, toResultValue);
	return rows.map((row) =>
		toExperiment(
			row,
			origin,
			everything(metricsById.get(row.id) ?? [], resultsById.get(row.id) ?? []),
			projectNameOf(row, projects)
		)
	);
}

/**
 * The values of context keys for some experiments, as lists carry them (each key present, null
 * where a run has none): one statement, each value bounded (contextColumnValue).
 */
async function contextValuesOf(
	db: Db,
	ids: string[],
	fields: readonly ContextField[]
): Promise<Map<string, Record<string, ContextValue>>> {
	if (ids.length === 0 || fields.length === 0) return new Map();
	const pairs = fields.flatMap((field) => [
		sql`${field}::text`,
		contextColumnValue(field, MAX_LIST_CONTEXT_CHARS)
	]);
	const result = await sql<{ id: string; context_values: Record<string, ContextValue> }>`
		select e.id, jsonb_build_object(${sql.join(pairs)}) as context_values
		from experiments e where e.id = any(${uuidArray(ids)}::text::uuid[])
	`.execute(db);
	return new Map(result.rows.map((row) => [row.id, row.context_values]));
}

/**
 * Rows → experiments as lists carry them: summaries of the `metricNames` asked for only, the
 * first MAX_LIST_RESULTS results by name, both counts (kept on the row by triggers), and the
 * values of the `contextFields` asked for. Set-wise queries whose cost grows with the rows and
 * the names asked for, not with how many metrics or results the experiments hold.
 */
async function withListSummaries(
	db: Db,
	rows: ExperimentRow[],
	origin: string,
	metricNames: string[],
	contextFields: readonly ContextField[] = []
): Promise<Experiment[]> {
	if (rows.length === 0) return [];
	const ids = rows.map((row) => row.id);
	const [series, results, projects, contextValues] = await Promise.all([
		metricNames.length === 0
			? []
			: db
					.selectFrom('metric_series')
					.select(SUMMARY_COLUMNS)
					.where('experiment_id', 'in', ids)
					.where('name', 'in', metricNames)
					.orderBy('experiment_id')
					.orderBy('name')
					.execute(),
		sql<{ experiment_id: string; name: string; value: number; logged_at: Date }>`
			select e.id as experiment_id, r.name, r.value, r.logged_at
			from unnest(${uuidArray(ids)}::text::uuid[]) as e(id)
			cross join lateral (
				select name, value, logged_at from results where experiment_id = e.id
				order by name limit ${MAX_LIST_RESULTS}
			) r
			order by e.id, r.name
		`
			.execute(db)
			.then((result) => result.rows),
		projectNames(
			db,
			rows.map((row) => row.project_id)
		),
		contextValuesOf(db, ids, contextFields)
	]);
	const metricsById = groupByExperiment(series, toMetricSummary);
	const resultsById = groupByExperiment(results, toResultValue);
	return rows.map((row) =>
		toExperiment(
			row,
			origin,
			{
				metrics: metricsById.get(row.id) ?? [],
				results: resultsById.get(row.id) ?? [],
				metricCount: row.metric_count,
				resultCount: row.result_count,
				...(contextFields.length ? { contextValues: contextValues.get(row.id) } : {})
			},
			projectNameOf(row, projects)
		)
	);
}

/**
 * The first MAX_LIST_METRIC_NAMES metric names (sorted) among some experiments. Each name among
 * the first N of the union is among the first N of its own experiment, so N names per experiment
 * (an index range each) are enough: the cost does not grow with the experiments' metric counts.
 */
async function firstMetricNames(db: Db, ids: string[]): Promise<string[]> {
	if (ids.length === 0) return [];
	const result = await sql<{ name: string }>`
		select distinct s.name from unnest(${uuidArray(ids)}::text::uuid[]) as e(id)
		cross join lateral (
			select name from metric_series where experiment_id = e.id order by name limit ${MAX_LIST_METRIC_NAMES}
		) s
		order by s.name
		limit ${MAX_LIST_METRIC_NAMES}
	`.execute(db);
	return result.rows.map((row) => row.name);
}

/** Visibility for queries that alias experiments as `e`. */
function visibleTo(viewer: Viewer) {
	const scoped = viewer.keyWorkspaceId ? sql`and e.workspace_id = ${viewer.keyWorkspaceId}` : sql``;
	return sql<SqlBool>`e.workspace_id in (
		select m.workspace_id from workspace_members m where m.user_id = ${viewer.userId}
	) ${scoped}`;
}

const FOREIGN_KEY_VIOLATION = '23503';
const isForeignKeyViolation = (error: unknown) =>
	(error as { code?: unknown } | null)?.code === FOREIGN_KEY_VIOLATION;

export interface NewExperiment {
	workspaceId: string;
	createdBy: string;
	name: string;
	description: string;
	tags: string[];
	hyperparams: Hyperparam[];
	/** A project of the workspace by name, made on first use. */
	project?: string | null;
	/** A source's id for the run: the run already made with it is answered instead. */
	importKey?: string | null;
	/** When an imported run started at its source (epoch ms); its `created_at`. */
	startedAt?: number | null;
}

export type CreateExperimentOutcome =
	/** `created` false: the workspace already held a run with the import key (returned unchanged). */
	| { kind: 'created'; experiment: Experiment; created: boolean }
	| { kind: 'too-many-projects'; limit: number }
	/** The workspace disappeared between the role check and the insert. */
	| { kind: 'missing' };

class MissingWorkspace extends Error {}

/**
 * One transaction: the project (if named) is made with the run, so a refused insert leaves no
 * empty project. With an import key, a second create of the same run (an importer run twice, two
 * at once) answers the first run: the unique (workspace, import key) constraint decides.
 */
export async function createExperiment(
	db: Db,
	input: NewExperiment,
	origin: string
): Promise<CreateExperimentOutcome> {
	try {
		return await db.transaction().execute((tx) => createExperimentIn(tx, input, origin));
	} catch (error) {
		if (isForeignKeyViolation(error) || error instanceof MissingWorkspace) return { kind: 'missing' };
		throw error;
	}
}

/**
 * `createExperiment` inside the caller's transaction, for writes that make a run together with
 * rows of their own (the MLflow API's run state). A vanished workspace throws here; the caller's
 * transaction rolls back.
 */
export async function createExperimentIn(
	tx: Transaction<Database>,
	input: NewExperiment,
	origin: string
): Promise<CreateExperimentOutcome> {
	if (input.importKey) {
		const existing = await tx
			.selectFrom('experiments')
			.select('id')
			.where('workspace_id', '=', input.workspaceId)
			.where('import_key', '=', input.importKey)
			.executeTakeFirst();
		if (existing)
			return { kind: 'created', experiment: await imported(tx, existing.id, origin), created: false };
	}
	let projectId: string | null = null;
	let projectName: string | null = null;
	if (input.project) {
		const project = await ensureProject(tx, input.workspaceId, input.project, input.createdBy);
		if (project.kind === 'too-many') return { kind: 'too-many-projects', limit: project.limit };
		if (project.kind === 'missing') return { kind: 'missing' };
		projectId = project.id;
		projectName = input.project;
	}
	const row = await tx
		.insertInto('experiments')
		.values({
			workspace_id: input.workspaceId,
			created_by: input.createdBy,
			name: input.name,
			description: input.description,
			tags: input.tags,
			hyperparams: input.hyperparams,
			project_id: projectId,
			import_key: input.importKey ?? null,
			...(input.startedAt != null && { created_at: new Date(input.startedAt) })
		})
		.onConflict((oc) => oc.constraint('experiments_workspace_import_key').doNothing())
		.returningAll()
		.executeTakeFirst();
	if (row)
		return {
			kind: 'created',
			experiment: toExperiment(row, origin, NOTHING_CARRIED, projectName),
			created: true
		};
	// Another transaction made the run with this import key since the read above.
	const winner = await tx
		.selectFrom('experiments')
		.select('id')
		.where('workspace_id', '=', input.workspaceId)
		.where('import_key', '=', input.importKey ?? '')
		.executeTakeFirstOrThrow();
	return { kind: 'created', experiment: await imported(tx, winner.id, origin), created: false };
}

/** The run an import key already names, as a single read answers it. */
async function imported(tx: Db, id: string, origin: string): Promise<Experiment> {
	const experiment = await getExperiment(tx, id, origin);
	if (!experiment) throw new MissingWorkspace();
	return experiment;
}

/**
 * One experiment with its metric summaries and results in a single statement (the page's and the
 * SDK's most frequent read): one round trip instead of three.
 */
export async function getExperiment(db: Db, id: string, origin: string): Promise<Experiment | undefined> {
	const row = await db
		.selectFrom('experiments as e')
		.selectAll('e')
		.select((eb) => [
			jsonArrayFrom(
				eb
					.selectFrom('metric_series as s')
					.select(SUMMARY_COLUMNS.map((column) => `s.${column}` as const))
					.whereRef('s.experiment_id', '=', 'e.id')
					.orderBy('s.name')
			).as('metric_list'),
			jsonArrayFrom(
				eb
					.selectFrom('results as r')
					.select(['r.name', 'r.value', 'r.logged_at'])
					.whereRef('r.experiment_id', '=', 'e.id')
					.orderBy('r.name')
			).as('result_list'),
			eb.selectFrom('projects as p').select('p.name').whereRef('p.id', '=', 'e.project_id').as('project_name')
		])
		.where('e.id', '=', id)
		.executeTakeFirst();
	if (!row) return undefined;
	const { metric_list, result_list, project_name, ...experiment } = row;
	// JSON carries timestamps as text; normalise them to the ISO form every other read returns.
	const results = result_list.map((r) => ({ ...r, logged_at: new Date(r.logged_at).toISOString() }));
	return toExperiment(
		experiment,
		origin,
		everything(metric_list.map(toMetricSummary), results),
		project_name
	);
}

export interface ExperimentChanges {
	name?: string;
	description?: string;
	tags?: string[];
	hyperparams?: Hyperparam[];
	status?: ExperimentStatus;
	/** A project of the same workspace, or null to unassign. */
	projectId?: string | null;
}

/** Lists replace the stored lists; `updated_at` moves on every change. */
export async function updateExperiment(
	db: Db,
	id: string,
	changes: ExperimentChanges,
	origin: string
): Promise<Experiment | undefined> {
	const row = await db
		.updateTable('experiments')
		.set({
			name: changes.name,
			description: changes.description,
			tags: changes.tags,
			hyperparams: changes.hyperparams,
			status: changes.status,
			project_id: changes.projectId,
			updated_at: sql<Date>`now()`,
			// A status change comes from the run's SDK (finish) or a person marking it: a sign of life.
			...(changes.status ? { last_seen_at: sql<Date>`now()` } : {})
		})
		.where('id', '=', id)
		.returningAll()
		.executeTakeFirst();
	if (!row) return undefined;
	const [experiment] = await withSummaries(db, [row], origin);
	return experiment;
}

/**
 * Series, points, results, references and artifacts go with it (foreign keys and the series
 * trigger); the artifacts' objects are then removed from storage.
 */
export async function deleteExperiment(db: Db, id: string): Promise<boolean> {
	const deleted = await db.deleteFrom('experiments').where('id', '=', id).returning('id').executeTakeFirst();
	if (deleted) await sweepOrphanedObjects(db);
	return deleted !== undefined;
}

export interface ExperimentListOptions {
	limit: number;
	after?: ExperimentCursor;
	q?: string;
	tag?: string[];
	status?: ExperimentStatus;
	/** A parsed query-language filter (contracts/query). */
	filter?: RunFilter;
	sort: RunKey;
	/** The sort key as written in cursors (`formatKey`). */
	sortName: string;
	order: SortOrder;
	/** Metric summaries each item carries (none when empty). */
	metrics: string[];
	/** Context keys whose values each item carries (`context_values`; none when empty). */
	context?: readonly ContextField[];
	/** Whether to count every matching run (`total`). */
	count?: boolean;
}

/** LIKE's wildcards in user text match themselves. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`;

/** A listed row with where it stands in the sort (for the next page's cursor). */
type PagedRow = ExperimentRow & { cursor_present: boolean; cursor_values: string[] };

/**
 * One page of a workspace's experiments by keyset: `(sort key parts, id)` beyond the cursor, with
 * runs lacking the key last in either direction (experiment-query.ts). Sorted by created, updated
 * or name, the order is that of an experiments_workspace_*_idx index; sorted by a result or a
 * metric's last/min/max, that of a sort index on the summaries (pageBySortIndex). Either way a
 * page costs about the same at any depth, and rows inserted meanwhile never shift later pages.
 */
export async function listWorkspaceExperiments(
	db: Db,
	workspaceId: string,
	options: ExperimentListOptions,
	origin: string,
	clock: QueryClock
): Promise<ExperimentPage> {
	const plan = sortPlan(options.sort, clock);
	const conditions = matchingConditions(workspaceId, options, clock);
	// The count (asked for only: it reads every matching run) runs alongside the page.
	const [rows, total] = await Promise.all([
		plan.index
			? pageBySortIndex(db, workspaceId, conditions, plan.index, options, {
					bounds: sortIndexBounds(options.filter, options.sort, plan.index)
				})
			: pageByScan(db, conditions, plan, options),
		options.count ? countMatching(db, conditions) : undefined
	]);
	const page = rows.slice(0, options.limit);
	const last = page.at(-1);
	const next_cursor =
		rows.length > options.limit && last
			? encodeExperimentCursor({
					sort: options.sortName,
					order: options.order,
					present: last.cursor_present,
					values: last.cursor_present ? last.cursor_values : [],
					id: last.id
				})
			: null;
	const ids = page.map((row) => row.id);
	const [items, metric_names] = await Promise.all([
		withListSummaries(db, page, origin, options.metrics, options.context),
		firstMetricNames(db, ids)
	]);
	return total === undefined
		? { items, next_cursor, metric_names }
		: { items, next_cursor, metric_names, total };
}

type PageOptions = Pick<ExperimentListOptions, 'order' | 'after' | 'limit'>;

/** The page (one row more than asked, to know whether another follows) in the plan's order. */
async function pageByScan(
	db: Db,
	conditions: RawBuilder<SqlBool>[],
	plan: SortPlan,
	options: PageOptions
): Promise<PagedRow[]> {
	let query = conditions
		.reduce((q, condition) => q.where(condition), db.selectFrom('experiments as e'))
		.selectAll('e')
		.select([
			sql<boolean>`${plan.present ?? sql`true`}`.as('cursor_present'),
			sql<string[]>`array[${sql.join(plan.parts.map(cursorText))}]`.as('cursor_values')
		]);
	if (options.after) query = query.where(sql<SqlBool>`${afterCursor(plan, options.order, options.after)}`);
	return query
		.orderBy(sql`${orderByTerms(plan, options.order)}`)
		.limit(options.limit + 1)
		.execute();
}

/**
 * The same page through a sort index (experiment-query.ts's SortIndex): first the runs with the
 * key, walking the index from the cursor and checking the filter on each run met, so a page reads
 * about (page size / share of runs matching) runs whatever its depth; then, once those run out,
 * the runs without the key by id (experiments_workspace_id_idx). The orders and cursors are
 * exactly those of pageByScan's plan (parts, then id; runs without the key last), so a cursor
 * from one serves the other, and the model-checking test compares both with the same model.
 */
async function pageBySortIndex(
	db: Db,
	workspaceId: string,
	conditions: RawBuilder<SqlBool>[],
	index: SortIndex,
	options: PageOptions,
	implied: { bounds: RawBuilder<unknown>[] }
): Promise<PagedRow[]> {
	const wanted = options.limit + 1;
	const direction = sql.raw(options.order);
	const beyond = sql.raw(options.order === 'asc' ? '>' : '<');
	const table = sql.table(index.table);
	const named = sql`s.${sql.ref(index.nameColumn)} = ${index.name}::text`;
	const parts = index.columns.map(({ column }) => sql.ref(`s.${column}`));
	const hasKey = index.nullable ? sql`and ${parts[0]} is not null` : sql``;
	const bounded = sql.join(
		implied.bounds.map((bound) => sql`and ${bound}`),
		sql` `
	);
	const matching = sql.join(conditions, sql` and `);
	const after = options.after;
	let keyed: PagedRow[] = [];
	if (!after || after.present) {
		const fromCursor = after
			? sql`and (${sql.join(parts)}, s.experiment_id) ${beyond} (${sql.join(
					index.columns.map(
						({ type }, i) =>
							sql`${after.values[i]}::text::${sql.raw(type === 'int2' ? 'float8::int2' : type)}${type === 'text' ? sql` collate "C"` : sql``}`
					)
				)}, ${after.id}::uuid)`
			: sql``;
		// Cursor texts as pageByScan writes them: float8's shortest exact text for every number.
		const cursorValues = parts.map((part, i) =>
			index.columns[i].type === 'text' ? sql`${part}::text` : sql`${part}::float8::text`
		);
		const result = await sql<PagedRow>`
			select e.*, true as cursor_present, array[${sql.join(cursorValues)}] as cursor_values
			from ${table} s join experiments e on e.id = s.experiment_id
			where s.workspace_id = ${workspaceId}::uuid and ${named} ${hasKey} ${bounded} ${fromCursor}
				and ${matching}
			order by ${sql.join(parts.map((part) => sql`${part} ${direction}`))}, s.experiment_id ${direction}
			limit ${wanted}
		`.execute(db);
		keyed = result.rows;
	}
	if (keyed.length === wanted) return keyed;
	const fromId = after && !after.present ? sql`and e.id ${beyond} ${after.id}::uuid` : sql``;
	const missing = await sql<PagedRow>`
		select e.*, false as cursor_present, array[]::text[] as cursor_values
		from experiments e
		where ${matching} ${fromId}
			and not exists (select from ${table} s where s.experiment_id = e.id and ${named} ${hasKey})
		order by e.id ${direction}
		limit ${wanted - keyed.length}
	`.execute(db);
	return [...keyed, ...missing.rows];
}

async function countMatching(db: Db, conditions: RawBuilder<SqlBool>[]): Promise<number> {
	const row = await conditions
		.reduce((q, condition) => q.where(condition), db.selectFrom('experiments as e'))
		.select((eb) => eb.fn.countAll<number>().as('total'))
		.executeTakeFirstOrThrow();
	return Number(row.total);
}

/** What `q`, `tag`, `status` and `filter` ask of a workspace's runs `e`, one condition each. */
function matchingConditions(
	workspaceId: string,
	options: Pick<ExperimentListOptions, 'q' | 'tag' | 'status' | 'filter'>,
	clock: QueryClock
): RawBuilder<SqlBool>[] {
	const conditions = [sql<SqlBool>`e.workspace_id = ${workspaceId}::uuid`];
	if (options.status) conditions.push(sql<SqlBool>`e.status = ${options.status}::text`);
	if (options.q) {
		const pattern = likePattern(options.q);
		conditions.push(
			sql<SqlBool>`(e.name ilike ${pattern}::text or e.description ilike ${pattern}::text
				or exists (select 1 from unnest(e.tags) as t(tag) where t.tag ilike ${pattern}::text))`
		);
	}
	for (const tag of options.tag ?? []) {
		conditions.push(
			sql<SqlBool>`exists (select 1 from unnest(e.tags) as t(tag) where lower(t.tag) = lower(${tag}::text))`
		);
	}
	if (options.filter) conditions.push(filterSql(options.filter, clock));
	return conditions;
}

/**
 * The compare view: the requested experiments the viewer may see, in the requested order, with
 * the summaries of `metricNames` and the values of `contextFields` (as lists carry them).
 */
export async function findVisibleExperiments(
	db: Db,
	viewer: Viewer,
	ids: string[],
	metricNames: string[],
	origin: string,
	contextFields: readonly ContextField[] = []
): Promise<Experiment[]> {
	const rows = await db
		.selectFrom('experiments as e')
		.selectAll('e')
		.where('e.id', 'in', ids)
		.where(visibleTo(viewer))
		.execute();
	const byId = new Map(
		(await withListSummaries(db, rows, origin, metricNames, contextFields)).map((experiment) => [
			experiment.id,
			experiment
		])
	);
	return ids.flatMap((id) => byId.get(id) ?? []);
}

export async function findVisibleSummary(
	db: Db,
	viewer: Viewer,
	id: string,
	origin: string
): Promise<ExperimentSummary | undefined> {
	const row = await db
		.selectFrom('experiments as e')
		.select(summaryColumns)
		.where('e.id', '=', id)
		.where(visibleTo(viewer))
		.executeTakeFirst();
	return row && toSummary(row, origin);
}

/** Both directions, oldest link first, leaving out experiments the viewer may not see. */
export async function listReferences(
	db: Db,
	experimentId: string,
	viewer: Viewer,
	origin: string
): Promise<ExperimentReferences> {
	const outgoing = await db
		.selectFrom('experiment_references as r')
		.innerJoin('experiments as e', 'e.id', 'r.referenced_id')
		.select(summaryColumns)
		.where('r.experiment_id', '=', experimentId)
		.where(visibleTo(viewer))
		.orderBy('r.created_at')
		.orderBy('e.id')
		.execute();
	const incoming = await db
		.selectFrom('experiment_references as r')
		.innerJoin('experiments as e', 'e.id', 'r.experiment_id')
		.select(summaryColumns)
		.where('r.referenced_id', '=', experimentId)
		.where(visibleTo(viewer))
		.orderBy('r.created_at')
		.orderBy('e.id')
		.execute();
	return {
		outgoing: outgoing.map((row) => toSummary(row, origin)),
		incoming: incoming.map((row) => toSummary(row, origin))
	};
}

export type AddReferenceOutcome =
	{ kind: 'created'; createdAt: Date } | { kind: 'duplicate' } | { kind: 'missing' };

/** `missing`: either experiment was deleted after the caller's checks. */
export async function addReference(
	db: Db,
	experimentId: string,
	referencedId: string
): Promise<AddReferenceOutcome> {
	try {
		const row = await db
			.insertInto('experiment_references')
			.values({ experiment_id: experimentId, referenced_id: referencedId })
			.onConflict((oc) => oc.columns(['experiment_id', 'referenced_id']).doNothing())
			.returning('created_at')
			.executeTakeFirst();
		return row ? { kind: 'created', createdAt: row.created_at } : { kind: 'duplicate' };
	} catch (error) {
		if (isForeignKeyViolation(error)) return { kind: 'missing' };
		throw error;
	}
}

export async function removeReference(db: Db, experimentId: string, referencedId: string): Promise<boolean> {
	const deleted = await db
		.deleteFrom('experiment_references')
		.where('experiment_id', '=', experimentId)
		.where('referenced_id', '=', referencedId)
		.returning('referenced_id')
		.executeTakeFirst();
	return deleted !== undefined;
}
