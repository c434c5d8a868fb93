/**
 * Everything the compare page shows, as one value: which runs (ids, or the first ones matching a
 * query), how they are grouped, which are hidden, and each section's settings. It lives in the
 * URL, so a reload or a shared link shows the same page, and in a saved view's `compare` object.
 * Both readers take whatever they are given (an old link, a hand-edited URL, a view an older site
 * saved) and keep what makes sense, never failing: a bad part falls back to its default.
 */
import type { SortOrder } from '$contracts/experiments';
import { DEFAULT_SETTINGS, panelsFromJson, settingsDiff, type PanelsState } from '$lib/charts/panel-state';
import { formatKey, type Key } from '$contracts/query/ast';
import { parseKey } from '$contracts/query/parse';
import { defaultOrder, MAX_COMPARE, parseCompareIds, sortKey } from './view-state';

/** The compared runs: named ones, or the first MAX_COMPARE of a workspace's runs matching a query. */
export type CompareSource =
	| { kind: 'ids'; ids: string[] }
	| { kind: 'query'; ws: string; filter?: string; sort: string; order: SortOrder };

/** A brush on a parallel axis: a range of numbers, or the categories it covers. */
export type Brush = { kind: 'range'; lo: number; hi: number } | { kind: 'set'; values: string[] };

export type AxisScale = 'log' | 'linear';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface CompareState {
	source?: CompareSource;
	/** A query-language key (`hp.optimizer`, `tag`, `status`, `result.acc`, ...). */
	groupBy?: string;
	/** Runs left out of every section, by HIDDEN_PREFIX characters of their ids. */
	hidden: string[];
	/** Group labels left out, and groups listed with their members. */
	hiddenGroups: string[];
	expanded: string[];
	table: { onlyDifferences: boolean; sortBy?: string; order: SortOrder };
	parallel: {
		/** Metric and result axes added to the varying hyperparameters. */
		axes: string[];
		hiddenAxes: string[];
		/** Axes whose automatic scale the user overrode. */
		scales: Record<string, AxisScale>;
		colorBy?: string;
		brushes: Record<string, Brush>;
	};
	radar: { keys: string[]; flip: string[] };
	importance: { target?: string };
	/**
	 * The metric chart panels' settings (`panelsToJson`: the page's defaults, each panel's own, the
	 * metric search, the band); this module only keeps it small and well-formed.
	 */
	panels?: Record<string, Json>;
}

/**
 * The saved-view bounds of `$contracts/views`, repeated: that module builds zod schemas when it
 * loads, and zod's probe for `new Function` is then reported as a blocked eval by the site's
 * Content-Security-Policy. compare-state.test.ts checks the two stay equal.
 */
export const VIEW_LIMITS = { compareBytes: 8 * 1024, filterLength: 2000, keyLength: 600 } as const;
const MAX_VIEW_COMPARE_BYTES = VIEW_LIMITS.compareBytes;
const MAX_VIEW_FILTER_LENGTH = VIEW_LIMITS.filterLength;
const MAX_VIEW_KEY_LENGTH = VIEW_LIMITS.keyLength;

/**
 * Hidden runs are written as the first characters of their ids: enough to tell a hundred runs
 * apart (a clash needs two of them to share 32 random bits), and a link hiding many stays short.
 */
export const HIDDEN_PREFIX = 8;
export const MAX_LABEL_LENGTH = 200;
export const MAX_AXES = 20;
export const MAX_RADAR_KEYS = 12;
export const MAX_BRUSHES = 20;
export const MAX_BRUSH_VALUES = 100;
export const MAX_PANELS_BYTES = 4096;
const MAX_LIST = MAX_COMPARE;

export function emptyCompareState(source?: CompareSource): CompareState {
	return {
		source,
		hidden: [],
		hiddenGroups: [],
		expanded: [],
		table: { onlyDifferences: false, order: 'asc' },
		parallel: { axes: [], hiddenAxes: [], scales: {}, brushes: {} },
		radar: { keys: [], flip: [] },
		importance: {}
	};
}

// ---- checks shared by both readers ----

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_PREFIX = new RegExp(`^[0-9a-f]{${HIDDEN_PREFIX}}$`);
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** A key in its canonical spelling, or undefined when it does not parse (or is not of `kinds`). */
export function canonicalKey(text: unknown, kinds?: readonly Key['kind'][]): string | undefined {
	if (typeof text !== 'string' || !text.trim() || text.length > MAX_VIEW_KEY_LENGTH) return undefined;
	try {
		const key = parseKey(text);
		return !kinds || kinds.includes(key.kind) ? formatKey(key) : undefined;
	} catch {
		return undefined;
	}
}

/** A metric aggregate or a result: what radar axes, colours and importance targets measure. */
const MEASURE: readonly Key['kind'][] = ['metric', 'result'];

function keyList(values: unknown, max: number, kinds?: readonly Key['kind'][]): string[] {
	if (!Array.isArray(values)) return [];
	const keys = values.map((value) => canonicalKey(value, kinds)).filter((key) => key !== undefined);
	return [...new Set(keys)].slice(0, max);
}

function labelList(values: unknown): string[] {
	if (!Array.isArray(values)) return [];
	const labels = values.filter(
		(value): value is string =>
			typeof value === 'string' && value.length > 0 && value.length <= MAX_LABEL_LENGTH
	);
	return [...new Set(labels)].slice(0, MAX_LIST);
}

function prefixList(values: unknown): string[] {
	if (!Array.isArray(values)) return [];
	const prefixes = values
		.filter((value): value is string => typeof value === 'string')
		.map((value) => value.trim().toLowerCase().slice(0, HIDDEN_PREFIX))
		.filter((value) => HEX_PREFIX.test(value));
	return [...new Set(prefixes)].slice(0, MAX_LIST);
}

function order(value: unknown, fallback: SortOrder): SortOrder {
	return value === 'asc' || value === 'desc' ? value : fallback;
}

function brushOf(value: unknown): Brush | undefined {
	if (!Array.isArray(value) || value.length === 0) return undefined;
	if (value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
		const [a, b] = value as [number, number];
		return { kind: 'range', lo: Math.min(a, b), hi: Math.max(a, b) };
	}
	if (value.every((v) => typeof v === 'string' && v.length <= MAX_LABEL_LENGTH)) {
		const values = [...new Set(value as string[])].slice(0, MAX_BRUSH_VALUES);
		return { kind: 'set', values };
	}
	return undefined;
}

/** Brushes as JSON keeps them: `{key: [lo, hi]}` or `{key: ["category", ...]}`. */
function brushesOf(value: unknown): Record<string, Brush> {
	const brushes: Record<string, Brush> = {};
	if (!isRecord(value)) return brushes;
	for (const [text, item] of Object.entries(value)) {
		const key = canonicalKey(text);
		const brush = brushOf(item);
		if (key && brush && Object.keys(brushes).length < MAX_BRUSHES) brushes[key] = brush;
	}
	return brushes;
}

function brushesJson(brushes: Record<string, Brush>): Record<string, Json> {
	return Object.fromEntries(
		Object.entries(brushes).map(([key, brush]) => [
			key,
			brush.kind === 'range' ? [brush.lo, brush.hi] : brush.values
		])
	);
}

function scalesOf(log: unknown, linear: unknown): Record<string, AxisScale> {
	const scales: Record<string, AxisScale> = {};
	for (const key of keyList(log, MAX_LIST)) scales[key] = 'log';
	for (const key of keyList(linear, MAX_LIST)) scales[key] = 'linear';
	return scales;
}

const scaleKeys = (scales: Record<string, AxisScale>, scale: AxisScale) =>
	Object.entries(scales)
		.filter(([, value]) => value === scale)
		.map(([key]) => key);

function isRecord(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON-only values (no undefined, functions, non-finite numbers), small enough to keep. */
function panelsOf(value: unknown): Record<string, Json> | undefined {
	if (!isRecord(value)) return undefined;
	let copy: unknown;
	try {
		copy = JSON.parse(JSON.stringify(value));
	} catch {
		return undefined;
	}
	if (!isRecord(copy) || Object.keys(copy).length === 0 || jsonBytes(copy) > MAX_PANELS_BYTES)
		return undefined;
	return copy as Record<string, Json>;
}

function querySource(
	ws: unknown,
	filter: unknown,
	sort: unknown,
	sortOrder: unknown
): CompareSource | undefined {
	if (typeof ws !== 'string' || !UUID.test(ws)) return undefined;
	const key = sortKey(typeof sort === 'string' ? sort : null) ?? 'created';
	const text = typeof filter === 'string' ? filter.slice(0, MAX_VIEW_FILTER_LENGTH) : '';
	return {
		kind: 'query',
		ws: ws.toLowerCase(),
		...(text.trim() ? { filter: text } : {}),
		sort: key,
		order: order(sortOrder, defaultOrder(key))
	};
}

// ---- URL ----

/** What the URL's run list held that could not be used, for a note on the page. */
export interface SourceProblems {
	/** Entries that are not experiment ids. */
	invalid: number;
	/** Ids past MAX_COMPARE. */
	dropped: number;
}

function parseJsonParam(params: URLSearchParams, name: string): unknown {
	const text = params.get(name);
	if (!text) return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** The compare page's state from its query string (`ids=` wins over `ws=` when both are there). */
export function parseCompareParams(params: URLSearchParams): {
	state: CompareState;
	problems: SourceProblems;
} {
	const named = parseCompareIds(params);
	const query = querySource(params.get('ws'), params.get('filter'), params.get('sort'), params.get('order'));
	const source: CompareSource | undefined =
		named.ids.length || (params.has('ids') && !query) ? { kind: 'ids', ids: named.ids } : query;
	const all = (name: string) => params.getAll(name);
	const state: CompareState = {
		source,
		groupBy: canonicalKey(params.get('group')),
		hidden: prefixList(all('hide').flatMap((value) => value.split(','))),
		hiddenGroups: labelList(all('hidegroup')),
		expanded: labelList(all('open')),
		table: {
			onlyDifferences: params.get('diff') === '1',
			sortBy: canonicalKey(params.get('hpsort'), ['hp', 'result', 'metric']),
			order: order(params.get('hporder'), 'asc')
		},
		parallel: {
			axes: keyList(all('axis'), MAX_AXES, MEASURE),
			hiddenAxes: keyList(all('noaxis'), MAX_LIST),
			scales: scalesOf(all('log'), all('linear')),
			colorBy: canonicalKey(params.get('color'), [...MEASURE, 'hp']),
			brushes: brushesOf(parseJsonParam(params, 'brush'))
		},
		radar: {
			keys: keyList(all('radar'), MAX_RADAR_KEYS, MEASURE),
			flip: keyList(all('flip'), MAX_RADAR_KEYS)
		},
		importance: { target: canonicalKey(params.get('target'), MEASURE) },
		panels: panelsOf(parseJsonParam(params, 'panels'))
	};
	return { state, problems: { invalid: named.invalid, dropped: named.dropped } };
}

/** The query string for a state (with a leading `?`, or empty), defaults left out so links stay short. */
export function compareSearch(state: CompareState): string {
	const params = new URLSearchParams();
	const { source } = state;
	if (source?.kind === 'ids') params.set('ids', source.ids.join(','));
	if (source?.kind === 'query') {
		params.set('ws', source.ws);
		if (source.filter?.trim()) params.set('filter', source.filter);
		if (source.sort !== 'created') params.set('sort', source.sort);
		if (source.order !== defaultOrder(source.sort)) params.set('order', source.order);
	}
	if (state.groupBy) params.set('group', state.groupBy);
	if (state.hidden.length) params.set('hide', state.hidden.join(','));
	for (const label of state.hiddenGroups) params.append('hidegroup', label);
	for (const label of state.expanded) params.append('open', label);
	if (state.table.onlyDifferences) params.set('diff', '1');
	if (state.table.sortBy) {
		params.set('hpsort', state.table.sortBy);
		if (state.table.order === 'desc') params.set('hporder', 'desc');
	}
	const { parallel } = state;
	for (const key of parallel.axes) params.append('axis', key);
	for (const key of parallel.hiddenAxes) params.append('noaxis', key);
	for (const key of scaleKeys(parallel.scales, 'log')) params.append('log', key);
	for (const key of scaleKeys(parallel.scales, 'linear')) params.append('linear', key);
	if (parallel.colorBy) params.set('color', parallel.colorBy);
	if (Object.keys(parallel.brushes).length)
		params.set('brush', JSON.stringify(brushesJson(parallel.brushes)));
	for (const key of state.radar.keys) params.append('radar', key);
	for (const key of state.radar.flip) params.append('flip', key);
	if (state.importance.target) params.set('target', state.importance.target);
	if (state.panels) params.set('panels', JSON.stringify(state.panels));
	// Commas and slashes stay readable: ids and most keys are full of them.
	const text = params.toString().replaceAll('%2C', ',').replaceAll('%2F', '/');
	return text ? `?${text}` : '';
}

export function compareUrl(state: CompareState): string {
	return `/compare${compareSearch(state)}`;
}

/** The compare page over the first runs matching a dashboard query (`filter` in the query language). */
export function compareQueryHref(
	ws: string,
	filter: string | undefined,
	sort: string,
	sortOrder: SortOrder
): string {
	return compareUrl(emptyCompareState({ kind: 'query', ws, filter, sort, order: sortOrder }));
}

// ---- saved views ----

/**
 * What a saved view keeps of the page: `compare` (this state but the query, JSON) and, for a query,
 * the view's own `filter`, `sort` and `order`, so the dashboard shows the same runs when the view
 * is opened there. The workspace is the view's.
 */
// A type alias, not an interface: it must be assignable to a saved view's Record<string, unknown>.
export type CompareViewState = {
	filter?: string;
	sort?: string;
	order?: SortOrder;
	compare: Record<string, Json>;
};

/** Parts of the state dropped, least needed first, when a view's JSON would be over its bound. */
const DROP_ORDER = ['panels', 'brushes', 'expanded', 'hiddenGroups', 'hidden', 'parallel', 'radar'] as const;

export function compareViewState(state: CompareState): { state: CompareViewState; dropped: string[] } {
	const { source } = state;
	const compare: Record<string, Json> = {
		source: source?.kind === 'ids' ? { ids: source.ids } : 'query',
		...(state.groupBy ? { groupBy: state.groupBy } : {}),
		...(state.hidden.length ? { hidden: state.hidden } : {}),
		...(state.hiddenGroups.length ? { hiddenGroups: state.hiddenGroups } : {}),
		...(state.expanded.length ? { expanded: state.expanded } : {}),
		table: {
			onlyDifferences: state.table.onlyDifferences,
			order: state.table.order,
			...(state.table.sortBy ? { sortBy: state.table.sortBy } : {})
		},
		parallel: {
			axes: state.parallel.axes,
			hiddenAxes: state.parallel.hiddenAxes,
			scales: state.parallel.scales,
			...(state.parallel.colorBy ? { colorBy: state.parallel.colorBy } : {})
		},
		...(Object.keys(state.parallel.brushes).length ? { brushes: brushesJson(state.parallel.brushes) } : {}),
		radar: { keys: state.radar.keys, flip: state.radar.flip },
		...(state.importance.target ? { target: state.importance.target } : {}),
		...(state.panels ? { panels: state.panels } : {})
	};
	const dropped: string[] = [];
	for (const part of DROP_ORDER) {
		if (jsonBytes(compare) <= MAX_VIEW_COMPARE_BYTES) break;
		if (part in compare) {
			delete compare[part];
			dropped.push(part);
		}
	}
	const query =
		source?.kind === 'query'
			? {
					...(source.filter?.trim() ? { filter: source.filter } : {}),
					sort: source.sort,
					order: source.order
				}
			: {};
	return { state: { ...query, compare }, dropped };
}

/** Whether a saved view's state has a compare part (so it can be opened on the compare page). */
export function hasComparePart(viewState: Record<string, unknown>): boolean {
	return (
		isRecord(viewState.compare) &&
		(viewState.compare.source === 'query' || isRecord(viewState.compare.source))
	);
}

/** The compare state a saved view holds (of workspace `workspaceId`), or undefined when it has none. */
export function compareStateFromView(
	viewState: Record<string, unknown>,
	workspaceId: string
): CompareState | undefined {
	if (!hasComparePart(viewState)) return undefined;
	const compare = viewState.compare as Record<string, unknown>;
	const source: CompareSource | undefined = isRecord(compare.source)
		? { kind: 'ids', ids: parseCompareIds(new URLSearchParams({ ids: idsText(compare.source.ids) })).ids }
		: querySource(workspaceId, viewState.filter, viewState.sort, viewState.order);
	const table = isRecord(compare.table) ? compare.table : {};
	const parallel = isRecord(compare.parallel) ? compare.parallel : {};
	const radar = isRecord(compare.radar) ? compare.radar : {};
	const scales = isRecord(parallel.scales) ? parallel.scales : {};
	const scaleList = (scale: AxisScale) =>
		Object.entries(scales)
			.filter(([, value]) => value === scale)
			.map(([key]) => key);
	return {
		source,
		groupBy: canonicalKey(compare.groupBy),
		hidden: prefixList(compare.hidden),
		hiddenGroups: labelList(compare.hiddenGroups),
		expanded: labelList(compare.expanded),
		table: {
			onlyDifferences: table.onlyDifferences === true,
			sortBy: canonicalKey(table.sortBy, ['hp', 'result', 'metric']),
			order: order(table.order, 'asc')
		},
		parallel: {
			axes: keyList(parallel.axes, MAX_AXES, MEASURE),
			hiddenAxes: keyList(parallel.hiddenAxes, MAX_LIST),
			scales: scalesOf(scaleList('log'), scaleList('linear')),
			colorBy: canonicalKey(parallel.colorBy, [...MEASURE, 'hp']),
			brushes: brushesOf(compare.brushes)
		},
		radar: { keys: keyList(radar.keys, MAX_RADAR_KEYS, MEASURE), flip: keyList(radar.flip, MAX_RADAR_KEYS) },
		importance: { target: canonicalKey(compare.target, MEASURE) },
		panels: panelsOf(compare.panels)
	};
}

function idsText(ids: unknown): string {
	return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string').join(',') : '';
}

/** The compare page for a saved view, or undefined when the view has no compare part. */
export function compareViewHref(view: {
	workspace_id: string;
	state: Record<string, unknown>;
}): string | undefined {
	const state = compareStateFromView(view.state, view.workspace_id);
	return state ? compareUrl(state) : undefined;
}

// ---- chart panels ----

/**
 * The chart panels' state as the compare state keeps it: only what differs from the defaults, so
 * an untouched page writes nothing. Undefined when nothing differs. Panels' own settings past
 * MAX_PANELS_BYTES are left out oldest first (the latest change is kept), not all at once.
 */
export function panelsToJson(panels: PanelsState): Record<string, Json> | undefined {
	const defaults = settingsDiff(panels.defaults, DEFAULT_SETTINGS);
	const shared: Record<string, unknown> = {
		...(Object.keys(defaults).length ? { defaults } : {}),
		...(panels.search ? { search: panels.search } : {}),
		...(panels.band !== 'std' ? { band: panels.band } : {})
	};
	let overrides = panels.overrides;
	for (;;) {
		const json = { ...shared, ...(overrides.length ? { overrides } : {}) };
		if (overrides.length === 0 || jsonBytes(json) <= MAX_PANELS_BYTES) return panelsOf(json);
		overrides = overrides.slice(1);
	}
}

/** The chart panels' state a compare state holds (the defaults when it holds none). */
export function panelsOfState(state: CompareState): PanelsState {
	return panelsFromJson(state.panels ?? {});
}

// ---- helpers for the page ----

export function hiddenPrefix(id: string): string {
	return id.toLowerCase().slice(0, HIDDEN_PREFIX);
}

/** The metric names whose summaries the page needs: every `metric.*` key the state uses. */
export function metricNamesUsed(state: CompareState, limit: number): string[] {
	const keys = [
		state.groupBy,
		state.table.sortBy,
		state.parallel.colorBy,
		state.importance.target,
		...state.parallel.axes,
		...state.radar.keys
	];
	const names = new Set<string>();
	for (const text of keys) {
		if (!text) continue;
		const key = parseKey(text);
		if (key.kind === 'metric') names.add(key.name);
	}
	return [...names].slice(0, limit);
}
