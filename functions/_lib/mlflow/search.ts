/**
 * runs/search and experiments/search. A run filter compiles to SQL over `experiments e` left
 * joined with `mlflow_runs r` (every value a bound parameter); it reads only summaries — a
 * metric's latest value from metric_series, params from hyperparams_by_key, tags from r.tags —
 * never points. Experiments (projects, at most 1,000 per workspace) are filtered in memory.
 * Pages are offsets in an opaque page token; pages hold at most 1,000 items (MLflow's client
 * follows next_page_token for larger max_results).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Principal } from '../auth.ts';
import type { Db } from '../db.ts';
import { decodePageToken, encodePageToken, MLFLOW_LIMITS, type ViewType } from './contracts.ts';
import { invalidParameter } from './errors.ts';
import {
	allVisibleExperiments,
	loadExperiment,
	toMlflowExperiment,
	type MlflowExperiment
} from './experiments.ts';
import {
	likeMatches,
	parseFilter,
	parseOrderBy,
	type Clause,
	type Entity,
	type OrderTerm
} from './filter.ts';
import { latestMetrics, selectRuns, toRun, type MlflowRun, type RunRow } from './runs.ts';

type Sql = RawBuilder<unknown>;

/** A Postgres array literal of texts, passed as one text parameter (every element quoted). */
export const arrayLiteral = (values: string[]) =>
	`{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;

/** Attributes a filter or order_by may name, with the SQL of each and its kind. */
const RUN_ATTRIBUTES: Record<string, { sql: Sql; kind: 'text' | 'number' }> = {
	run_id: { sql: sql`e.id::text`, kind: 'text' },
	run_name: { sql: sql`e.name`, kind: 'text' },
	status: { sql: sql`coalesce(r.status, upper(e.status))`, kind: 'text' },
	user_id: { sql: sql`coalesce(r.user_id, '')`, kind: 'text' },
	start_time: {
		sql: sql`coalesce(r.start_time, (extract(epoch from e.created_at) * 1000)::bigint)`,
		kind: 'number'
	},
	end_time: { sql: sql`r.end_time`, kind: 'number' }
};
const ATTRIBUTE_ALIASES: Record<string, string> = {
	created: 'start_time',
	'run name': 'run_name',
	run_uuid: 'run_id',
	name: 'run_name'
};

function runOperand(entity: Entity, key: string): { sql: Sql; kind: 'text' | 'number' } {
	switch (entity) {
		case 'metric':
			return {
				sql: sql`(select s.last_value from metric_series s where s.experiment_id = e.id and s.name = ${key})`,
				kind: 'number'
			};
		case 'param':
			return { sql: sql`(e.hyperparams_by_key ->> ${key}::text)`, kind: 'text' };
		case 'tag':
			return { sql: sql`(r.tags ->> ${key}::text)`, kind: 'text' };
		case 'attribute': {
			const attribute = RUN_ATTRIBUTES[ATTRIBUTE_ALIASES[key] ?? key];
			if (!attribute) {
				throw invalidParameter(
					`Invalid attribute key '${key}'; valid keys are ${Object.keys(RUN_ATTRIBUTES).join(', ')}.`
				);
			}
			return attribute;
		}
	}
}

const NUMBER_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const TEXT_OPS = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);

function clauseSql(clause: Clause): Sql {
	const operand = runOperand(clause.entity, clause.key);
	const { op, value } = clause;
	const name = `${clause.entity === 'attribute' ? 'attributes' : `${clause.entity}s`}.${clause.key}`;
	if (operand.kind === 'number') {
		if (!NUMBER_OPS.has(op) || typeof value !== 'number') {
			throw invalidParameter(`${name} compares with a number using = != < <= > >=.`);
		}
		return sql`${operand.sql} ${sql.raw(op)} ${value}`;
	}
	if (!TEXT_OPS.has(op))
		throw invalidParameter(`${name} compares with = != LIKE ILIKE IN or NOT IN, not ${op}.`);
	if (Array.isArray(value)) {
		const texts = value.map((v) => (typeof v === 'string' ? v : String(v)));
		return sql`${operand.sql} ${sql.raw(op === 'IN' ? '=' : '<>')} ${sql.raw(op === 'IN' ? 'any' : 'all')}(${arrayLiteral(texts)}::text::text[])`;
	}
	if (typeof value !== 'string') throw invalidParameter(`${name} compares with a quoted string ('text').`);
	if (op === 'LIKE' || op === 'ILIKE')
		return sql`${operand.sql} ${sql.raw(op === 'LIKE' ? 'like' : 'ilike')} ${value}`;
	return sql`${operand.sql} ${sql.raw(op === '=' ? '=' : '<>')} ${value}`;
}

function orderSql(term: OrderTerm): Sql {
	const operand = runOperand(term.entity, term.key);
	const column = operand.kind === 'text' ? sql`${operand.sql} collate "C"` : operand.sql;
	return sql`${column} ${sql.raw(term.descending ? 'desc' : 'asc')} nulls last`;
}

export interface RunSearch {
	experimentIds: string[];
	filter?: string;
	viewType: ViewType;
	maxResults: number;
	orderBy: string[];
	pageToken?: string;
}

const lifecycleSql = (viewType: ViewType): Sql =>
	viewType === 'ALL'
		? sql`true`
		: viewType === 'DELETED_ONLY'
			? sql`r.lifecycle_stage = 'deleted'`
			: sql`coalesce(r.lifecycle_stage, 'active') = 'active'`;

export async function searchRuns(
	db: Db,
	principal: Principal,
	search: RunSearch
): Promise<{ runs: MlflowRun[]; next_page_token?: string }> {
	if (!search.experimentIds.length)
		throw invalidParameter('experiment_ids must name at least one experiment.');
	const offset = decodePageToken(search.pageToken);
	if (offset === undefined) throw invalidParameter('Invalid page_token.');
	const clauses = parseFilter(search.filter);
	const order = parseOrderBy(search.orderBy);
	const projects = await Promise.all(
		search.experimentIds.map((id) => loadExperiment(db, principal, id, 'viewer'))
	);
	const conditions = [
		sql`e.project_id = any(${arrayLiteral([...new Set(projects.map((p) => p.row.id))])}::text::uuid[])`,
		lifecycleSql(search.viewType),
		...clauses.map(clauseSql)
	];
	const pageSize = Math.min(search.maxResults, MLFLOW_LIMITS.pageSize);
	const terms = order.length
		? order.map(orderSql)
		: [orderSql({ entity: 'attribute', key: 'start_time', descending: true })];
	const rows = (await selectRuns(db)
		.where(sql<boolean>`${sql.join(conditions, sql` and `)}`)
		.orderBy(sql`${sql.join(terms, sql`, `)}, e.id`)
		.offset(offset)
		.limit(pageSize + 1)
		.execute()) as RunRow[];
	const page = rows.slice(0, pageSize);
	const metrics = await latestMetrics(
		db,
		page.map((row) => row.id)
	);
	const more = rows.length > pageSize;
	return {
		runs: page.map((row) => toRun(row, metrics.get(row.id) ?? [])),
		...(more ? { next_page_token: encodePageToken(offset + pageSize) } : {})
	};
}

// ── Experiments ─────────────────────────────────────────────────────────────────────────────────

type ExperimentValue = string | number | undefined;

function experimentValue(experiment: MlflowExperiment, entity: Entity, key: string): ExperimentValue {
	if (entity === 'tag') return experiment.tags.find((t) => t.key === key)?.value;
	if (entity === 'attribute') {
		if (key === 'name') return experiment.name;
		if (key === 'creation_time' || key === 'created') return experiment.creation_time;
		if (key === 'last_update_time') return experiment.last_update_time;
		if (key === 'experiment_id') return experiment.experiment_id;
		throw invalidParameter(
			`Invalid attribute key '${key}' for experiments: name, creation_time, last_update_time or experiment_id.`
		);
	}
	throw invalidParameter(`Experiments are filtered by attributes and tags only, not by ${entity}s.`);
}

function experimentMatches(experiment: MlflowExperiment, clause: Clause): boolean {
	const actual = experimentValue(experiment, clause.entity, clause.key);
	const { op, value } = clause;
	if (actual === undefined) return false;
	if (Array.isArray(value)) {
		const found = value.map(String).includes(String(actual));
		return op === 'IN' ? found : op === 'NOT IN' ? !found : false;
	}
	if (op === 'LIKE' || op === 'ILIKE')
		return (
			typeof actual === 'string' && typeof value === 'string' && likeMatches(actual, value, op === 'ILIKE')
		);
	if (typeof actual !== typeof value) {
		throw invalidParameter(
			`${clause.entity === 'tag' ? 'tags' : 'attributes'}.${clause.key} compares with a ${typeof actual === 'number' ? 'number' : 'quoted string'}.`
		);
	}
	switch (op) {
		case '=':
			return actual === value;
		case '!=':
			return actual !== value;
		case '<':
			return actual < value;
		case '<=':
			return actual <= value;
		case '>':
			return actual > value;
		case '>=':
			return actual >= value;
		default:
			throw invalidParameter(`${op} does not apply here.`);
	}
}

function compareExperiments(order: OrderTerm[]) {
	return (a: MlflowExperiment, b: MlflowExperiment): number => {
		for (const term of order) {
			const x = experimentValue(a, term.entity, term.key);
			const y = experimentValue(b, term.entity, term.key);
			if (x === y) continue;
			if (x === undefined) return 1;
			if (y === undefined) return -1;
			const sign = x < y ? -1 : 1;
			return term.descending ? -sign : sign;
		}
		return a.experiment_id < b.experiment_id ? -1 : a.experiment_id > b.experiment_id ? 1 : 0;
	};
}

export interface ExperimentSearch {
	filter?: string;
	viewType: ViewType;
	maxResults: number;
	orderBy: string[];
	pageToken?: string;
}

export async function searchExperiments(
	db: Db,
	principal: Principal,
	search: ExperimentSearch
): Promise<{ experiments: MlflowExperiment[]; next_page_token?: string }> {
	const offset = decodePageToken(search.pageToken);
	if (offset === undefined) throw invalidParameter('Invalid page_token.');
	const clauses = parseFilter(search.filter);
	const order = search.orderBy.length
		? parseOrderBy(search.orderBy)
		: [{ entity: 'attribute' as const, key: 'last_update_time', descending: true }];
	const all = (await allVisibleExperiments(db, principal)).map(toMlflowExperiment);
	const wanted = all
		.filter((x) =>
			search.viewType === 'ALL'
				? true
				: search.viewType === 'DELETED_ONLY'
					? x.lifecycle_stage === 'deleted'
					: x.lifecycle_stage === 'active'
		)
		.filter((x) => clauses.every((clause) => experimentMatches(x, clause)))
		.sort(compareExperiments(order));
	const pageSize = Math.min(search.maxResults, MLFLOW_LIMITS.pageSize);
	const page = wanted.slice(offset, offset + pageSize);
	const more = offset + pageSize < wanted.length;
	return { experiments: page, ...(more ? { next_page_token: encodePageToken(offset + pageSize) } : {}) };
}
