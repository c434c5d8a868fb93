/**
 * A run's value for a query-language key when runs are grouped by it, and the groups it makes:
 * the one rule behind `POST /api/series`'s groups (functions/_lib/series-batch.ts) and the
 * compare page's (site compare/groups.ts), so a group has the same label, and so the same colour,
 * in the page's tables and in the chart bands.
 *
 * Only types come from the zod contracts: the site loads this module, and a module that builds
 * zod schemas when it loads trips the site's Content-Security-Policy (zod probes `new Function`).
 */
import type { Experiment } from './experiments.ts';
import { isContextField, type Key } from './query/ast.ts';
import type { GroupValue } from './series.ts';

/** The label of the group of runs that have no value for the key. */
export const NO_GROUP = '(none)';

/** What a run's list shape may lack, looked up by the caller when it groups by such a key. */
export interface GroupLookups {
	/** Creators' emails by user id; without it, a creator's value is their user id. */
	creators?: ReadonlyMap<string, string>;
	/** The key's result by run id (lists carry only a run's first results by name). */
	results?: ReadonlyMap<string, number>;
}

/** The run as grouping reads it: a list's run, with `context_values` for a context key. */
export type GroupedRun = Pick<
	Experiment,
	| 'id'
	| 'name'
	| 'description'
	| 'status'
	| 'tags'
	| 'hyperparams'
	| 'results'
	| 'metrics'
	| 'created_by'
	| 'project'
	| 'created_at'
	| 'updated_at'
	| 'last_seen_at'
	| 'context_values'
>;

/** The run's value for `key`: lists (tags, GPUs) sorted, null when the run has none. */
export function groupValue(run: GroupedRun, key: Key, lookups: GroupLookups = {}): GroupValue {
	switch (key.kind) {
		case 'hp':
			return run.hyperparams.find((entry) => entry.key === key.name)?.value ?? null;
		case 'result':
			return lookups.results
				? (lookups.results.get(run.id) ?? null)
				: (run.results.find((result) => result.name === key.name)?.value ?? null);
		case 'metric':
			return run.metrics.find((metric) => metric.name === key.name)?.[key.aggregate] ?? null;
		case 'field':
			if (isContextField(key.field)) {
				// Present when the runs were read asking for this key (`context_values`).
				const value = run.context_values?.[key.field] ?? null;
				if (Array.isArray(value)) return value.length ? [...value].sort() : null;
				return value === '' ? null : value;
			}
			switch (key.field) {
				case 'tag':
					return run.tags.length ? [...run.tags].sort() : null;
				case 'creator':
					if (!lookups.creators) return run.created_by;
					return (run.created_by && lookups.creators.get(run.created_by)) || null;
				case 'project':
					return run.project;
				case 'created':
					return run.created_at;
				case 'updated':
					return run.updated_at;
				case 'duration':
					return (Date.parse(run.last_seen_at) - Date.parse(run.created_at)) / 1000;
				case 'description':
					return run.description || null;
				case 'name':
				case 'status':
					return run[key.field];
				default:
					// Notes (and any field lists do not carry) have no value to group by.
					return null;
			}
	}
}

export function groupLabel(value: GroupValue): string {
	return value === null ? NO_GROUP : Array.isArray(value) ? value.join(', ') : String(value);
}

function rank(value: GroupValue): number {
	if (value === null) return 4;
	if (Array.isArray(value)) return 3;
	return typeof value === 'number' ? 0 : typeof value === 'string' ? 1 : 2;
}

/** Numbers (ascending), text, booleans, lists, then "(none)". */
export function compareGroupValues(a: GroupValue, b: GroupValue): number {
	const byRank = rank(a) - rank(b);
	if (byRank !== 0 || a === null || b === null) return byRank;
	if (typeof a === 'number' && typeof b === 'number') return a - b;
	const [left, right] = [groupLabel(a), groupLabel(b)];
	return left < right ? -1 : left > right ? 1 : 0;
}

export interface RunGroup {
	label: string;
	value: GroupValue;
	/** Members in the order the runs were given. */
	runIds: string[];
}

/** The runs grouped by their value for `key`, in that order; runs without one form "(none)". */
export function groupRuns(runs: readonly GroupedRun[], key: Key, lookups: GroupLookups = {}): RunGroup[] {
	const groups = new Map<string, RunGroup>();
	for (const run of runs) {
		const value = groupValue(run, key, lookups);
		const id = JSON.stringify(value);
		const group = groups.get(id);
		if (group) group.runIds.push(run.id);
		else groups.set(id, { label: groupLabel(value), value, runIds: [run.id] });
	}
	return [...groups.values()].sort((a, b) => compareGroupValues(a.value, b.value));
}
