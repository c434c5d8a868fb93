import type { ExperimentSort, ExperimentStatus, SortOrder } from '$contracts/experiments';
import { experimentListQuery, type ExperimentListRequest } from '../api/experiments';

/** Everything that shapes the dashboard's experiment list; it lives in the query string. */
export interface DashboardView {
	ws?: string;
	q: string;
	tags: string[];
	status?: ExperimentStatus;
	sort: ExperimentSort;
	order: SortOrder;
	/** Chosen extra columns (see columns.ts); undefined when the URL names none. */
	cols?: string[];
}

export const STATUSES: readonly ExperimentStatus[] = ['running', 'finished', 'failed'];
const SORTS: readonly ExperimentSort[] = ['created', 'updated', 'name'];
export const MAX_TAG_FILTERS = 20;
export const MAX_COMPARE = 20;

/** The API's own defaults: newest first for timestamps, A→Z for names. */
export function defaultOrder(sort: ExperimentSort): SortOrder {
	return sort === 'name' ? 'asc' : 'desc';
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
	return allowed.find((item) => item === value);
}

/** Reads a view from a query string; anything malformed falls back to the default, never an error. */
export function parseDashboardView(params: URLSearchParams): DashboardView {
	const sort = oneOf(params.get('sort'), SORTS) ?? 'created';
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
	const cols = params.getAll('col').filter(Boolean);
	return {
		ws: params.get('ws') || undefined,
		q: (params.get('q') ?? '').slice(0, 200),
		tags,
		status: oneOf(params.get('status'), STATUSES),
		sort,
		order: oneOf(params.get('order'), ['asc', 'desc'] as const) ?? defaultOrder(sort),
		cols: cols.length ? [...new Set(cols)] : params.has('col') ? [] : undefined
	};
}

/** The query string for a view (with a leading `?`, or empty), leaving out defaults so links stay short. */
export function dashboardSearch(view: DashboardView): string {
	const params = new URLSearchParams();
	if (view.ws) params.set('ws', view.ws);
	if (view.q.trim()) params.set('q', view.q);
	for (const tag of view.tags) params.append('tag', tag);
	if (view.status) params.set('status', view.status);
	if (view.sort !== 'created') params.set('sort', view.sort);
	if (view.order !== defaultOrder(view.sort)) params.set('order', view.order);
	if (view.cols) {
		// A lone empty `col` records "no extra columns" so a shared link does not pick up the
		// recipient's own remembered columns.
		if (view.cols.length === 0) params.set('col', '');
		for (const col of view.cols) params.append('col', col);
	}
	const text = params.toString();
	return text ? `?${text}` : '';
}

/** Clicking a column header: a new column starts in its natural order, the same one flips. */
export function toggleSort(view: DashboardView, sort: ExperimentSort): DashboardView {
	const order = view.sort === sort ? (view.order === 'asc' ? 'desc' : 'asc') : defaultOrder(sort);
	return { ...view, sort, order };
}

/**
 * The list request for a view (`api.experiments.list`), asking for the summaries of `metrics` only
 * (the metric columns shown): rows carry no other summaries.
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
	return Boolean(view.q.trim() || view.tags.length || view.status);
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
