/**
 * What a query means, written plainly over one run in memory. The SQL compiler must select and
 * order exactly as this does (the model-checking test compares them on both databases), and the
 * site may use it to tell whether a live row still matches.
 *
 * Two-valued logic throughout: a condition on something a run does not have (a missing
 * hyperparameter, a metric it never logged, a creator that is gone) is false — `!=` and `not in`
 * included — so `not (...)` is always the exact complement.
 */
import {
	isContextField,
	type ContextField,
	type Expr,
	type Key,
	type Literal,
	type MetricAggregate,
	type RunStatus
} from './ast.ts';

export type HyperparamValue = string | number | boolean;

/** A run as the query language sees it. */
export interface QueryRun {
	id: string;
	name: string;
	description: string;
	tags: readonly string[];
	/** The status shown to users: `crashed` for a running run that stopped being seen. */
	status: RunStatus;
	/** ms since the epoch. */
	created: number;
	updated: number;
	/** Seconds from creation to the last sign of life. */
	duration: number;
	/** The creator's email; null once the account is gone. */
	creator: string | null;
	/** The name of the run's project; null when it is in none. */
	project: string | null;
	/** Markdown notes; empty when there are none. */
	notes: string;
	/**
	 * The captured context as the query keys read it (`runtime` is "name version", `command` the
	 * arguments joined by spaces, `gpu` the GPU names); a part not captured is absent.
	 */
	context: Readonly<Partial<Record<ContextField, string | number | boolean | readonly string[]>>>;
	hyperparams: ReadonlyMap<string, HyperparamValue>;
	results: ReadonlyMap<string, number>;
	metrics: ReadonlyMap<string, Readonly<Record<MetricAggregate, number | null>>>;
}

export function matches(expr: Expr | undefined, run: QueryRun): boolean {
	if (!expr) return true;
	switch (expr.kind) {
		case 'and':
			return expr.items.every((item) => matches(item, run));
		case 'or':
			return expr.items.some((item) => matches(item, run));
		case 'not':
			return !matches(expr.item, run);
		case 'has':
			return has(expr.key, run);
		case 'in': {
			const value = valueOf(expr.key, run);
			if (value === undefined) return false;
			const hit = expr.values.some((literal) => equals(value, literal));
			return expr.negated ? !hit : hit;
		}
		case 'compare':
			return compare(valueOf(expr.key, run), expr.op, expr.value);
	}
}

type Value = string | number | boolean | readonly string[];

function has(key: Key, run: QueryRun): boolean {
	if (key.kind === 'hp') return run.hyperparams.has(key.name);
	if (key.kind === 'result') return run.results.has(key.name);
	if (key.kind === 'metric') return run.metrics.has(key.name);
	if (isContextField(key.field)) return run.context[key.field] !== undefined;
	if (key.field === 'creator' || key.field === 'project') return run[key.field] !== null;
	return true;
}

/** The run's value for a key; undefined when it has none. */
function valueOf(key: Key, run: QueryRun): Value | undefined {
	switch (key.kind) {
		case 'hp':
			return run.hyperparams.get(key.name);
		case 'result':
			return run.results.get(key.name);
		case 'metric':
			return run.metrics.get(key.name)?.[key.aggregate] ?? undefined;
		case 'field':
			switch (key.field) {
				case 'tag':
					return run.tags;
				case 'creator':
				case 'project':
					return run[key.field] ?? undefined;
				case 'name':
				case 'description':
				case 'notes':
				case 'status':
				case 'created':
				case 'updated':
				case 'duration':
					return run[key.field];
				default:
					return run.context[key.field];
			}
	}
}

/** Equality as `=` means it: same type and value; for tags, "has this tag"; for days, "on that day". */
function equals(value: Value, literal: Literal): boolean {
	if (Array.isArray(value)) return literal.type === 'string' && value.includes(literal.value);
	if (literal.type === 'day')
		return typeof value === 'number' && value >= literal.start && value < literal.end;
	return typeof value === typeof literal.value && value === literal.value;
}

function compare(value: Value | undefined, op: string, literal: Literal): boolean {
	if (value === undefined) return false;
	switch (op) {
		case '=':
			return equals(value, literal);
		case '!=':
			return !equals(value, literal);
		case '~':
			return contains(value, literal);
		default:
			return ordered(value, op, literal);
	}
}

/**
 * Substring, ignoring the case of ASCII letters (what Postgres's `lower` does under `collate "C"`,
 * the same on every server); for tags, any tag.
 */
function contains(value: Value, literal: Literal): boolean {
	if (literal.type !== 'string') return false;
	const needle = asciiLower(literal.value);
	const texts = Array.isArray(value) ? value : [value];
	return texts.some((text) => typeof text === 'string' && asciiLower(text).includes(needle));
}

const asciiLower = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

function ordered(value: Value, op: string, literal: Literal): boolean {
	if (typeof value !== 'number') return false;
	// A day literal stands for its whole extent: `< day` is before it starts, `<= day` before it ends.
	let bound: number;
	if (literal.type === 'day') bound = op === '<=' || op === '>' ? literal.end : literal.start;
	else if (literal.type === 'number' || literal.type === 'instant') bound = literal.value;
	else return false;
	switch (op) {
		case '<':
			return value < bound;
		case '<=':
			return literal.type === 'day' ? value < bound : value <= bound;
		case '>':
			return literal.type === 'day' ? value >= bound : value > bound;
		default:
			return value >= bound;
	}
}

/**
 * A run's position under a sort key, as [rank, value]: numbers before text before booleans (a
 * hyperparameter may hold any of them), and `null` for runs without a value, which always sort
 * last whatever the order.
 */
export function sortValue(key: Key, run: QueryRun): [rank: number, value: number | string] | null {
	if (key.kind === 'field' && key.field === 'tag') return null;
	const value = valueOf(key, run);
	if (value === undefined || Array.isArray(value)) return null;
	if (typeof value === 'number') return [0, value];
	if (typeof value === 'string') return [1, value];
	return [2, value ? 1 : 0];
}

/**
 * The order a list is in: by the key (nulls last in either direction), then by id in the same
 * direction, so every page boundary is exact. Text compares by code point, as `collate "C"` does.
 */
export function compareRuns(key: Key, order: 'asc' | 'desc', a: QueryRun, b: QueryRun): number {
	const direction = order === 'asc' ? 1 : -1;
	const left = sortValue(key, a);
	const right = sortValue(key, b);
	if (left === null || right === null) {
		if (left !== right) return left === null ? 1 : -1;
	} else {
		const byValue = left[0] - right[0] || compareValues(left[1], right[1]);
		if (byValue !== 0) return byValue * direction;
	}
	return compareValues(a.id, b.id) * direction;
}

function compareValues(a: number | string, b: number | string): number {
	if (typeof a === 'number' && typeof b === 'number') return a - b;
	const left = String(a);
	const right = String(b);
	return left === right ? 0 : codePointLess(left, right) ? -1 : 1;
}

function codePointLess(a: string, b: string): boolean {
	const left = [...a];
	const right = [...b];
	for (let i = 0; i < Math.min(left.length, right.length); i++) {
		if (left[i] !== right[i]) return left[i].codePointAt(0)! < right[i].codePointAt(0)!;
	}
	return left.length < right.length;
}
