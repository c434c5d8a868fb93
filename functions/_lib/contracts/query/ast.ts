/**
 * The run query language's syntax tree. One grammar for the API, the site, the CLI and the SDKs
 * (which pass the text through): parse.ts builds this tree, evaluate.ts gives its meaning in
 * TypeScript (the model the SQL compiler is checked against), and the server's experiment-query
 * compiles it to parameterised SQL. Every literal is typed against its key while parsing, so a
 * tree that exists is well typed.
 */

/**
 * What the SDK captured when a run started (its context): git state, command, machine. A run
 * without a captured context, or without that part, has no value for these keys.
 */
export const CONTEXT_FIELDS = [
	'git.commit',
	'git.branch',
	'git.remote',
	'git.dirty',
	'host',
	'os',
	'runtime',
	'cwd',
	'command',
	'gpu',
	'cpus',
	'memory'
] as const;
export type ContextField = (typeof CONTEXT_FIELDS)[number];

/** Fields every run has (the context ones only once captured). */
export const RUN_FIELDS = [
	'name',
	'description',
	'notes',
	'tag',
	'status',
	'created',
	'updated',
	'duration',
	'creator',
	'project',
	...CONTEXT_FIELDS
] as const;
export type RunField = (typeof RUN_FIELDS)[number];

export const isContextField = (field: RunField): field is ContextField =>
	(CONTEXT_FIELDS as readonly string[]).includes(field);

/** Fields with several values per run: filtered by (`tag = "x"` is "has tag x"), never sorted by. */
export const LIST_FIELDS: readonly RunField[] = ['tag', 'gpu'];

/**
 * Text fields, whose natural order is A→Z: a list sorted by one starts ascending. Every other key
 * (dates, numbers, booleans, metrics, results, hyperparameters) lists the largest (newest) first.
 */
export const ASCENDING_FIELDS: readonly RunField[] = [
	'name',
	'description',
	'creator',
	'project',
	'status',
	'git.commit',
	'git.branch',
	'git.remote',
	'host',
	'os',
	'runtime',
	'cwd',
	'command'
];

/** The order a list sorted by `key` takes when none is given. */
export function defaultSortOrder(key: Key): 'asc' | 'desc' {
	return key.kind === 'field' && ASCENDING_FIELDS.includes(key.field) ? 'asc' : 'desc';
}

/** What a metric column shows of a series' summary. */
export const METRIC_AGGREGATES = ['last', 'min', 'max', 'first', 'count', 'last_step'] as const;
export type MetricAggregate = (typeof METRIC_AGGREGATES)[number];

export const RUN_STATUSES = ['running', 'finished', 'failed', 'crashed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type Key =
	| { kind: 'field'; field: RunField }
	| { kind: 'hp'; name: string }
	| { kind: 'result'; name: string }
	| { kind: 'metric'; name: string; aggregate: MetricAggregate };

/**
 * A literal, typed by the key it is compared with: text fields take strings, dates take instants
 * (a calendar day keeps its extent, see `DayLiteral`), durations take seconds, metrics and results
 * take numbers, hyperparameters take whatever the literal is.
 */
export type Literal =
	| { type: 'string'; value: string }
	| { type: 'number'; value: number }
	| { type: 'boolean'; value: boolean }
	/** An instant in ms since the epoch (`-7d`, `2026-11-01T12:00Z`). */
	| { type: 'instant'; value: number }
	/** A calendar day (UTC): `created = 2026-11-01` is that whole day, `< 2026-11-01` before it. */
	| { type: 'day'; start: number; end: number };

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';

export type Expr =
	| { kind: 'and' | 'or'; items: Expr[] }
	| { kind: 'not'; item: Expr }
	| { kind: 'compare'; key: Key; op: ComparisonOperator; value: Literal }
	| { kind: 'in'; key: Key; values: Literal[]; negated: boolean }
	| { kind: 'has'; key: Key };

/** Bounds on one query, so parsing and the SQL it becomes stay small whatever is sent. */
export const QUERY_LIMITS = {
	/** Characters of query text. */
	length: 2000,
	/** Nesting of parentheses and `not`. */
	depth: 16,
	/** Comparisons, `in` and `has` clauses in all. */
	clauses: 50,
	/** Values in one `in (...)` list. */
	listValues: 100
} as const;

export interface QueryError {
	/** 1-based column of the problem in the query text. */
	column: number;
	message: string;
}

export class QuerySyntaxError extends Error {
	constructor(
		readonly column: number,
		readonly reason: string
	) {
		super(`col ${column}: ${reason}`);
		this.name = 'QuerySyntaxError';
	}
}

/** The key as the query language writes it (quoting a name with characters a bare key cannot hold). */
export function formatKey(key: Key): string {
	switch (key.kind) {
		case 'field':
			return key.field;
		case 'hp':
			return `hp.${quoteName(key.name)}`;
		case 'result':
			return `result.${quoteName(key.name)}`;
		case 'metric':
			return `metric.${quoteName(key.name)}.${key.aggregate}`;
	}
}

const BARE_NAME = /^[A-Za-z0-9_\-/]+(\.[A-Za-z0-9_\-/]+)*$/;

function quoteName(name: string): string {
	return BARE_NAME.test(name) && !METRIC_AGGREGATES.some((a) => name.endsWith(`.${a}`))
		? name
		: JSON.stringify(name);
}
