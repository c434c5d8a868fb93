import { describe, expect, it } from 'vitest';
import { parseQuery } from '$contracts/query/parse';
import {
	applyStoredState,
	compareHref,
	hasViewState,
	matchingFilter,
	storedState,
	dashboardSearch,
	isFiltered,
	listQuery,
	parseCompareIds,
	parseDashboardView,
	toggleSort,
	withTag
} from './view-state';

const params = (text: string) => new URLSearchParams(text);
const A = '0b6f3c9e-8a47-4c1e-9c55-1f0e2a3b4c5d';
const B = '1c7a4d0f-9b58-4d2f-8d66-2a1f3b4c5d6e';

describe('parseDashboardView', () => {
	it('gives the API defaults for an empty query', () => {
		expect(parseDashboardView(params(''))).toEqual({
			ws: undefined,
			q: '',
			tags: [],
			status: undefined,
			sort: 'created',
			order: 'desc',
			cols: undefined
		});
	});

	it('reads every field, deduplicating tags case-insensitively', () => {
		const view = parseDashboardView(
			params(
				'ws=w1&q=res&tag=Vision&tag=vision&tag=%20nlp%20&status=failed&sort=name&order=desc&col=hp:lr&col=hp:lr'
			)
		);
		expect(view).toEqual({
			ws: 'w1',
			q: 'res',
			tags: ['Vision', 'nlp'],
			status: 'failed',
			sort: 'name',
			order: 'desc',
			// Older links' `col=hp:lr` ids read as query keys.
			cols: ['hp.lr']
		});
	});

	it('falls back on junk instead of failing', () => {
		const view = parseDashboardView(params('status=done&sort=lr&order=up&tag='));
		expect(view).toMatchObject({ status: undefined, sort: 'created', order: 'desc', tags: [] });
		expect(parseDashboardView(params('sort=name')).order).toBe('asc');
	});

	it('treats a lone empty col as "no extra columns"', () => {
		expect(parseDashboardView(params('col=')).cols).toEqual([]);
		expect(parseDashboardView(params('columns=')).cols).toEqual([]);
	});

	it('reads a query, any sort key and column keys', () => {
		const view = parseDashboardView(
			params(
				'filter=hp.lr%20%3C%201e-3&sort=metric."val/loss".min&columns=hp.lr,metric."a,b".max&columns=duration'
			)
		);
		expect(view).toMatchObject({
			filter: 'hp.lr < 1e-3',
			sort: 'metric.val/loss.min',
			order: 'desc',
			cols: ['hp.lr', 'metric."a,b".max', 'duration']
		});
		expect(parseDashboardView(params('sort=creator')).order).toBe('asc');
		// `tag` cannot sort; junk keys fall back; a query that does not parse is kept to show its error.
		expect(parseDashboardView(params('sort=tag')).sort).toBe('created');
		expect(parseDashboardView(params('sort=hp.')).sort).toBe('created');
		expect(parseDashboardView(params('filter=hp.lr%20%3C')).filter).toBe('hp.lr <');
		expect(parseDashboardView(params('filter=%20')).filter).toBeUndefined();
	});
});

describe('dashboardSearch', () => {
	it('leaves defaults out', () => {
		expect(dashboardSearch(parseDashboardView(params('sort=created&order=desc')))).toBe('');
	});

	it('round-trips a view', () => {
		const view = parseDashboardView(
			params('ws=w1&q=a%26b&tag=x&tag=y%20z&status=running&sort=name&order=desc&col=result:acc&col=hp:a,b')
		);
		expect(parseDashboardView(params(dashboardSearch(view).slice(1)))).toEqual(view);
		const query = parseDashboardView(
			params(
				'filter=tag%20in%20("a",%20"b")&sort=hp."batch size"&order=asc&columns=hp."batch size",metric.x.min'
			)
		);
		expect(parseDashboardView(params(dashboardSearch(query).slice(1)))).toEqual(query);
	});

	it('keeps an explicit empty column choice', () => {
		const view = { ...parseDashboardView(params('')), cols: [] };
		expect(dashboardSearch(view)).toBe('?columns=');
		expect(parseDashboardView(params(dashboardSearch(view).slice(1))).cols).toEqual([]);
	});
});

describe('toggleSort', () => {
	const view = parseDashboardView(params(''));
	it('flips the order on the same column', () => {
		expect(toggleSort(view, 'created')).toMatchObject({ sort: 'created', order: 'asc' });
	});
	it('starts a new column in its natural order', () => {
		expect(toggleSort(view, 'name')).toMatchObject({ sort: 'name', order: 'asc' });
		expect(toggleSort({ ...view, sort: 'name', order: 'asc' }, 'updated')).toMatchObject({ order: 'desc' });
	});
	it('starts text context keys A→Z and numbers largest first, as the API does', () => {
		expect(toggleSort(view, 'git.branch')).toMatchObject({ order: 'asc' });
		expect(toggleSort(view, 'host')).toMatchObject({ order: 'asc' });
		expect(toggleSort(view, 'memory')).toMatchObject({ order: 'desc' });
		expect(toggleSort(view, 'git.dirty')).toMatchObject({ order: 'desc' });
	});
});

describe('listQuery', () => {
	it('sends filters, paging and the explicit order', () => {
		const view = parseDashboardView(params('q=%20res%20&tag=a&tag=b&status=finished&sort=name'));
		expect(listQuery(view, 'CUR', 100)).toBe(
			'limit=100&sort=name&order=asc&q=res&tag=a&tag=b&status=finished&cursor=CUR'
		);
		expect(listQuery(parseDashboardView(params('q=%20')), null, 50)).toBe('limit=50&sort=created&order=desc');
	});

	it('asks for the summaries of the given metrics only', () => {
		const view = parseDashboardView(params(''));
		expect(listQuery(view, null, 100, ['train/loss', 'acc'])).toBe(
			'limit=100&sort=created&order=desc&metrics=train%2Floss%2Cacc'
		);
		expect(listQuery(view, null, 100, [])).toBe('limit=100&sort=created&order=desc');
	});

	it('sends the query, the sort key and the column keys', () => {
		const view = parseDashboardView(
			params('filter=status%20=%20crashed&sort=result.acc&columns=result.acc,hp.lr')
		);
		expect(listQuery(view, null, 100)).toBe(
			'limit=100&sort=result.acc&order=desc&filter=status+%3D+crashed&columns=result.acc&columns=hp.lr'
		);
	});
});

describe('filters', () => {
	it('knows when the list is narrowed', () => {
		expect(isFiltered(parseDashboardView(params('sort=name')))).toBe(false);
		expect(isFiltered(parseDashboardView(params('q=%20')))).toBe(false);
		expect(isFiltered(parseDashboardView(params('tag=a')))).toBe(true);
		expect(isFiltered(parseDashboardView(params('filter=has%20hp.lr')))).toBe(true);
	});

	it('adds a tag once, ignoring case and blanks', () => {
		const tags = ['Vision'];
		expect(withTag(tags, 'vision')).toBe(tags);
		expect(withTag(tags, '  ')).toBe(tags);
		expect(withTag(tags, ' nlp ')).toEqual(['Vision', 'nlp']);
	});
});

describe('saved views', () => {
	it('knows when a URL carries no list state (the default view applies)', () => {
		expect(hasViewState(params('ws=w1'))).toBe(false);
		expect(hasViewState(params('ws=w1&columns='))).toBe(true);
		expect(hasViewState(params('filter=x'))).toBe(true);
	});

	it('stores and applies the table state, clearing the plain filters', () => {
		const view = parseDashboardView(
			params('ws=w1&q=x&filter=has%20hp.lr&sort=hp.lr&order=asc&columns=hp.lr')
		);
		const stored = storedState(view);
		expect(stored).toEqual({ filter: 'has hp.lr', sort: 'hp.lr', order: 'asc', columns: ['hp.lr'] });
		expect(applyStoredState({ ...view, ws: 'w2' }, { ...stored })).toEqual({
			...view,
			ws: 'w2',
			q: ''
		});
	});

	it('applies a stored query that no longer parses, and ignores junk', () => {
		const applied = applyStoredState(parseDashboardView(params('ws=w1')), {
			filter: 'hp.lr <',
			sort: 42,
			columns: ['hp.lr', 7]
		});
		expect(applied).toMatchObject({ ws: 'w1', filter: 'hp.lr <', sort: 'created', cols: ['hp.lr'] });
	});
});

describe('matchingFilter', () => {
	it('writes every narrowing of the view as one query that parses', () => {
		const view = parseDashboardView(
			params('filter=hp.lr%20%3C%201%20or%20has%20hp.x&q=res"net&tag=a&status=running')
		);
		const text = matchingFilter(view);
		expect(text).toBe(
			'(hp.lr < 1 or has hp.x) and (name ~ "res\\"net" or description ~ "res\\"net" or tag ~ "res\\"net") and tag = "a" and status in (running, crashed)'
		);
		expect(() => parseQuery(text)).not.toThrow();
		expect(matchingFilter(parseDashboardView(params('')))).toBe('');
		expect(matchingFilter(parseDashboardView(params('status=failed')))).toBe('status = failed');
	});
});

describe('parseCompareIds', () => {
	it('splits, lower-cases and deduplicates ids', () => {
		expect(parseCompareIds(params(`ids=${A},${B.toUpperCase()},${A}`))).toEqual({
			ids: [A, B],
			invalid: 0,
			dropped: 0
		});
	});

	it('counts junk and ids past the limit', () => {
		const many = Array.from({ length: 102 }, (_, i) => A.slice(0, -3) + String(i).padStart(3, '0'));
		const result = parseCompareIds(params(`ids=${many.join(',')},nope&ids=`));
		expect(result.ids).toHaveLength(100);
		expect(result.dropped).toBe(2);
		expect(result.invalid).toBe(1);
	});

	it('builds the link the dashboard uses', () => {
		expect(compareHref([A, B])).toBe(`/compare?ids=${A},${B}`);
		expect(parseCompareIds(new URL(compareHref([A, B]), 'http://x').searchParams).ids).toEqual([A, B]);
	});
});
