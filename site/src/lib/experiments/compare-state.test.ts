import { describe, expect, it } from 'vitest';
import {
	MAX_VIEW_COMPARE_BYTES,
	MAX_VIEW_FILTER_LENGTH,
	MAX_VIEW_KEY_LENGTH,
	ViewState
} from '$contracts/views';
import {
	DEFAULT_SETTINGS,
	emptyPanels,
	settingsOf,
	withDefaults,
	withSettings,
	type PanelsState
} from '$lib/charts/panel-state';
import {
	compareQueryHref,
	compareSearch,
	compareStateFromView,
	compareUrl,
	compareViewHref,
	compareViewState,
	emptyCompareState,
	hasComparePart,
	MAX_PANELS_BYTES,
	metricNamesUsed,
	panelsOfState,
	panelsToJson,
	parseCompareParams,
	type CompareState,
	VIEW_LIMITS
} from './compare-state';

const A = '0b6f3c9e-8a47-4c1e-9c55-1f0e2a3b4c5d';
const B = '1c7a4d0f-9b58-4d2f-8d66-2a1f3b4c5d6e';
const WS = '2d8b5e1a-ac69-4e3a-9e77-3b2a4c5d6e7f';

const parse = (search: string) => parseCompareParams(new URLSearchParams(search));
const roundTrip = (state: CompareState) => parse(compareSearch(state)).state;

function fullState(): CompareState {
	return {
		source: { kind: 'ids', ids: [A, B] },
		groupBy: 'hp.optimizer',
		hidden: [A.slice(0, 8)],
		hiddenGroups: ['sgd', 'a, b'],
		expanded: ['adam'],
		table: { onlyDifferences: true, sortBy: 'result.acc', order: 'desc' },
		parallel: {
			axes: ['result.acc', 'metric.val/loss.min'],
			hiddenAxes: ['hp.seed'],
			scales: { 'hp.lr': 'linear', 'hp.wd': 'log' },
			colorBy: 'result.acc',
			brushes: {
				'hp.lr': { kind: 'range', lo: 0.0001, hi: 0.01 },
				'hp.optimizer': { kind: 'set', values: ['adam', 'sgd'] }
			}
		},
		radar: { keys: ['result.acc', 'metric.loss.last'], flip: ['metric.loss.last'] },
		importance: { target: 'metric.val/loss.min' },
		panels: { x: 'step', list: [{ metrics: ['loss'], log: true }] }
	};
}

describe('compare state in the URL', () => {
	it('round-trips every part', () => {
		expect(roundTrip(fullState())).toEqual(fullState());
	});

	it('round-trips a query source and leaves defaults out of the link', () => {
		const state = emptyCompareState({
			kind: 'query',
			ws: WS,
			filter: 'hp.lr > 0.01',
			sort: 'created',
			order: 'desc'
		});
		expect(compareSearch(state)).toBe(`?ws=${WS}&filter=hp.lr+%3E+0.01`);
		expect(roundTrip(state)).toEqual(state);
		const sorted = emptyCompareState({ kind: 'query', ws: WS, sort: 'metric.loss.min', order: 'asc' });
		expect(roundTrip(sorted)).toEqual(sorted);
	});

	it('keeps 100 ids and hidden runs short: ids joined by commas, hidden runs by 8 characters', () => {
		const ids = Array.from({ length: 100 }, (_, i) => A.slice(0, -3) + String(i).padStart(3, '0'));
		const state = { ...emptyCompareState({ kind: 'ids', ids }), hidden: ids.map((id) => id.slice(0, 8)) };
		const search = compareSearch(state);
		expect(search).toContain(`ids=${ids.join(',')}`);
		expect(search.length).toBeLessThan(100 * 37 + 100 * 9 + 40);
		// Shared prefixes collapse: they are the same entry.
		expect(roundTrip(state).hidden).toEqual([A.slice(0, 8)]);
	});

	it('canonicalises keys and ignores what does not parse', () => {
		const { state } = parse(
			`ids=${A},${B}&group=hp.optimizer&hpsort=hp.lr&radar=result.acc&radar=hp.lr&radar=metric.%22x%20y%22.max` +
				'&axis=result.acc&axis=nope(&axis=metric.loss&color=tag&target=hp.lr&flip=%22'
		);
		expect(state.groupBy).toBe('hp.optimizer');
		// Radar axes and colours measure metrics and results; a bare metric means its last value.
		expect(state.radar.keys).toEqual(['result.acc', 'metric."x y".max']);
		expect(state.parallel.axes).toEqual(['result.acc', 'metric.loss.last']);
		expect(state.parallel.colorBy).toBeUndefined();
		expect(state.importance.target).toBeUndefined();
		expect(state.radar.flip).toEqual([]);
	});

	it('ignores malformed values without failing', () => {
		const { state, problems } = parse(
			'ids=nope,also-not&hide=xyz,12345678,ABCDEF0123&brush=%7Bbad&panels=[1]&hporder=sideways&diff=yes'
		);
		expect(state.source).toEqual({ kind: 'ids', ids: [] });
		expect(problems.invalid).toBe(2);
		expect(state.hidden).toEqual(['12345678', 'abcdef01']);
		expect(state.parallel.brushes).toEqual({});
		expect(state.panels).toBeUndefined();
		expect(state.table).toEqual({ onlyDifferences: false, order: 'asc' });
		expect(parse('').state).toEqual(emptyCompareState());
		expect(parse('ws=not-a-uuid').state.source).toBeUndefined();
	});

	it('reads brushes defensively: numbers make a range, strings a set, anything else is dropped', () => {
		const brush = JSON.stringify({
			'hp.lr': [0.1, 0.001],
			'hp.opt': ['adam'],
			'hp.bad': [1, 'a'],
			'hp.empty': [],
			'hp.inf': [0, null],
			'bad key(': [0, 1]
		});
		expect(parse(`brush=${encodeURIComponent(brush)}`).state.parallel.brushes).toEqual({
			'hp.lr': { kind: 'range', lo: 0.001, hi: 0.1 },
			'hp.opt': { kind: 'set', values: ['adam'] }
		});
	});

	it('bounds what it keeps: lists, labels and the panels object', () => {
		const many = Array.from({ length: 150 }, (_, i) => `hidegroup=g${i}`).join('&');
		const long = 'x'.repeat(201);
		const { state } = parse(
			`${many}&open=${long}&panels=${encodeURIComponent(JSON.stringify({ a: 'y'.repeat(5000) }))}`
		);
		expect(state.hiddenGroups).toHaveLength(100);
		expect(state.expanded).toEqual([]);
		expect(state.panels).toBeUndefined();
	});

	it('prefers ids over a query when a link has both', () => {
		expect(parse(`ids=${A}&ws=${WS}`).state.source).toEqual({ kind: 'ids', ids: [A] });
		expect(parse(`ids=&ws=${WS}`).state.source).toMatchObject({ kind: 'query', ws: WS });
	});

	it('builds the link for "all runs matching" a dashboard query', () => {
		expect(compareQueryHref(WS, 'tag = "sweep"', 'hp.lr', 'asc')).toBe(
			`/compare?ws=${WS}&filter=tag+%3D+%22sweep%22&sort=hp.lr&order=asc`
		);
	});
});

describe('compare state in a saved view', () => {
	it('round-trips through the view JSON, which the views API accepts', () => {
		const { state: saved, dropped } = compareViewState(fullState());
		expect(dropped).toEqual([]);
		expect(ViewState.safeParse(saved).success).toBe(true);
		const json = JSON.parse(JSON.stringify(saved));
		expect(hasComparePart(json)).toBe(true);
		expect(compareStateFromView(json, WS)).toEqual(fullState());
	});

	it('keeps a query in the view’s own filter, sort and order, and the workspace is the view’s', () => {
		const state = {
			...emptyCompareState({
				kind: 'query' as const,
				ws: WS,
				filter: 'status = failed',
				sort: 'hp.lr',
				order: 'asc' as const
			}),
			groupBy: 'tag'
		};
		const { state: saved } = compareViewState(state);
		expect(saved).toMatchObject({ filter: 'status = failed', sort: 'hp.lr', order: 'asc' });
		expect(ViewState.safeParse(saved).success).toBe(true);
		expect(compareStateFromView(JSON.parse(JSON.stringify(saved)), WS)).toEqual(state);
		expect(compareViewHref({ workspace_id: WS, state: saved })).toBe(
			`/compare?ws=${WS}&filter=status+%3D+failed&sort=hp.lr&order=asc&group=tag`
		);
	});

	it('has nothing to open for a dashboard view, and reads a damaged compare part gracefully', () => {
		expect(
			compareViewHref({ workspace_id: WS, state: { filter: 'tag = x', sort: 'created' } })
		).toBeUndefined();
		expect(hasComparePart({ compare: { source: 42 } })).toBe(false);
		const state = compareStateFromView(
			{
				compare: {
					source: { ids: [A, 7, 'x'] },
					hidden: 'nope',
					table: [],
					parallel: { scales: { 'hp.lr': 'cubic' } }
				}
			},
			WS
		);
		expect(state).toEqual(emptyCompareState({ kind: 'ids', ids: [A] }));
	});

	it('stays within the API’s bound on the compare part, dropping the least needed parts first', () => {
		const ids = Array.from({ length: 100 }, (_, i) => A.slice(0, -3) + String(i).padStart(3, '0'));
		const labels = Array.from({ length: 100 }, (_, i) => `${'group'.repeat(20)}-${i}`);
		const state: CompareState = {
			...fullState(),
			source: { kind: 'ids', ids },
			hidden: ids.map((id, i) => `${id.slice(0, 5)}${String(i).padStart(3, '0')}`),
			hiddenGroups: labels,
			expanded: labels,
			panels: { notes: 'p'.repeat(4000) }
		};
		const { state: saved, dropped } = compareViewState(state);
		expect(dropped).toEqual(['panels', 'brushes', 'expanded', 'hiddenGroups']);
		expect(new TextEncoder().encode(JSON.stringify(saved.compare)).length).toBeLessThanOrEqual(
			MAX_VIEW_COMPARE_BYTES
		);
		expect(ViewState.safeParse(saved).success).toBe(true);
		expect(compareStateFromView(saved, WS)?.source).toEqual({ kind: 'ids', ids });
	});
});

describe('metricNamesUsed', () => {
	it('lists the metrics every section needs, once each, up to a limit', () => {
		const state = fullState();
		expect(metricNamesUsed(state, 50)).toEqual(['val/loss', 'loss']);
		expect(metricNamesUsed({ ...state, groupBy: 'metric.acc.last' }, 1)).toEqual(['acc']);
	});
});

describe('chart panel settings', () => {
	it('keeps only what differs from the defaults, and reads it back through the URL and a view', () => {
		expect(panelsToJson(emptyPanels())).toBeUndefined();
		const panels: PanelsState = {
			...emptyPanels(),
			defaults: { ...DEFAULT_SETTINGS, x: { metric: 'tokens' }, log: true, y: { kind: 'clip' } },
			band: 'minmax'
		};
		const json = panelsToJson(panels);
		expect(json).toEqual({
			defaults: { x: { metric: 'tokens' }, log: true, y: { kind: 'clip' } },
			band: 'minmax'
		});
		const state: CompareState = { ...emptyCompareState({ kind: 'ids', ids: [A, B] }), panels: json };
		const fromUrl = parseCompareParams(new URL(`https://t.test${compareUrl(state)}`).searchParams).state;
		expect(panelsOfState(fromUrl)).toEqual(panels);
		const saved = JSON.parse(JSON.stringify(compareViewState(state).state));
		expect(panelsOfState(compareStateFromView(saved, WS)!)).toEqual(panels);
	});
});

describe('one panel’s own settings', () => {
	it('are kept beside the defaults, through the URL and a saved view', () => {
		let panels = withDefaults(emptyPanels(), { ...DEFAULT_SETTINGS, x: 'wall' });
		panels = withSettings(panels, 'loss', {
			...settingsOf(panels, 'loss'),
			log: true,
			smoothing: { kind: 'mean', window: 5 }
		});
		panels = withSettings(panels, 'val/acc', { ...settingsOf(panels, 'val/acc'), x: { metric: 'tokens' } });
		const json = panelsToJson(panels);
		expect(json).toEqual({
			defaults: { x: 'wall' },
			overrides: [
				{ panel: 'loss', settings: { log: true, smoothing: { kind: 'mean', window: 5 } } },
				{ panel: 'val/acc', settings: { x: { metric: 'tokens' } } }
			]
		});
		const state: CompareState = { ...emptyCompareState({ kind: 'ids', ids: [A, B] }), panels: json };
		const fromUrl = panelsOfState(
			parseCompareParams(new URL(`https://t.test${compareUrl(state)}`).searchParams).state
		);
		expect(settingsOf(fromUrl, 'loss')).toEqual({
			...DEFAULT_SETTINGS,
			x: 'wall',
			log: true,
			smoothing: { kind: 'mean', window: 5 }
		});
		expect(settingsOf(fromUrl, 'val/acc').x).toEqual({ metric: 'tokens' });
		expect(settingsOf(fromUrl, 'acc')).toEqual({ ...DEFAULT_SETTINGS, x: 'wall' });
		const saved = JSON.parse(JSON.stringify(compareViewState(state).state));
		expect(panelsOfState(compareStateFromView(saved, WS)!)).toEqual(fromUrl);
	});
});

describe('many panels’ own settings', () => {
	it('keep the latest changes when all would be too much to keep', () => {
		let panels = emptyPanels();
		for (let i = 0; i < 120; i++) {
			panels = withSettings(panels, `metric_${i}`, { ...DEFAULT_SETTINGS, log: true });
		}
		const json = panelsToJson(panels)!;
		const kept = (json.overrides as { panel: string }[]).map((o) => o.panel);
		expect(kept.length).toBeGreaterThan(10);
		expect(kept.length).toBeLessThan(120);
		expect(kept.at(-1)).toBe('metric_119');
		expect(new TextEncoder().encode(JSON.stringify(json)).length).toBeLessThanOrEqual(MAX_PANELS_BYTES);
	});
});

describe('VIEW_LIMITS', () => {
	it('repeats the saved-view contract’s bounds exactly', () => {
		expect(VIEW_LIMITS).toEqual({
			compareBytes: MAX_VIEW_COMPARE_BYTES,
			filterLength: MAX_VIEW_FILTER_LENGTH,
			keyLength: MAX_VIEW_KEY_LENGTH
		});
	});
});
