import type { Experiment } from '$contracts/experiments';
import { formatNumber, formatValue } from './hyperparams';

/**
 * An optional dashboard column: `hp:<key>` (a hyperparameter), `result:<name>` or
 * `metric:<name>` (that series' last value).
 */
export type ColumnKind = 'hp' | 'result' | 'metric';
export interface Column {
	id: string;
	kind: ColumnKind;
	name: string;
}

const KINDS: readonly ColumnKind[] = ['hp', 'result', 'metric'];
export const MAX_COLUMNS = 30;

export function columnId(kind: ColumnKind, name: string): string {
	return `${kind}:${name}`;
}

export function parseColumn(id: string): Column | undefined {
	const colon = id.indexOf(':');
	const kind = KINDS.find((k) => k === id.slice(0, colon));
	const name = id.slice(colon + 1);
	return kind && name ? { id, kind, name } : undefined;
}

export function columnLabel(column: Column): string {
	return column.kind === 'metric' ? `${column.name} (last)` : column.name;
}

export interface ColumnChoices {
	hp: string[];
	result: string[];
	metric: string[];
}

/**
 * Every column the loaded experiments could fill, each group sorted by name. Rows carry only the
 * summaries asked for, so metric names come from the list pages' `metric_names`.
 */
export function availableColumns(experiments: Experiment[], metricNames: Iterable<string>): ColumnChoices {
	const hp = new Set<string>();
	const result = new Set<string>();
	const metric = new Set<string>(metricNames);
	for (const experiment of experiments) {
		for (const { key } of experiment.hyperparams) hp.add(key);
		for (const { name } of experiment.results) result.add(name);
	}
	const sorted = (set: Set<string>) => [...set].sort((a, b) => a.localeCompare(b));
	return { hp: sorted(hp), result: sorted(result), metric: sorted(metric) };
}

export function cellText(experiment: Experiment, column: Column): string {
	switch (column.kind) {
		case 'hp':
			return formatValue(experiment.hyperparams.find((h) => h.key === column.name)?.value);
		case 'result': {
			const result = experiment.results.find((r) => r.name === column.name);
			return result ? formatNumber(result.value) : '—';
		}
		case 'metric': {
			const last = experiment.metrics.find((m) => m.name === column.name)?.last;
			return last === undefined || last === null ? '—' : formatNumber(last);
		}
	}
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

function storageKey(workspaceId: string): string {
	return `tora.columns.${workspaceId}`;
}

/** The metric names of metric columns: the summaries a list must ask for. */
export function metricColumnNames(columns: Column[]): string[] {
	return columns.filter((column) => column.kind === 'metric').map((column) => column.name);
}

/** The columns last chosen in this workspace on this browser; undefined when never chosen. */
export function loadColumns(storage: StorageLike, workspaceId: string): string[] | undefined {
	try {
		const value: unknown = JSON.parse(storage.getItem(storageKey(workspaceId)) ?? 'null');
		if (!Array.isArray(value)) return undefined;
		return value
			.filter((id): id is string => typeof id === 'string' && !!parseColumn(id))
			.slice(0, MAX_COLUMNS);
	} catch {
		return undefined;
	}
}

export function saveColumns(storage: StorageLike, workspaceId: string, ids: string[]): void {
	try {
		storage.setItem(storageKey(workspaceId), JSON.stringify(ids.slice(0, MAX_COLUMNS)));
	} catch {
		// Private mode or a full quota: the URL still carries the choice.
	}
}
