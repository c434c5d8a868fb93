import type { Experiment } from '$contracts/experiments';
import {
	CONTEXT_FIELDS,
	formatKey,
	isContextField,
	LIST_FIELDS,
	METRIC_AGGREGATES,
	type ContextField,
	type Key,
	type MetricAggregate,
	type RunField
} from '$contracts/query/ast';
import { parseKey } from '$contracts/query/parse';
import { formatDate } from '../dates';
import { formatNumber, formatValue } from './hyperparams';

/**
 * An optional dashboard column. Its id is its key in the run query language (`hp.lr`,
 * `result.acc`, `metric."val/loss".min`, `duration`), so the same text sorts the list, names the
 * column in the URL and tells the API which metric summaries to send.
 */
export type ColumnKind = 'field' | 'hp' | 'result' | 'metric';
export interface Column {
	id: string;
	key: Key;
}

/** Run fields offered as optional columns (name, status, tags and created are always shown). */
export const RUN_COLUMNS = ['updated', 'duration', 'creator', 'project', 'description'] as const;
export type RunColumn = (typeof RUN_COLUMNS)[number];
/** The picker's groups: run fields, the captured context ("Environment"), and the named keys. */
export type ColumnGroup = 'field' | 'context' | 'hp' | 'result' | 'metric';
/** The aggregates a metric column can switch between in its header. */
export const COLUMN_AGGREGATES: readonly MetricAggregate[] = ['last', 'min', 'max'];
/** Shown when neither the URL nor this browser has a choice yet. */
export const DEFAULT_COLUMNS: readonly string[] = ['duration', 'updated'];
/** The API's bound on column keys per list. */
export const MAX_COLUMNS = 100;

const LEGACY_KINDS = ['hp', 'result', 'metric'] as const;

/**
 * A column from its key; also reads the ids older links and browsers kept (`hp:lr`,
 * `metric:loss` = its last value). Undefined for anything else.
 */
export function parseColumn(text: string): Column | undefined {
	const legacy = legacyKey(text);
	let key: Key;
	try {
		key = legacy ?? parseKey(text);
	} catch {
		return undefined;
	}
	if (key.kind === 'field' && !isRunColumn(key.field) && !isContextField(key.field)) return undefined;
	return { id: formatKey(key), key };
}

const isRunColumn = (field: RunField): field is RunColumn => RUN_COLUMNS.some((column) => column === field);

/** The picker group a column belongs to. */
export function columnGroup(column: Column): ColumnGroup {
	const { key } = column;
	return key.kind === 'field' ? (isContextField(key.field) ? 'context' : 'field') : key.kind;
}

/** A list can be sorted by every column but a list-valued one (`gpu`). */
export function isSortable(column: Column): boolean {
	return !(column.key.kind === 'field' && LIST_FIELDS.includes(column.key.field));
}

function legacyKey(text: string): Key | undefined {
	const colon = text.indexOf(':');
	if (colon === -1) return undefined;
	const kind = LEGACY_KINDS.find((k) => k === text.slice(0, colon));
	const name = text.slice(colon + 1);
	if (!kind || !name) return undefined;
	return kind === 'metric' ? { kind, name, aggregate: 'last' } : { kind, name };
}

/** The key text of a column of this kind and name. */
export function columnKey(
	kind: Exclude<ColumnKind, 'field'>,
	name: string,
	aggregate: MetricAggregate = 'last'
): string {
	return formatKey(kind === 'metric' ? { kind, name, aggregate } : { kind, name });
}

/** The same metric column showing another aggregate (other columns are returned as they are). */
export function withAggregate(column: Column, aggregate: MetricAggregate): Column {
	if (column.key.kind !== 'metric') return column;
	const key: Key = { ...column.key, aggregate };
	return { id: formatKey(key), key };
}

const FIELD_LABELS: Record<RunColumn | ContextField, string> = {
	updated: 'Updated',
	duration: 'Runtime',
	creator: 'Creator',
	project: 'Project',
	description: 'Description',
	'git.commit': 'Commit',
	'git.branch': 'Branch',
	'git.remote': 'Git remote',
	'git.dirty': 'Uncommitted changes',
	host: 'Host',
	os: 'OS',
	// `duration` is shown as "Runtime": this is the interpreter the script ran on.
	runtime: 'Interpreter',
	cwd: 'Working directory',
	command: 'Command',
	gpu: 'GPUs',
	cpus: 'CPUs',
	memory: 'Memory'
};

export function columnLabel(column: Column): string {
	const { key } = column;
	switch (key.kind) {
		case 'field':
			return isRunColumn(key.field) || isContextField(key.field) ? FIELD_LABELS[key.field] : key.field;
		case 'hp':
		case 'result':
			return key.name;
		case 'metric':
			return `${key.name} (${key.aggregate})`;
	}
}

const NUMERIC_FIELDS: readonly string[] = ['duration', 'cpus', 'memory'];

/** Number-like columns are right-aligned. */
export function isNumeric(column: Column): boolean {
	return column.key.kind === 'metric' || column.key.kind === 'result' || NUMERIC_FIELDS.includes(column.id);
}

/** Columns whose values are code (hyperparameters, a commit id) are set in a monospace font. */
export function isCode(column: Column): boolean {
	return column.key.kind === 'hp' || column.id === 'git.commit';
}

export interface ColumnChoices {
	field: string[];
	context: string[];
	hp: string[];
	result: string[];
	metric: string[];
}

/** Names a workspace's runs use (`api.keys.list`), when known. */
export interface KnownKeys {
	hyperparams: string[];
	metrics: string[];
	results: string[];
}

/** One collator for every sort: `localeCompare` in a sort's comparator costs far more per call. */
let collator: Intl.Collator | undefined;
const compareNames = (a: string, b: string) => (collator ??= new Intl.Collator()).compare(a, b);

/**
 * Every column there is to offer, each group sorted by name: the workspace's keys when known,
 * plus what the loaded rows carry (rows carry only the summaries asked for, so metric names also
 * come from the list pages' `metric_names`).
 */
export function availableColumns(
	experiments: Experiment[],
	metricNames: Iterable<string>,
	known?: KnownKeys
): ColumnChoices {
	const hp = new Set<string>(known?.hyperparams);
	const result = new Set<string>(known?.results);
	const metric = new Set<string>([...metricNames, ...(known?.metrics ?? [])]);
	for (const experiment of experiments) {
		for (const { key } of experiment.hyperparams) hp.add(key);
		for (const { name } of experiment.results) result.add(name);
	}
	const sorted = (set: Set<string>) => [...set].sort(compareNames);
	return {
		field: [...RUN_COLUMNS],
		context: [...CONTEXT_FIELDS],
		hp: sorted(hp),
		result: sorted(result),
		metric: sorted(metric)
	};
}

/** What a cell needs besides its row: the time runtimes of running runs are counted to, creators' emails. */
export interface CellContext {
	now?: number;
	creators?: ReadonlyMap<string, string>;
}

/** A run's runtime in seconds: from creation to the last sign of life. */
export function runtimeSeconds(experiment: Pick<Experiment, 'created_at' | 'last_seen_at'>): number {
	const ms = Date.parse(experiment.last_seen_at) - Date.parse(experiment.created_at);
	return Number.isFinite(ms) ? Math.max(0, ms / 1000) : 0;
}

/** `42s`, `12m 5s`, `1h 12m`, `3d 4h`: the two largest units. */
export function formatDuration(seconds: number): string {
	const s = Math.floor(seconds);
	const units: [string, number][] = [
		['d', Math.floor(s / 86400)],
		['h', Math.floor((s % 86400) / 3600)],
		['m', Math.floor((s % 3600) / 60)],
		['s', s % 60]
	];
	const first = units.findIndex(([, n]) => n > 0);
	if (first === -1) return '0s';
	return units
		.slice(first, first + 2)
		.filter(([, n], i) => i === 0 || n > 0)
		.map(([unit, n]) => `${n}${unit}`)
		.join(' ');
}

/** Characters of a commit id a cell shows (the full id is its title). */
export const SHORT_COMMIT = 8;

/** 68719476736 → "64 GiB", 16.6e9 → "15.5 GiB": machines' memory, in one unit to compare by. */
export function formatGiB(bytes: number): string {
	const gib = bytes / 2 ** 30;
	return `${gib >= 100 || Number.isInteger(gib) ? Math.round(gib) : gib.toFixed(1)} GiB`;
}

/** ["A100", "A100", "T4"] → "2 × A100, T4". */
function gpuText(names: string[]): string {
	const counts = new Map<string, number>();
	for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
	return [...counts].map(([name, count]) => (count > 1 ? `${count} × ${name}` : name)).join(', ');
}

/** A context value as a cell shows it; `full`: as its title shows it (the whole commit id). */
function contextText(experiment: Experiment, field: ContextField, full: boolean): string {
	const value = experiment.context_values?.[field];
	if (value === undefined || value === null) return '—';
	if (Array.isArray(value)) return value.length ? gpuText(value) : '—';
	if (typeof value === 'boolean') {
		if (full) return value ? 'Uncommitted changes when the run started' : 'No uncommitted changes';
		return value ? '● dirty' : 'clean';
	}
	if (typeof value === 'number') return field === 'memory' ? formatGiB(value) : String(value);
	if (field === 'git.commit' && !full) return value.slice(0, SHORT_COMMIT);
	return value || '—';
}

/** A cell's title: its whole value where the cell shows part of it. */
export function cellTitle(experiment: Experiment, column: Column, context: CellContext = {}): string {
	const { key } = column;
	if (key.kind === 'field' && isContextField(key.field)) return contextText(experiment, key.field, true);
	return cellText(experiment, column, context);
}

export function cellText(experiment: Experiment, column: Column, context: CellContext = {}): string {
	const { key } = column;
	switch (key.kind) {
		case 'field':
			if (isContextField(key.field)) return contextText(experiment, key.field, false);
			switch (key.field) {
				case 'updated':
					return formatShortDate(experiment.updated_at);
				case 'duration':
					return formatDuration(runtimeSeconds(experiment));
				case 'creator':
					return experiment.created_by ? (context.creators?.get(experiment.created_by) ?? '—') : '—';
				case 'project':
					return experiment.project ?? '—';
				case 'description':
					return experiment.description || '—';
				default:
					return '—';
			}
		case 'hp':
			return formatValue(experiment.hyperparams.find((h) => h.key === key.name)?.value);
		case 'result': {
			const result = experiment.results.find((r) => r.name === key.name);
			return result ? formatNumber(result.value) : '—';
		}
		case 'metric': {
			const value = experiment.metrics.find((m) => m.name === key.name)?.[key.aggregate];
			return value === undefined || value === null ? '—' : formatNumber(value);
		}
	}
}

// formatDate's formatter is made once: toLocaleString with options builds one per call, which
// cost a scrolling table most of its frame budget.
function formatShortDate(iso: string): string {
	return Number.isNaN(Date.parse(iso)) ? '—' : formatDate(iso);
}

/** True when the loaded rows do not all show the same text in this column. */
export function columnVaries(experiments: Experiment[], column: Column, context: CellContext = {}): boolean {
	const first = experiments[0] && cellText(experiments[0], column, context);
	return experiments.some((experiment) => cellText(experiment, column, context) !== first);
}

/** The metric names of metric columns. */
export function metricColumnNames(columns: Column[]): string[] {
	return [...new Set(columns.flatMap((column) => (column.key.kind === 'metric' ? [column.key.name] : [])))];
}

/** The context keys of context columns (what a batch read asks for to fill them). */
export function contextColumnFields(columns: Column[]): ContextField[] {
	return [
		...new Set(
			columns.flatMap((column) =>
				column.key.kind === 'field' && isContextField(column.key.field) ? [column.key.field] : []
			)
		)
	];
}

export function isAggregate(value: string): value is MetricAggregate {
	return METRIC_AGGREGATES.some((aggregate) => aggregate === value);
}

/** `a,b` → ["a", "b"], leaving commas inside quoted names alone (`metric."a,b".min`). */
export function splitKeyList(list: string): string[] {
	const keys: string[] = [];
	let current = '';
	let quote: string | undefined;
	for (let i = 0; i < list.length; i++) {
		const c = list[i];
		if (quote) {
			if (c === '\\') current += c + (list[++i] ?? '');
			else {
				if (c === quote) quote = undefined;
				current += c;
			}
			continue;
		}
		if (c === ',') {
			if (current.trim()) keys.push(current.trim());
			current = '';
			continue;
		}
		if (c === '"' || c === "'") quote = c;
		current += c;
	}
	if (current.trim()) keys.push(current.trim());
	return keys;
}

/** Column ids, each read once (legacy ids become keys), unknown ones dropped. */
export function normalizeColumns(ids: string[]): string[] {
	return [
		...new Set(ids.map((id) => parseColumn(id)?.id).filter((id): id is string => id !== undefined))
	].slice(0, MAX_COLUMNS);
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

function readJson(storage: StorageLike, key: string): unknown {
	try {
		return JSON.parse(storage.getItem(key) ?? 'null');
	} catch {
		return undefined;
	}
}

function writeJson(storage: StorageLike, key: string, value: unknown): void {
	try {
		storage.setItem(key, JSON.stringify(value));
	} catch {
		// Private mode or a full quota: the URL still carries the choice.
	}
}

/** The columns last chosen in this workspace on this browser; undefined when never chosen. */
export function loadColumns(storage: StorageLike, workspaceId: string): string[] | undefined {
	const value = readJson(storage, `tora.columns.${workspaceId}`);
	if (!Array.isArray(value)) return undefined;
	return normalizeColumns(value.filter((id): id is string => typeof id === 'string'));
}

export function saveColumns(storage: StorageLike, workspaceId: string, ids: string[]): void {
	writeJson(storage, `tora.columns.${workspaceId}`, ids.slice(0, MAX_COLUMNS));
}

export const MIN_COLUMN_WIDTH = 64;
export const MAX_COLUMN_WIDTH = 800;

/** Column widths (px, by column id) set by dragging header edges in this workspace. */
export function loadWidths(storage: StorageLike, workspaceId: string): Record<string, number> {
	const value = readJson(storage, `tora.widths.${workspaceId}`);
	if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
	const widths: Record<string, number> = {};
	for (const [id, width] of Object.entries(value)) {
		if (typeof width === 'number' && Number.isFinite(width)) widths[id] = clampWidth(width);
	}
	return widths;
}

export function saveWidths(storage: StorageLike, workspaceId: string, widths: Record<string, number>): void {
	writeJson(storage, `tora.widths.${workspaceId}`, widths);
}

export function clampWidth(width: number): number {
	return Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, width)));
}
