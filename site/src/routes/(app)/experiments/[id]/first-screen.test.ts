import { describe, expect, it } from 'vitest';
import { addCustomPanel, emptyPanels, withSectionOpen, withSettings } from '$lib/charts/panel-state';
import { firstScreenMetrics, firstScreenPanels } from './first-screen';

const names = [
	'system/gpu',
	'train/loss',
	'train/acc',
	'train/lr',
	'val/loss',
	'val/acc',
	'val/f1',
	'eval/bleu'
];
const desktop = { width: 1440, height: 900 };

describe('firstScreenMetrics', () => {
	it('takes a screenful of panels in the order the page lays them out', () => {
		// Two columns, two rows of 320 px cards in 900 px.
		expect(firstScreenMetrics(names, emptyPanels(), desktop)).toEqual([
			'train/acc',
			'train/loss',
			'train/lr',
			'val/acc'
		]);
		// One column on a phone, two cards in 844 px.
		expect(firstScreenMetrics(names, emptyPanels(), { width: 390, height: 844 })).toEqual([
			'train/acc',
			'train/loss'
		]);
		// At least one, however short the window.
		expect(firstScreenMetrics(names, emptyPanels(), { width: 390, height: 200 })).toEqual(['train/acc']);
	});

	it('follows the page’s state: closed sections, search, custom panels first', () => {
		const closed = withSectionOpen(emptyPanels(), 'train/', false);
		expect(firstScreenMetrics(names, closed, desktop)).toEqual([
			'val/acc',
			'val/f1',
			'val/loss',
			'eval/bleu'
		]);
		expect(firstScreenMetrics(names, { ...emptyPanels(), search: 'loss' }, desktop)).toEqual([
			'train/loss',
			'val/loss'
		]);
		const custom = addCustomPanel(emptyPanels(), { metrics: ['val/f1', 'train/lr'], pattern: null }).state;
		expect(firstScreenMetrics(names, custom, desktop)).toEqual([
			'val/f1',
			'train/lr',
			'train/acc',
			'train/loss'
		]);
	});

	it('leaves out panels drawn against another metric', () => {
		const state = withSettings(emptyPanels(), 'train/acc', {
			...emptyPanels().defaults,
			x: { metric: 'train/lr' }
		});
		expect(firstScreenMetrics(names, state, desktop)).toEqual(['train/loss', 'train/lr', 'val/acc']);
	});

	it('names the panels, a custom one by its id', () => {
		const custom = addCustomPanel(emptyPanels(), { metrics: ['val/f1', 'train/lr'], pattern: null });
		expect(firstScreenPanels(names, custom.state, { width: 390, height: 700 }).map((p) => p.id)).toEqual([
			custom.id,
			'train/acc'
		]);
	});

	it('reads nothing for a run without metrics', () => {
		expect(firstScreenMetrics([], emptyPanels(), desktop)).toEqual([]);
	});
});
