/**
 * The dashboard's first page of runs, asked for as early as the site can: by the route's `load`
 * (`+page.ts`), which runs before the page's components are created, so the request travels while
 * the page hydrates. The page then takes that answer instead of asking again, but only when it
 * would have sent exactly the same request (same user, workspace and query string) moments ago;
 * anything else (another view, a failed or refused request, an old answer) and it asks itself,
 * through the API client that renews sessions.
 *
 * Earlier still, on a full page load: an inline script in the page's head (`EARLY_SCRIPT`) sends
 * the same request while the HTML is being parsed, before any of the site's code has arrived;
 * the route's `load` adopts it when it is the request it would have sent.
 *
 * The workspace a bare `/dashboard` shows is the one shown last in this browser (per user), so
 * that its rows need not wait for the list of workspaces; the page checks it against that list
 * when it arrives.
 */
import type { ExperimentPage } from '$contracts/experiments';
import { experimentListQuery, type ExperimentListRequest } from '$lib/api/experiments';
import { apiPath, readData, send, type Fetch } from '$lib/api/transport';
import { DEFAULT_COLUMNS, loadColumns, MAX_COLUMNS } from '$lib/experiments/columns';
import {
	listRequest,
	MAX_TAG_FILTERS,
	parseDashboardView,
	STATUSES,
	type DashboardView
} from '$lib/experiments/view-state';

/** Rows per list request: the first page, and each page loaded while scrolling. */
export const PAGE_SIZE = 100;
/** An answer older than this is not used: the page asks again rather than show stale rows. */
export const FRESH_MS = 10_000;
/** A token this close to expiring is left to the session to renew (as `session.accessToken()` does). */
const EXPIRY_MARGIN_MS = 30_000;

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

/** The extra columns a view shows: the URL's, else those last chosen in the workspace, else the defaults. */
export function shownColumns(view: DashboardView, workspaceId: string, storage: StorageLike): string[] {
	return view.cols ?? loadColumns(storage, workspaceId) ?? [...DEFAULT_COLUMNS];
}

/** The list request for a view's first page. */
export function firstPageRequest(view: DashboardView, columns: string[]): ExperimentListRequest {
	return listRequest({ ...view, cols: columns }, null, PAGE_SIZE);
}

const LAST_WORKSPACE_KEY = 'tora.dashboard.workspace.';
const lastWorkspaceKey = (userId: string) => `${LAST_WORKSPACE_KEY}${userId}`;

/** The workspace this user's dashboard showed last in this browser, if any. */
export function lastWorkspace(storage: StorageLike, userId: string): string | undefined {
	try {
		return storage.getItem(lastWorkspaceKey(userId)) || undefined;
	} catch {
		return undefined;
	}
}

export function rememberWorkspace(storage: StorageLike, userId: string, workspaceId: string): void {
	try {
		storage.setItem(lastWorkspaceKey(userId), workspaceId);
	} catch {
		// Private mode or a full quota: a bare /dashboard then waits for the workspaces list.
	}
}

/** What the prefetch needs of the stored session (`readStored()` in session.svelte.ts). */
export interface StoredCredentials {
	accessToken: string;
	/** ISO timestamp. */
	expiresAt: string;
	user: { id: string };
}

interface Pending {
	key: string;
	startedAt: number;
	answer: Promise<ExperimentPage | undefined>;
}

/** What the inline script leaves for the page (`window.__toraFirstPage`). */
export interface EarlyFirstPage {
	/** `requestKey()` of what it asked for. */
	key: string;
	startedAt: number;
	answer: Promise<ExperimentPage | undefined>;
}

export interface FirstPageOptions {
	fetch: Fetch;
	/** Looked up when a prefetch starts: the module is also loaded where there is no localStorage. */
	storage: () => StorageLike;
	/** Takes what the inline script sent, if anything (once: a later start sends its own). */
	early?: () => EarlyFirstPage | undefined;
	now?: () => number;
}

export class FirstPagePrefetch {
	#fetch: Fetch;
	#storage: () => StorageLike;
	#early: () => EarlyFirstPage | undefined;
	#now: () => number;
	#pending: Pending | undefined;

	constructor({ fetch, storage, early = () => undefined, now = Date.now }: FirstPageOptions) {
		this.#fetch = fetch;
		this.#storage = storage;
		this.#early = early;
		this.#now = now;
	}

	/**
	 * Sends the first list request of the dashboard at `search` (`?ws=...&filter=...`), as the page
	 * will ask for it. Nothing without a usable session or a workspace to list.
	 */
	start(search: string, stored: StoredCredentials | null): void {
		this.#pending = undefined;
		const early = this.#early();
		if (!stored || Date.parse(stored.expiresAt) - this.#now() <= EXPIRY_MARGIN_MS) return;
		const view = parseDashboardView(new URLSearchParams(search));
		const storage = this.#storage();
		const workspaceId = view.ws ?? lastWorkspace(storage, stored.user.id);
		if (!workspaceId) return;
		const request = firstPageRequest(view, shownColumns(view, workspaceId, storage));
		const query = experimentListQuery(request);
		const key = requestKey(stored.user.id, workspaceId, query);
		if (early?.key === key) {
			this.#pending = early;
			return;
		}
		const answer = send(this.#fetch, 'GET', apiPath('workspaces', workspaceId, 'experiments'), {
			query,
			token: stored.accessToken
		}).then(
			// A refusal (an expired session, a workspace left) is the page's to handle: it asks again.
			(response) => (response.ok ? readData<ExperimentPage>(response) : undefined),
			() => undefined
		);
		// Settled here too, so an answer nobody takes is never an unhandled rejection.
		answer.catch(() => undefined);
		this.#pending = { key, startedAt: this.#now(), answer };
	}

	/**
	 * The prefetched answer to exactly this request, once; undefined when there is none (the caller
	 * asks itself). The promise resolves to undefined when the prefetch failed.
	 */
	take(
		userId: string,
		workspaceId: string,
		request: ExperimentListRequest
	): Promise<ExperimentPage | undefined> | undefined {
		const pending = this.#pending;
		this.#pending = undefined;
		if (!pending || this.#now() - pending.startedAt > FRESH_MS) return undefined;
		const key = requestKey(userId, workspaceId, experimentListQuery(request));
		return pending.key === key ? pending.answer.catch(() => undefined) : undefined;
	}
}

function requestKey(userId: string, workspaceId: string, query: URLSearchParams): string {
	return `${userId}\n${workspaceId}\n${query}`;
}

/** The constants `earlyFirstPage` needs: it is sent as source text, so it cannot import them. */
export interface EarlyConstants {
	sessionKey: string;
	expiryMarginMs: number;
	lastWorkspaceKey: string;
	columnsKey: string;
	defaultColumns: readonly string[];
	maxColumns: number;
	pageSize: number;
	statuses: readonly string[];
	maxTags: number;
	maxFilter: number;
	maxSearch: number;
}

/**
 * The first list request, from the inline script: the page's request as `firstPageRequest`
 * builds it, for the addresses the site writes itself (dashboardSearch) and anything that reads
 * the same way; it gives up where the page's reading needs the query parser (a sort without its
 * order, quoted column keys, old `col=` links). The page checks the request it adopts, so a wrong
 * guess costs one wasted request, never a wrong list. Self-contained: it runs as source text,
 * before any module, and must not refer to anything outside itself but the browser's globals.
 */
export function earlyFirstPage(c: EarlyConstants): void {
	try {
		const stored = JSON.parse(localStorage.getItem(c.sessionKey) || 'null');
		const userId = stored?.user?.id;
		if (typeof userId !== 'string' || typeof stored.accessToken !== 'string') return;
		if (!(Date.parse(stored.expiresAt) - Date.now() > c.expiryMarginMs)) return;
		const params = new URLSearchParams(location.search);
		const workspaceId = params.get('ws') || localStorage.getItem(c.lastWorkspaceKey + userId);
		if (!workspaceId) return;

		const sort = params.get('sort') || 'created';
		let order = params.get('order');
		if (order !== 'asc' && order !== 'desc') {
			// Only `created` has an order known without parsing the key.
			if (sort !== 'created') return;
			order = 'desc';
		}
		const query = new URLSearchParams({ limit: String(c.pageSize), sort, order });
		const filter = (params.get('filter') || '').slice(0, c.maxFilter);
		if (filter.trim()) query.set('filter', filter);
		const search = (params.get('q') || '').slice(0, c.maxSearch).trim();
		if (search) query.set('q', search);
		const seen = new Set<string>();
		const tags = params
			.getAll('tag')
			.map((tag) => tag.trim())
			.filter((tag) => {
				const folded = tag.toLowerCase();
				if (!tag || seen.has(folded)) return false;
				seen.add(folded);
				return true;
			});
		for (const tag of tags.slice(0, c.maxTags)) query.append('tag', tag);
		const status = params.get('status');
		if (status && c.statuses.includes(status)) query.set('status', status);

		if (params.has('col')) return;
		let columns: string[];
		if (params.has('columns')) {
			const named = params.getAll('columns');
			if (named.some((list) => /["']/.test(list))) return;
			columns = named.flatMap((list) => list.split(',')).map((id) => id.trim());
		} else {
			const remembered = JSON.parse(localStorage.getItem(c.columnsKey + workspaceId) || 'null');
			columns = Array.isArray(remembered) ? remembered : [...c.defaultColumns];
			if (columns.some((id) => typeof id !== 'string' || /["']/.test(id))) return;
		}
		for (const id of [...new Set(columns.filter(Boolean))].slice(0, c.maxColumns))
			query.append('columns', id);

		const path = `/api/workspaces/${encodeURIComponent(workspaceId)}/experiments?${query}`;
		const answer = fetch(path, {
			headers: { accept: 'application/json', authorization: `Bearer ${stored.accessToken}` }
		})
			.then((response) => (response.ok ? response.json() : undefined))
			.then(
				(payload) => (payload && typeof payload === 'object' && 'data' in payload ? payload.data : undefined),
				() => undefined
			);
		(window as unknown as { __toraFirstPage?: unknown }).__toraFirstPage = {
			key: `${userId}\n${workspaceId}\n${query}`,
			startedAt: Date.now(),
			answer
		};
	} catch {
		// Anything unexpected: the page asks for its rows itself.
	}
}

const EARLY_CONSTANTS: EarlyConstants = {
	sessionKey: 'tora.session',
	expiryMarginMs: EXPIRY_MARGIN_MS,
	lastWorkspaceKey: LAST_WORKSPACE_KEY,
	columnsKey: 'tora.columns.',
	defaultColumns: DEFAULT_COLUMNS,
	maxColumns: MAX_COLUMNS,
	pageSize: PAGE_SIZE,
	statuses: STATUSES,
	maxTags: MAX_TAG_FILTERS,
	maxFilter: 2000,
	maxSearch: 200
};

/** The page's inline script, put first in its prerendered head by hooks.server.ts (the CSP lists it by hash). */
export const EARLY_SCRIPT =
	`<script>(${earlyFirstPage.toString()})(${JSON.stringify(EARLY_CONSTANTS)})</` + 'script>';

/** The site's one prefetch (browser only: it reads localStorage when started). */
export const firstPage = new FirstPagePrefetch({
	fetch: (url, init) => fetch(url, init),
	storage: () => localStorage,
	early() {
		const holder = window as unknown as { __toraFirstPage?: EarlyFirstPage };
		const early = holder.__toraFirstPage;
		holder.__toraFirstPage = undefined;
		return early;
	}
});
