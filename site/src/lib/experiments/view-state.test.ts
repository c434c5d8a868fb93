import { describe, expect, it } from 'vitest';
import {
	compareHref,
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
			cols: ['hp:lr']
		});
	});

	it('falls back on junk instead of failing', () => {
		const view = parseDashboardView(params('status=done&sort=lr&order=up&tag='));
		expect(view).toMatchObject({ status: undefined, sort: 'created', order: 'desc', tags: [] });
		expect(parseDashboardView(params('sort=name')).order).toBe('asc');
	});

	it('treats a lone empty col as "no extra columns"', () => {
		expect(parseDashboardView(params('col=')).cols).toEqual([]);
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
	});

	it('keeps an explicit empty column choice', () => {
		const view = { ...parseDashboardView(params('')), cols: [] };
		expect(dashboardSearch(view)).toBe('?col=');
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
});

describe('filters', () => {
	it('knows when the list is narrowed', () => {
		expect(isFiltered(parseDashboardView(params('sort=name')))).toBe(false);
		expect(isFiltered(parseDashboardView(params('q=%20')))).toBe(false);
		expect(isFiltered(parseDashboardView(params('tag=a')))).toBe(true);
	});

	it('adds a tag once, ignoring case and blanks', () => {
		const tags = ['Vision'];
		expect(withTag(tags, 'vision')).toBe(tags);
		expect(withTag(tags, '  ')).toBe(tags);
		expect(withTag(tags, ' nlp ')).toEqual(['Vision', 'nlp']);
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
		const many = Array.from({ length: 22 }, (_, i) => A.slice(0, -2) + String(i).padStart(2, '0'));
		const result = parseCompareIds(params(`ids=${many.join(',')},nope&ids=`));
		expect(result.ids).toHaveLength(20);
		expect(result.dropped).toBe(2);
		expect(result.invalid).toBe(1);
	});

	it('builds the link the dashboard uses', () => {
		expect(compareHref([A, B])).toBe(`/compare?ids=${A},${B}`);
		expect(parseCompareIds(new URL(compareHref([A, B]), 'http://x').searchParams).ids).toEqual([A, B]);
	});
});
