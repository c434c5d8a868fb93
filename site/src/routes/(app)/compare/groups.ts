/**
 * A run's value for a query-language key, and runs grouped by one. The rule is
 * `$contracts/group-values`, the one `POST /api/series` groups by for the same `groupBy`, so a
 * group has the same label, and so the same colour, in the tables and in the chart bands.
 */
import type { Experiment } from '$contracts/experiments';
import { groupValue } from '$contracts/group-values';
import { isContextField, type ContextField, type Key } from '$contracts/query/ast';
import { parseKey } from '$contracts/query/parse';
import type { GroupValue } from '$contracts/series';

export { compareGroupValues, groupLabel, groupRuns, NO_GROUP, type RunGroup } from '$contracts/group-values';

/**
 * The run's value for `key`: tags as a sorted list, null when the run has none. A creator is
 * their user id here (lists carry no emails); a context key needs runs read with its values.
 */
export function runValue(run: Experiment, key: Key): GroupValue {
	return groupValue(run, key);
}

/** The context key among `key` (none or one), which the runs must be read with to group by it. */
export function contextFieldsOf(key: Key | undefined): ContextField[] {
	return key?.kind === 'field' && isContextField(key.field) ? [key.field] : [];
}

/** A number, or undefined: what a numeric axis or a colour scale can use. */
export function numberOf(run: Experiment, key: Key): number | undefined {
	const value = runValue(run, key);
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
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
