/**
 * A run's value for a query-language key, and runs grouped by one. The groups and their labels
 * are the ones `POST /api/series` makes for the same `groupBy` (functions/_lib/series-batch.ts),
 * so a group has the same label, and so the same colour, in the tables and in the chart bands.
 */
import type { Experiment } from '$contracts/experiments';
import type { Key } from '$contracts/query/ast';
import { parseKey } from '$contracts/query/parse';
import type { GroupValue } from '$contracts/series';

/**
 * `NO_GROUP` of `$contracts/series`, repeated: that module builds zod schemas when it loads, which
 * the site's Content-Security-Policy reports as a blocked eval (zod probes for `new Function`).
 * groups.test.ts checks the two stay equal.
 */
export const NO_GROUP = '(none)';

/** The run's value for `key`: tags as a sorted list, null when the run has none. */
export function runValue(run: Experiment, key: Key): GroupValue {
	switch (key.kind) {
		case 'hp':
			return run.hyperparams.find((entry) => entry.key === key.name)?.value ?? null;
		case 'result':
			return run.results.find((result) => result.name === key.name)?.value ?? null;
		case 'metric':
			return run.metrics.find((metric) => metric.name === key.name)?.[key.aggregate] ?? null;
		case 'field':
			switch (key.field) {
				case 'tag':
					return run.tags.length ? [...run.tags].sort() : null;
				case 'creator':
					// Lists carry the creator's id only; the label is that id (the charts show the email).
					return run.created_by;
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
					// Notes and the captured context are not part of a list's runs: no value to group by.
					return null;
			}
	}
}

/** A number, or undefined: what a numeric axis or a colour scale can use. */
export function numberOf(run: Experiment, key: Key): number | undefined {
	const value = runValue(run, key);
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function groupLabel(value: GroupValue): string {
	return value === null ? NO_GROUP : Array.isArray(value) ? value.join(', ') : String(value);
}

function rank(value: GroupValue): number {
	if (value === null) return 4;
	if (Array.isArray(value)) return 3;
	return typeof value === 'number' ? 0 : typeof value === 'string' ? 1 : 2;
}

/** Numbers (ascending), text, booleans, tag lists, then "(none)". */
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

/** The runs grouped by their value for `key`; runs without one form the "(none)" group. */
export function groupRuns(runs: Experiment[], key: Key): RunGroup[] {
	const groups = new Map<string, RunGroup>();
	for (const run of runs) {
		const value = runValue(run, key);
		const id = JSON.stringify(value);
		const group = groups.get(id);
		if (group) group.runIds.push(run.id);
		else groups.set(id, { label: groupLabel(value), value, runIds: [run.id] });
	}
	return [...groups.values()].sort((a, b) => compareGroupValues(a.value, b.value));
}

/** A key from its text, or undefined (the state module only keeps keys that parse). */
export function keyOf(text: string | undefined): Key | undefined {
	if (!text) return undefined;
	try {
		return parseKey(text);
	} catch {
		return undefined;
	}
}

/** What a key is called on the page: `lr`, `val/loss (min)`, `accuracy`, `status`. */
export function keyLabel(key: Key): string {
	switch (key.kind) {
		case 'field':
			return key.field;
		case 'hp':
		case 'result':
			return key.name;
		case 'metric':
			return `${key.name} (${key.aggregate})`;
	}
}

/**
 * `text` shortened to `max` characters by cutting out its middle: both ends stay, and they are
 * where the names of a sweep's runs (`sweep-lr0.01-seed3`) usually differ.
 */
export function shortenMiddle(text: string, max: number): string {
	const chars = [...text];
	if (chars.length <= max) return text;
	const keep = Math.max(2, max - 1);
	const head = Math.ceil(keep / 2);
	return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
}

/** The workspaces the runs live in, the one holding most of them first. */
export function workspacesByRuns(runs: readonly Experiment[]): string[] {
	const counts = new Map<string, number>();
	for (const run of runs) counts.set(run.workspace_id, (counts.get(run.workspace_id) ?? 0) + 1);
	return [...counts].sort((a, b) => b[1] - a[1]).map(([id]) => id);
}
