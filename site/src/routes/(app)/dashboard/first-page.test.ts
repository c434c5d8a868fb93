import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ExperimentPage } from '$contracts/experiments';
import { experimentListQuery } from '$lib/api/experiments';
import { dataResponse, errorResponse, fakeFetch } from '$lib/api/fake-fetch';
import { saveColumns } from '$lib/experiments/columns';
import { parseDashboardView } from '$lib/experiments/view-state';
import {
	EARLY_SCRIPT,
	FirstPagePrefetch,
	type EarlyFirstPage,
	firstPageRequest,
	FRESH_MS,
	lastWorkspace,
	PAGE_SIZE,
	rememberWorkspace,
	shownColumns
} from './first-page';

const WS = '00000000-0000-4000-8000-000000000001';
const OTHER_WS = '00000000-0000-4000-8000-000000000002';
const USER = 'user-1';
const page: ExperimentPage = { items: [], next_cursor: null, metric_names: ['loss'] };

function memoryStorage() {
	const values = new Map<string, string>();
	return {
		getItem: (key: string) => values.get(key) ?? null,
		setItem: (key: string, value: string) => void values.set(key, value)
	};
}

function setup(answer: () => Response = () => dataResponse(page)) {
	/** The fake clock; the stored token expires an hour after it. */
	let now = 1_000_000;
	const storage = memoryStorage();
	const { fetch, requests } = fakeFetch(answer);
	const prefetch = new FirstPagePrefetch({ fetch, storage: () => storage, now: () => now });
	const stored = {
		accessToken: 'token-1',
		expiresAt: new Date(now + 3_600_000).toISOString(),
		user: { id: USER }
	};
	return {
		prefetch,
		requests,
		storage,
		stored,
		advance: (ms: number) => (now += ms),
		/** What the page asks for at `search` in workspace `ws` with its columns. */
		pageRequest(search: string, ws: string) {
			const view = parseDashboardView(new URLSearchParams(search));
			return firstPageRequest(view, shownColumns(view, ws, storage));
		}
	};
}

describe('FirstPagePrefetch', () => {
	it('sends the request the page will send, with the stored token, and hands its answer over once', async () => {
		const t = setup();
		const search = `?ws=${WS}&filter=${encodeURIComponent('hp.lr < 0.01')}&sort=name&columns=hp.lr`;
		t.prefetch.start(search, t.stored);

		expect(t.requests).toHaveLength(1);
		const [sent] = t.requests;
		expect(sent.url.pathname).toBe(`/api/workspaces/${WS}/experiments`);
		expect(sent.headers.authorization).toBe('Bearer token-1');
		const request = t.pageRequest(search, WS);
		expect(sent.url.search).toBe(`?${experimentListQuery(request)}`);
		expect(sent.url.searchParams.get('limit')).toBe(String(PAGE_SIZE));
		expect(sent.url.searchParams.getAll('columns')).toEqual(['hp.lr']);

		await expect(t.prefetch.take(USER, WS, request)).resolves.toEqual(page);
		expect(t.prefetch.take(USER, WS, request)).toBeUndefined();
	});

	it('asks for the columns last chosen in the workspace when the URL names none', () => {
		const t = setup();
		saveColumns(t.storage, WS, ['metric.loss.min', 'hp.lr']);
		t.prefetch.start(`?ws=${WS}`, t.stored);
		expect(t.requests[0].url.searchParams.getAll('columns')).toEqual(['metric.loss.min', 'hp.lr']);
	});

	it('lists the workspace shown last when the URL names none, and nothing without one', () => {
		const t = setup();
		t.prefetch.start('', t.stored);
		expect(t.requests).toHaveLength(0);

		rememberWorkspace(t.storage, USER, OTHER_WS);
		expect(lastWorkspace(t.storage, USER)).toBe(OTHER_WS);
		expect(lastWorkspace(t.storage, 'someone-else')).toBeUndefined();
		t.prefetch.start('', t.stored);
		expect(t.requests.map((r) => r.url.pathname)).toEqual([`/api/workspaces/${OTHER_WS}/experiments`]);
	});

	it('sends nothing without a session, or with a token about to expire', () => {
		const t = setup();
		t.prefetch.start(`?ws=${WS}`, null);
		t.prefetch.start(`?ws=${WS}`, { ...t.stored, expiresAt: new Date(1_000_000 + 10_000).toISOString() });
		expect(t.requests).toHaveLength(0);
		expect(t.prefetch.take(USER, WS, t.pageRequest(`?ws=${WS}`, WS))).toBeUndefined();
	});

	it('hands nothing over for another request, user or workspace, or after a while', async () => {
		const t = setup();
		const search = `?ws=${WS}`;
		const request = t.pageRequest(search, WS);

		t.prefetch.start(search, t.stored);
		expect(t.prefetch.take(USER, WS, { ...request, sort: 'name' })).toBeUndefined();
		// Taken or not, a prefetch serves one first page only.
		expect(t.prefetch.take(USER, WS, request)).toBeUndefined();

		t.prefetch.start(search, t.stored);
		expect(t.prefetch.take('someone-else', WS, request)).toBeUndefined();
		t.prefetch.start(search, t.stored);
		expect(t.prefetch.take(USER, OTHER_WS, request)).toBeUndefined();

		t.prefetch.start(search, t.stored);
		t.advance(FRESH_MS + 1);
		expect(t.prefetch.take(USER, WS, request)).toBeUndefined();

		t.prefetch.start(search, t.stored);
		t.advance(FRESH_MS - 1);
		await expect(t.prefetch.take(USER, WS, request)).resolves.toEqual(page);
	});

	it('hands over undefined when the request failed, so the page asks again itself', async () => {
		const refused = setup(() => errorResponse(401, 'UNAUTHENTICATED', 'Session expired.'));
		refused.prefetch.start(`?ws=${WS}`, refused.stored);
		await expect(
			refused.prefetch.take(USER, WS, refused.pageRequest(`?ws=${WS}`, WS))
		).resolves.toBeUndefined();

		const offline = setup(() => {
			throw new TypeError('Failed to fetch');
		});
		offline.prefetch.start(`?ws=${WS}`, offline.stored);
		await expect(
			offline.prefetch.take(USER, WS, offline.pageRequest(`?ws=${WS}`, WS))
		).resolves.toBeUndefined();
	});
});

/**
 * The inline script, run as the browser runs it (its source text in a context holding only the
 * globals it may use), against the page's own reading of the same address: for every address
 * it answers, the page adopts its request instead of sending one.
 */
describe('the inline script', () => {
	const token = { accessToken: 'token-1', expiresAt: new Date(Date.now() + 3_600_000).toISOString() };

	function runEarly(search: string, storage: ReturnType<typeof memoryStorage>) {
		const sent: string[] = [];
		const window: { __toraFirstPage?: EarlyFirstPage } = {};
		const source = /^<script>([\s\S]*)<\/script>$/.exec(EARLY_SCRIPT)?.[1];
		if (!source) throw new Error('EARLY_SCRIPT is not one inline script');
		runInNewContext(source, {
			window,
			localStorage: storage,
			location: { search },
			URLSearchParams,
			fetch: (path: string) => {
				sent.push(path);
				return Promise.resolve(dataResponse(page));
			}
		});
		return { sent, early: window.__toraFirstPage };
	}

	function compare(search: string, prepare: (storage: ReturnType<typeof memoryStorage>) => void = () => {}) {
		const storage = memoryStorage();
		storage.setItem(
			'tora.session',
			JSON.stringify({ mode: 'local', ...token, user: { id: USER, email: 'a@b.c' } })
		);
		prepare(storage);
		const inline = runEarly(search, storage);
		const { fetch, requests } = fakeFetch(() => dataResponse(page));
		const prefetch = new FirstPagePrefetch({ fetch, storage: () => storage, early: () => inline.early });
		prefetch.start(search, { ...token, user: { id: USER } });
		return { inline, pageRequests: requests };
	}

	it.each([
		['the default view', `?ws=${WS}`],
		[
			'a shared P11 link',
			`?ws=${WS}&filter=${encodeURIComponent('hp.lr < 1e-3 and (tag = "a" or status = failed)')}&sort=metric.train%2Floss.min&order=asc&columns=${encodeURIComponent('metric.train/loss.min,metric.val/loss.last,hp.lr,result.test/accuracy')}`
		],
		[
			'search, tags and status',
			`?ws=${WS}&q=${encodeURIComponent('  resnet ')}&tag=a&tag=A&tag=%20b&status=failed&sort=name&order=asc`
		],
		['no extra columns', `?ws=${WS}&columns=`],
		['a very long filter', `?ws=${WS}&filter=${encodeURIComponent(`name ~ "${'x'.repeat(2100)}"`)}`]
	])('sends the request the page would send: %s', async (_, search) => {
		const { inline, pageRequests } = compare(search);
		expect(inline.sent).toHaveLength(1);
		expect(pageRequests).toHaveLength(0);
	});

	it('reads the columns last chosen, and the workspace shown last, as the page does', () => {
		const remembered = compare('', (storage) => {
			rememberWorkspace(storage, USER, OTHER_WS);
			saveColumns(storage, OTHER_WS, ['metric.loss.min', 'hp.lr', 'updated']);
		});
		expect(remembered.inline.sent).toEqual([
			expect.stringContaining(`/api/workspaces/${OTHER_WS}/experiments?`)
		]);
		expect(remembered.pageRequests).toHaveLength(0);
	});

	it.each([
		['a sort without its order', `?ws=${WS}&sort=hp.lr`],
		['quoted column keys', `?ws=${WS}&columns=${encodeURIComponent('metric."val/loss".min')}`],
		['an old col= link', `?ws=${WS}&col=hp.lr`]
	])('leaves %s to the page', (_, search) => {
		const { inline, pageRequests } = compare(search);
		expect(inline.sent).toHaveLength(0);
		expect(pageRequests).toHaveLength(1);
	});

	it('sends nothing without a session', () => {
		const { sent, early } = runEarly(`?ws=${WS}`, memoryStorage());
		expect(sent).toHaveLength(0);
		expect(early).toBeUndefined();
	});

	it('hands over the answer it got', async () => {
		const storage = memoryStorage();
		storage.setItem(
			'tora.session',
			JSON.stringify({ mode: 'local', ...token, user: { id: USER, email: 'a@b.c' } })
		);
		const { early } = runEarly(`?ws=${WS}`, storage);
		await expect(early?.answer).resolves.toEqual(page);
	});
});
