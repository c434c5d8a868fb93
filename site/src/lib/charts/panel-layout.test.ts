import { describe, expect, it } from 'vitest';
import { CUSTOM_SECTION, layoutPanels, OTHER_SECTION } from './panel-layout';
import { addCustomPanel, emptyPanels, withSectionOpen } from './panel-state';

const names = ['system/gpu', 'loss', 'val/loss', 'train/loss', 'train/acc', 'eval/bleu', 'val/acc'];

describe('layoutPanels', () => {
	it('groups by prefix: train, val, other prefixes, names without one, system last', () => {
		const sections = layoutPanels(names, emptyPanels());
		expect(sections.map((s) => s.id)).toEqual(['train/', 'val/', 'eval/', OTHER_SECTION, 'system/']);
		expect(sections[0].panels.map((p) => p.id)).toEqual(['train/acc', 'train/loss']);
	});

	it('opens the first sections only, unless the user toggled them', () => {
		let state = emptyPanels();
		expect(layoutPanels(names, state).map((s) => s.open)).toEqual([true, true, true, false, false]);
		state = withSectionOpen(withSectionOpen(state, 'train/', false), 'system/', true);
		expect(layoutPanels(names, state).map((s) => s.open)).toEqual([false, true, true, false, true]);
	});

	it('filters by every word of the search and opens what it finds', () => {
		const state = { ...withSectionOpen(emptyPanels(), 'val/', false), search: 'VAL acc' };
		const sections = layoutPanels(names, state);
		expect(sections.map((s) => [s.id, s.open, s.panels.map((p) => p.id)])).toEqual([
			['val/', true, ['val/acc']]
		]);
	});

	it('puts custom panels first, with a pattern resolved against the names', () => {
		let state = addCustomPanel(emptyPanels(), { metrics: [], pattern: 'val/.*' }).state;
		state = addCustomPanel(state, { metrics: ['train/loss', 'val/loss'], pattern: null }).state;
		const [custom] = layoutPanels(names, state);
		expect(custom.id).toBe(CUSTOM_SECTION);
		expect(custom.panels.map((p) => [p.id, p.metrics])).toEqual([
			['+1', ['val/loss', 'val/acc']],
			['+2', ['train/loss', 'val/loss']]
		]);
	});

	it('follows the order the user gave', () => {
		const sections = layoutPanels(names, { ...emptyPanels(), order: ['train/loss'] });
		expect(sections[0].panels.map((p) => p.id)).toEqual(['train/loss', 'train/acc']);
	});
});
