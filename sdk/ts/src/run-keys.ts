/**
 * The client's side of the run query language's keys (`name`, `hp.lr`, `metric."val/loss".min`,
 * `result.acc`, `git.commit`): enough to show a key's value from a list response and to order
 * runs from several workspaces the way the server orders one list. The server parses and checks
 * every filter and sort itself; this never decides what matches. The lists below are copies of
 * the server's (functions/_lib/contracts/query/ast.ts), so the published package is
 * self-contained: contract-check.ts fails `npm run check` and run-keys.test.ts fails the tests
 * when a copy and the server's list differ.
 */
import { ToraError } from './errors.js';
import type { HyperparamValue, WireExperimentDetail } from './wire.js';

/** What the SDK captured when a run started; list rows carry these in `context_values`. */
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
type ContextField = (typeof CONTEXT_FIELDS)[number];

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
type RunField = (typeof RUN_FIELDS)[number];

/** Fields with several values per run: filtered by, never sorted by. */
export const LIST_FIELDS: readonly RunField[] = ['tag', 'gpu'];

/** Text fields, listed A→Z by default; every other key lists the largest (newest) first. */
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

export const METRIC_AGGREGATES = ['last', 'min', 'max', 'first', 'count', 'last_step'] as const;
type Aggregate = (typeof METRIC_AGGREGATES)[number];

const isRunField = (text: string): text is RunField => (RUN_FIELDS as readonly string[]).includes(text);
const isContextField = (field: string): field is ContextField =>
	(CONTEXT_FIELDS as readonly string[]).includes(field);

export type RunKey =
	| { kind: 'field'; field: string }
	| { kind: 'hp' | 'result'; name: string }
	| { kind: 'metric'; name: string; aggregate: Aggregate };

/** The order the server lists a key in when none is given. */
export function defaultOrder(key: RunKey): 'asc' | 'desc' {
	return key.kind === 'field' && isRunField(key.field) && ASCENDING_FIELDS.includes(key.field)
		? 'asc'
		: 'desc';
}

/** A query-language string literal: `"` quoted, with the escapes the language knows. */
export function quoteText(text: string): string {
	const escaped = text
		.replace(/\\/g, '\\\\')
		.replace(/"/g, '\\"')
		.replace(/\n/g, '\\n')
		.replace(/\t/g, '\\t');
	return `"${escaped}"`;
}

/** The filter that selects runs named exactly `name`. */
export function nameFilter(name: string): string {
	return `name = ${quoteText(name)}`;
}

/** `hp.lr` → {kind: 'hp', name: 'lr'}; a quoted name may hold any character. */
export function parseRunKey(text: string): RunKey {
	const trimmed = text.trim();
	// Whole field names first: context fields have dots too (`git.commit`).
	if (isRunField(trimmed)) return { kind: 'field', field: trimmed };
	const dot = trimmed.indexOf('.');
	const prefix = dot === -1 ? trimmed : trimmed.slice(0, dot);
	if (dot === -1) {
		throw bad(
			text,
			`expected one of ${RUN_FIELDS.join(', ')}, hp.<name>, result.<name> or metric.<name>.<aggregate>`
		);
	}
	if (prefix !== 'hp' && prefix !== 'result' && prefix !== 'metric') {
		throw bad(text, 'expected hp.<name>, result.<name> or metric.<name>.<aggregate>');
	}
	let rest = trimmed.slice(dot + 1);
	let name: string;
	let aggregate: Aggregate = 'last';
	if (rest.startsWith('"') || rest.startsWith("'")) {
		const { value, end } = readQuoted(rest, text);
		name = value;
		rest = rest.slice(end);
		if (rest !== '') {
			const suffix = rest.slice(1);
			if (prefix !== 'metric' || !rest.startsWith('.') || !isAggregate(suffix))
				throw bad(text, `unexpected ${JSON.stringify(rest)} after the quoted name`);
			aggregate = suffix;
		}
	} else {
		name = rest;
		const last = rest.lastIndexOf('.');
		// A bare metric key whose last segment is an aggregate reads as one (metric.acc.min).
		if (prefix === 'metric' && last !== -1 && isAggregate(rest.slice(last + 1))) {
			name = rest.slice(0, last);
			aggregate = rest.slice(last + 1) as Aggregate;
		} else if (prefix === 'metric' && isAggregate(rest)) {
			throw bad(text, `name the metric: metric.<name>.${rest}`);
		}
	}
	if (name === '') throw bad(text, 'the name is empty');
	return prefix === 'metric' ? { kind: 'metric', name, aggregate } : { kind: prefix, name };
}

function isAggregate(text: string): text is Aggregate {
	return (METRIC_AGGREGATES as readonly string[]).includes(text);
}

function readQuoted(text: string, whole: string): { value: string; end: number } {
	const quote = text[0];
	const escapes: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" };
	let value = '';
	for (let i = 1; i < text.length; i++) {
		const c = text[i];
		if (c === quote) return { value, end: i + 1 };
		if (c === '\\') {
			const escaped = escapes[text[i + 1]];
			if (escaped === undefined) throw bad(whole, `unknown escape \\${text[i + 1] ?? ''}`);
			value += escaped;
			i++;
		} else value += c;
	}
	throw bad(whole, `the quoted name is not closed: add ${quote}`);
}

function bad(text: string, reason: string): ToraError {
	return new ToraError(`bad key ${JSON.stringify(text)}: ${reason}`);
}

export type KeyValue = string | number | boolean | null;

/**
 * A run's value for a key, from a list response (metric summaries only for the metrics the list
 * was asked for). null when the run has none. Dates are ISO strings; `duration` is seconds.
 */
export function keyValue(run: WireExperimentDetail, key: RunKey): KeyValue {
	switch (key.kind) {
		case 'hp':
			return run.hyperparams.find((h) => h.key === key.name)?.value ?? null;
		case 'result':
			return run.results.find((r) => r.name === key.name)?.value ?? null;
		case 'metric': {
			const summary = run.metrics.find((m) => m.name === key.name);
			const value = summary?.[key.aggregate];
			return typeof value === 'number' ? value : null;
		}
		case 'field':
			switch (key.field) {
				case 'name':
				case 'description':
					return run[key.field];
				case 'status':
					return run.status ?? null;
				case 'tag':
					return run.tags.join(', ');
				case 'created':
					return run.created_at;
				case 'updated':
					return run.updated_at;
				case 'duration':
					return run.last_seen_at ? (Date.parse(run.last_seen_at) - Date.parse(run.created_at)) / 1000 : null;
				case 'project':
					return run.project ?? null;
				default:
					return isContextField(key.field) ? contextValue(run, key.field) : null;
			}
	}
}

/**
 * A context key's value from a list row's `context_values` (there when the list named the key in
 * `columns` or `sort`): GPUs as their names joined; text as the server cut it for lists.
 */
function contextValue(run: WireExperimentDetail, field: ContextField): KeyValue {
	const value = run.context_values?.[field] ?? null;
	return Array.isArray(value) ? value.join(', ') : value;
}

/** Whether runs can be ordered by this key from list responses (creators' emails and notes are not in them). */
export function sortableOnClient(key: RunKey): boolean {
	return !(key.kind === 'field' && (key.field === 'creator' || key.field === 'notes'));
}

/** As the server ranks a value: numbers before text before booleans; null (no value) last. */
function rank(run: WireExperimentDetail, key: RunKey): [number, number | string] | null {
	if (key.kind === 'field' && key.field === 'tag') return null;
	if (key.kind === 'field' && (key.field === 'created' || key.field === 'updated')) {
		return [0, Date.parse(key.field === 'created' ? run.created_at : run.updated_at)];
	}
	const value: HyperparamValue | null = keyValue(run, key);
	if (value === null) return null;
	if (typeof value === 'number') return [0, value];
	if (typeof value === 'string') return [1, value];
	return [2, value ? 1 : 0];
}

function compareValues(a: number | string, b: number | string): number {
	if (typeof a === 'number' && typeof b === 'number') return a - b;
	// Code point order, as the server's `collate "C"`.
	const left = [...String(a)];
	const right = [...String(b)];
	for (let i = 0; i < Math.min(left.length, right.length); i++) {
		if (left[i] !== right[i]) return left[i].codePointAt(0)! - right[i].codePointAt(0)!;
	}
	return left.length - right.length;
}

/** The server's list order: by the key (runs without a value last either way), then by id. */
export function compareRuns(
	key: RunKey,
	order: 'asc' | 'desc',
	a: WireExperimentDetail,
	b: WireExperimentDetail
): number {
	const direction = order === 'asc' ? 1 : -1;
	const left = rank(a, key);
	const right = rank(b, key);
	if (left === null || right === null) {
		if (left !== right) return left === null ? 1 : -1;
	} else {
		const byValue = left[0] - right[0] || compareValues(left[1], right[1]);
		if (byValue !== 0) return Math.sign(byValue) * direction;
	}
	return compareValues(a.id, b.id) * direction;
}
