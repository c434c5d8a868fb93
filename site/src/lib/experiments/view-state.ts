import type { ExperimentStatus, SortOrder } from '$contracts/experiments';
import { defaultSortOrder, formatKey } from '$contracts/query/ast';
import { parseKey } from '$contracts/query/parse';
import { experimentListQuery, type ExperimentListRequest } from '../api/experiments';
import { normalizeColumns, splitKeyList } from './columns';

/** Everything that shapes the dashboard's experiment list; it lives in the query string. */
export interface DashboardView {
	ws?: string;
	q: string;
	tags: string[];
	status?: ExperimentStatus;
	/** A query in the run query language, as typed (it may not parse); undefined when empty. */
	filter?: string;
	/** Any key of the query language but `tag`, written as `formatKey` writes it. */
	sort: string;
	order: SortOrder;
	/** Chosen extra columns (keys, see columns.ts); undefined when the URL names none. */
	cols?: string[];
}

export const STATUSES: readonly ExperimentStatus[] = ['running', 'finished', 'failed'];
export const MAX_TAG_FILTERS = 20;
export const MAX_COMPARE = 100;
const MAX_FILTER_LENGTH = 2000;

/** The order the API lists a sort key in when none is given: A→Z for text fields, else largest first. */
export function defaultOrder(sort: string): SortOrder {
	try {
		return defaultSortOrder(parseKey(sort));
	} catch {
		return 'desc';
	}
}

/** The key in its canonical spelling, or undefined when it cannot sort a list. */
export function sortKey(text: string | null): string | undefined {
	if (!text) return undefined;
	try {
		const key = parseKey(text);
		return key.kind === 'field' && key.field === 'tag' ? undefined : formatKey(key);
	} catch {
		return undefined;
	}
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
	return allowed.find((item) => item === value);
}

/** Reads a view from a query string; anything malformed falls back to the default, never an error. */
export function parseDashboardView(params: URLSearchParams): DashboardView {
	const sort = sortKey(params.get('sort')) ?? 'created';
	const seen = new Set<string>();
	const tags = params
		.getAll('tag')
		.map((tag) => tag.trim())
		.filter((tag) => {
			const folded = tag.toLowerCase();
			if (!tag || seen.has(folded)) return false;
			seen.add(folded);
			return true;
		})
		.slice(0, MAX_TAG_FILTERS);
	// `columns=` (keys, comma-separated or repeated); `col=` is what older links carry.
	const named = [...params.getAll('columns').flatMap(splitKeyList), ...params.getAll('col').filter(Boolean)];
	const explicit = params.has('columns') || params.has('col');
	const filter = (params.get('filter') ?? '').slice(0, MAX_FILTER_LENGTH);
	return {
		ws: params.get('ws') || undefined,
		q: (params.get('q') ?? '').slice(0, 200),
		tags,
		status: oneOf(params.get('status'), STATUSES),
		filter: filter.trim() ? filter : undefined,
		sort,
		order: oneOf(params.get('order'), ['asc', 'desc'] as const) ?? defaultOrder(sort),
		cols: named.length ? normalizeColumns(named) : explicit ? [] : undefined
	};
}

/** The query string for a view (with a leading `?`, or empty), leaving out defaults so links stay short. */
export function dashboardSearch(view: DashboardView): string {
	const params = new URLSearchParams();
	if (view.ws) params.set('ws', view.ws);
	if (view.filter?.trim()) params.set('filter', view.filter);
	if (view.q.trim()) params.set('q', view.q);
	for (const tag of view.tags) params.append('tag', tag);
	if (view.status) params.set('status', view.status);
	if (view.sort !== 'created') params.set('sort', view.sort);
	if (view.order !== defaultOrder(view.sort)) params.set('order', view.order);
	// An empty `columns=` records "no extra columns" so a shared link does not pick up the
	// recipient's own remembered columns.
	if (view.cols) params.set('columns', view.cols.join(','));
	const text = params.toString();
	return text ? `?${text}` : '';
}

/** Clicking a column header: a new column starts in its natural order, the same one flips. */
export function toggleSort(view: DashboardView, sort: string): DashboardView {
	const order = view.sort === sort ? (view.order === 'asc' ? 'desc' : 'asc') : defaultOrder(sort);
	return { ...view, sort, order };
}

/**
 * The list request for a view (`api.experiments.list`): its filters, sort and the keys of the
 * columns shown (the server sends the metric summaries those need), plus the summaries of
 * `metrics`.
 */
export function listRequest(
	view: DashboardView,
	cursor: string | null,
	limit: number,
	metrics: string[] = []
): ExperimentListRequest {
	const q = view.q.trim();
	return {
		limit,
		sort: view.sort,
		order: view.order,
		tags: view.tags,
		metrics,
		cursor,
		...(view.cols?.length ? { columns: view.cols } : {}),
		...(view.filter?.trim() ? { filter: view.filter } : {}),
		...(q ? { q } : {}),
		...(view.status ? { status: view.status } : {})
	};
}

/** The query string a view's list request sends: `GET /api/workspaces/:id/experiments?...`. */
export function listQuery(
	view: DashboardView,
	cursor: string | null,
	limit: number,
	metrics: string[] = []
): string {
	return experimentListQuery(listRequest(view, cursor, limit, metrics)).toString();
}

/** True when anything narrows the list (so an empty list means "no match", not "no experiments"). */
export function isFiltered(view: DashboardView): boolean {
	return Boolean(view.q.trim() || view.tags.length || view.status || view.filter?.trim());
}

/** Query-string names that carry list state: a URL without any opens the workspace's default view. */
const VIEW_PARAMS = ['filter', 'sort', 'order', 'columns', 'col', 'q', 'tag', 'status'];

export function hasViewState(params: URLSearchParams): boolean {
	return VIEW_PARAMS.some((name) => params.has(name));
}

/** What a saved view stores of the table (`SavedView.state`). */
export interface StoredViewState {
	filter?: string;
	sort?: string;
	order?: SortOrder;
	columns?: string[];
}

export function storedState(view: DashboardView): StoredViewState {
	return {
		...(view.filter?.trim() ? { filter: view.filter } : {}),
		sort: view.sort,
		order: view.order,
		...(view.cols ? { columns: view.cols } : {})
	};
}

/**
 * The dashboard showing a saved view: its query (kept as saved, even one that no longer parses,
 * so the bar shows its error), sort, order and columns; the plain search and filters cleared.
 * The state is read defensively: it was stored as JSON and may come from an older site.
 */
export function applyStoredState(base: DashboardView, state: Record<string, unknown>): DashboardView {
	const params = new URLSearchParams();
	if (typeof state.filter === 'string') params.set('filter', state.filter);
	if (typeof state.sort === 'string') params.set('sort', state.sort);
	if (typeof state.order === 'string') params.set('order', state.order);
	if (Array.isArray(state.columns)) {
		params.set('columns', '');
		for (const column of state.columns) if (typeof column === 'string') params.append('columns', column);
	}
	return { ...parseDashboardView(params), ws: base.ws };
}

/**
 * One query selecting what the view lists, for actions on "every run that matches": the query
 * bar's text and the plain search, tag and status filters written in the query language.
 */
export function matchingFilter(view: DashboardView): string {
	const parts: string[] = [];
	if (view.filter?.trim()) parts.push(`(${view.filter})`);
	const q = view.q.trim();
	if (q) {
		const text = JSON.stringify(q);
		parts.push(`(name ~ ${text} or description ~ ${text} or tag ~ ${text})`);
	}
	for (const tag of view.tags) parts.push(`tag = ${JSON.stringify(tag)}`);
	// The status filter reads the stored status: a running run that looks crashed is still running.
	if (view.status === 'running') parts.push('status in (running, crashed)');
	else if (view.status) parts.push(`status = ${view.status}`);
	return parts.join(' and ');
}

/** Adds a tag filter unless it is already there (tags match case-insensitively). */
export function withTag(tags: string[], tag: string): string[] {
	const clean = tag.trim();
	if (!clean || tags.some((t) => t.toLowerCase() === clean.toLowerCase())) return tags;
	return [...tags, clean].slice(0, MAX_TAG_FILTERS);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CompareIds {
	ids: string[];
	/** Entries that are not experiment ids at all. */
	invalid: number;
	/** Ids past the limit that were dropped. */
	dropped: number;
}

/** `?ids=a,b,c` (also repeated `ids`), deduplicated, at most MAX_COMPARE. */
export function parseCompareIds(params: URLSearchParams): CompareIds {
	const parts = params
		.getAll('ids')
		.flatMap((value) => value.split(','))
		.map((part) => part.trim())
		.filter(Boolean);
	const valid = [...new Set(parts.filter((part) => UUID.test(part)).map((id) => id.toLowerCase()))];
	return {
		ids: valid.slice(0, MAX_COMPARE),
		invalid: parts.filter((part) => !UUID.test(part)).length,
		dropped: Math.max(0, valid.length - MAX_COMPARE)
	};
}

export function compareHref(ids: string[]): string {
	// Commas stay readable: ids never contain them.
	return `/compare?ids=${ids.join(',')}`;
}
