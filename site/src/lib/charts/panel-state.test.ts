import { describe, expect, it } from 'vitest';
import {
	addCustomPanel,
	decodePanels,
	DEFAULT_SETTINGS,
	emptyPanels,
	encodePanels,
	matchPattern,
	movePanel,
	panelsFromJson,
	settingsOf,
	withDefaults,
	withSectionOpen,
	withSettings,
	type PanelsState
} from './panel-state';

/** A state using every feature the URL carries. */
function busyState(): PanelsState {
	let state = emptyPanels();
	state = withDefaults(state, { ...DEFAULT_SETTINGS, x: 'wall', smoothing: { kind: 'mean', window: 10 } });
	state = withSettings(state, 'train/loss', {
		...settingsOf(state, 'train/loss'),
		log: true,
		y: { kind: 'fixed', min: 0.001, max: null }
	});
	const added = addCustomPanel(state, { metrics: ['train/loss', 'val/loss'], pattern: null });
	state = withSettings(added.state, added.id, {
		...settingsOf(added.state, added.id),
		x: { metric: 'train/lr' }
	});
	state = addCustomPanel(state, { metrics: [], pattern: 'val/(acc|f1)' }).state;
	state = movePanel(state, ['train/a', 'train/b', 'train/loss'], 'train/loss', -2);
	state = withSectionOpen(withSectionOpen(state, 'val/', false), 'system/', true);
	return { ...state, search: 'loss acc', fullscreen: '+1', band: 'minmax', members: true };
}

describe('panel state in the URL', () => {
	it('round-trips every field', () => {
		const state = busyState();
		expect(decodePanels(encodePanels(state))).toEqual(state);
		expect(decodePanels(`?${encodePanels(state)}`)).toEqual(state);
	});

	it('writes nothing for the defaults, so plain links stay plain', () => {
		expect(encodePanels(emptyPanels())).toBe('');
		expect(decodePanels('')).toEqual(emptyPanels());
	});

	it('round-trips through plain JSON too (saved views)', () => {
		const state = busyState();
		expect(panelsFromJson(JSON.parse(JSON.stringify(state)))).toEqual(state);
		expect(panelsFromJson('nonsense')).toEqual(emptyPanels());
	});

	it('drops malformed parts instead of failing', () => {
		const state = decodePanels(
			'chart=log,ema:7,bogus&set=no-separator&set=a b;log&panel=%2B1;lin;&panel=x;log;a&panel=%2B2;;re:(&full=has,comma&band=wide&order=a,,b'
		);
		expect(state.defaults).toEqual({ ...DEFAULT_SETTINGS, log: true });
		expect(state.overrides).toEqual([]);
		expect(state.custom).toEqual([]);
		expect(state.fullscreen).toBeNull();
		expect(state.band).toBe('std');
		expect(state.order).toEqual(['a', 'b']);
	});

	it('keeps only what differs from new defaults', () => {
		let state = withSettings(emptyPanels(), 'loss', { ...DEFAULT_SETTINGS, log: true });
		expect(state.overrides).toHaveLength(1);
		state = withDefaults(state, { ...DEFAULT_SETTINGS, log: true });
		expect(state.overrides).toEqual([]);
		expect(settingsOf(state, 'loss').log).toBe(true);
	});
});

describe('panels', () => {
	it('numbers custom panels with the first free id', () => {
		const first = addCustomPanel(emptyPanels(), { metrics: ['a', 'b'], pattern: null });
		const second = addCustomPanel(first.state, { metrics: ['c'], pattern: null });
		expect([first.id, second.id]).toEqual(['+1', '+2']);
	});

	it('moves a panel within its section and clamps at the ends', () => {
		const shown = ['a', 'b', 'c'];
		expect(movePanel(emptyPanels(), shown, 'c', -1).order).toEqual(['a', 'c', 'b']);
		expect(movePanel(emptyPanels(), shown, 'a', -1).order).toEqual([]);
	});

	it('matches patterns against whole names', () => {
		expect(matchPattern('val/.*', ['val/loss', 'train/val/x', 'val/acc'])).toEqual(['val/loss', 'val/acc']);
		expect(matchPattern('(', ['a'])).toEqual([]);
	});
});

describe('defaults', () => {
	it('reach every panel in the fields it did not set itself', () => {
		let state = addCustomPanel(emptyPanels(), { metrics: ['a', 'b'], pattern: null }).state;
		state = withSettings(state, 'loss', { ...DEFAULT_SETTINGS, y: { kind: 'clip' } });
		state = withDefaults(state, { ...DEFAULT_SETTINGS, log: true });
		expect(settingsOf(state, '+1').log).toBe(true);
		expect(settingsOf(state, 'loss')).toEqual({ ...DEFAULT_SETTINGS, log: true, y: { kind: 'clip' } });
	});
});
