import { describe, expect, it } from 'vitest';
import type { Experiment } from '$contracts/experiments';
import { formatNumber } from '$lib/experiments/hyperparams';
import {
	axisPosition,
	axisTicks,
	brushBetween,
	brushedIndexes,
	brushExtent,
	buildAxis,
	compareAxes,
	isLogDistributed,
	lineSegments,
	logTicks,
	valueAt,
	type Axis
} from './parallel';

const axis = (values: (string | number | boolean | null)[], scale?: 'log' | 'linear') =>
	buildAxis('k', 'k', values, { scale })!;

describe('axes', () => {
	it('puts positive values spanning two decades on a log axis, others on a linear one', () => {
		expect(isLogDistributed([1e-4, 3e-4, 1e-2])).toBe(true);
		expect(isLogDistributed([1, 50])).toBe(false);
		expect(isLogDistributed([0, 1, 1000])).toBe(false);
		expect(axis([1e-4, 3e-4, 1e-3, 1e-2]).kind).toBe('log');
		expect(axis([32, 64, 128]).kind).toBe('linear');
		expect(axis([-1, 1000]).kind).toBe('linear');
	});

	it('lets the user override the automatic scale where a log scale is possible', () => {
		expect(axis([1e-4, 1e-2], 'linear').kind).toBe('linear');
		expect(axis([2, 3], 'log').kind).toBe('log');
		expect(axis([0, 3], 'log')).toMatchObject({ kind: 'linear', canLog: false });
	});

	it('leaves out a key with one value unless asked to keep it', () => {
		expect(buildAxis('seed', 'seed', [7, 7, null])).toBeUndefined();
		expect(buildAxis('x', 'x', [null, null], { keepConstant: true })).toBeUndefined();
		const kept = buildAxis('acc', 'acc', [0.5, 0.5], { keepConstant: true })!;
		expect(kept.domain[0]).toBeLessThan(0.5);
		expect(axisPosition(kept, 0.5)).toBeCloseTo(0.5);
	});

	it('places text and booleans as categories, evenly, numbers first', () => {
		const a = axis(['sgd', 'adam', true, 3, null, 'adam']);
		expect(a.kind).toBe('categorical');
		expect(a.categories).toEqual(['3', 'adam', 'sgd', 'true']);
		expect(a.values).toEqual(['sgd', 'adam', 'true', '3', undefined, 'adam']);
		expect(axisPosition(a, '3')).toBe(0.125);
		expect(axisPosition(a, 'true')).toBe(0.875);
		expect(axisPosition(a, 'rmsprop')).toBeUndefined();
	});

	it('positions log values by their exponent, and inverts positions back to values', () => {
		const a = axis([1e-4, 1e-2]);
		expect(axisPosition(a, 1e-3)).toBeCloseTo(0.5);
		expect(valueAt(a, 0.5)).toBeCloseTo(1e-3);
		const linear = axis([0, 10]);
		expect(axisPosition(linear, 2.5)).toBe(0.25);
		expect(valueAt(linear, 2)).toBe(10);
	});
});

describe('ticks', () => {
	it('marks decades on a log axis, with 2 and 5 between them when it spans less than two', () => {
		expect(logTicks([1e-4, 1e-1])).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
		expect(logTicks([1, 20])).toEqual([1, 2, 5, 10, 20]);
		expect(logTicks([3e-5, 0.5])).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
		// Nine decades: every other one, so labels never crowd.
		expect(logTicks([1e-9, 1])).toEqual([1e-8, 1e-6, 1e-4, 1e-2, 1]);
		expect(logTicks([3, 4])).toEqual([3, 4]);
	});

	it('gives every tick a position on its axis', () => {
		const ticks = axisTicks(axis([1e-4, 1e-2]), formatNumber);
		expect(ticks.map((t) => t.label)).toEqual(['1e-4', '0.001', '0.01']);
		expect(ticks.map((t) => t.position)).toEqual([0, 0.5, 1]);
		const categories = axisTicks(axis(['a', 'b']), formatNumber);
		expect(categories).toEqual([
			{ label: 'a', position: 0.25 },
			{ label: 'b', position: 0.75 }
		]);
	});
});

describe('brushes', () => {
	it('selects a range of values between two positions, either way round', () => {
		const a = axis([0, 10]);
		expect(brushBetween(a, 0.6, 0.2)).toEqual({ kind: 'range', lo: 2, hi: 6 });
		expect(brushExtent(a, { kind: 'range', lo: 2, hi: 6 })).toEqual([0.2, 0.6]);
		// Beyond the axis: clamped to it.
		expect(brushExtent(a, { kind: 'range', lo: -5, hi: 50 })).toEqual([0, 1]);
		expect(brushExtent(a, { kind: 'range', lo: 20, hi: 50 })).toBeUndefined();
	});

	it('selects the categories whose places it covers, and nothing when it covers none', () => {
		const a = axis(['a', 'b', 'c', 'd']);
		expect(brushBetween(a, 0.3, 0.7)).toEqual({ kind: 'set', values: ['b', 'c'] });
		expect(brushBetween(a, 0.26, 0.3)).toBeUndefined();
		expect(brushExtent(a, { kind: 'set', values: ['b', 'c', 'gone'] })).toEqual([0.25, 0.75]);
	});

	it('keeps the runs inside every brush of the axes shown (AND), a run without a value outside', () => {
		const lr = buildAxis('hp.lr', 'lr', [1e-4, 1e-3, 1e-2, null])!;
		const opt = buildAxis('hp.opt', 'opt', ['adam', 'sgd', 'adam', 'adam'])!;
		const axes: Axis[] = [lr, opt];
		expect(brushedIndexes(axes, {}, 4)).toBeUndefined();
		const brushes = {
			'hp.lr': { kind: 'range' as const, lo: 5e-5, hi: 2e-3 },
			'hp.opt': { kind: 'set' as const, values: ['adam'] },
			'hp.gone': { kind: 'set' as const, values: ['x'] }
		};
		expect(brushedIndexes(axes, brushes, 4)).toEqual(new Set([0]));
		expect(brushedIndexes([opt], brushes, 4)).toEqual(new Set([0, 2, 3]));
		expect(brushedIndexes([lr], { 'hp.lr': brushes['hp.lr'] }, 4)).toEqual(new Set([0, 1]));
	});
});

describe('lines', () => {
	it('breaks a run’s line where it has no value', () => {
		const axes = [axis([0, 10, 5]), axis([null, 1, 2]), axis([0, 1, 2])];
		expect(lineSegments(axes, 0)).toEqual([[[0, 0]], [[2, 0]]]);
		expect(lineSegments(axes, 1)).toEqual([
			[
				[0, 1],
				[1, 0],
				[2, 0.5]
			]
		]);
	});
});

describe('compareAxes', () => {
	const run = (id: string, hyperparams: Record<string, string | number>, acc?: number) =>
		({
			id,
			hyperparams: Object.entries(hyperparams).map(([key, value]) => ({ key, value })),
			results: acc === undefined ? [] : [{ name: 'acc', value: acc, logged_at: '' }],
			metrics: [],
			tags: []
		}) as unknown as Experiment;
	const runs = [
		run('a', { lr: 1e-4, seed: 1, batch: 32, opt: 'adam' }, 0.8),
		run('b', { lr: 1e-2, seed: 1, batch: 64, opt: 'sgd' }, 0.7),
		run('c', { lr: 1e-3, seed: 1, batch: 32, opt: 'adam' })
	];

	it('draws the varying hyperparameters, then the chosen measures, leaving out constant and hidden keys', () => {
		const { axes, constant, overflow } = compareAxes(runs, {
			measures: ['result.acc', 'result.missing'],
			hidden: ['hp.opt'],
			scales: { 'hp.lr': 'linear' },
			maxHyperparams: 12
		});
		expect(axes.map((a) => [a.key, a.kind])).toEqual([
			['hp.lr', 'linear'],
			['hp.batch', 'linear'],
			['result.acc', 'linear']
		]);
		expect(constant).toEqual(['hp.seed']);
		expect(overflow).toEqual([]);
		expect(axes[2].values).toEqual([0.8, 0.7, undefined]);
	});

	it('stops at the bound on hyperparameter axes and says which were left over', () => {
		const { axes, overflow } = compareAxes(runs, { measures: [], hidden: [], scales: {}, maxHyperparams: 2 });
		expect(axes.map((a) => a.key)).toEqual(['hp.lr', 'hp.batch']);
		expect(axes[0].kind).toBe('log');
		expect(overflow).toEqual(['hp.opt']);
	});
});
