import { describe, expect, it } from 'vitest';
import { formatX, xAxisTicks, yAxisTicks } from './chart-axes';

function ticksOf(axis: ReturnType<typeof xAxisTicks>, min: number, max: number, count: number) {
	const splits = axis.splits(min, max, count);
	return { splits, labels: axis.labels(splits) };
}

describe('x-axis ticks', () => {
	it('puts step ticks on whole steps, shortened', () => {
		expect(ticksOf(xAxisTicks('step'), 0, 4, 10).splits.every(Number.isInteger)).toBe(true);
		expect(ticksOf(xAxisTicks('step'), 0, 250_000, 5).labels).toEqual([
			'0',
			'50k',
			'100k',
			'150k',
			'200k',
			'250k'
		]);
	});

	it('writes a metric used as x as short numbers', () => {
		expect(ticksOf(xAxisTicks({ metric: 'tokens' }), 0, 1_000_000, 5).labels).toEqual([
			'0',
			'200k',
			'400k',
			'600k',
			'800k',
			'1M'
		]);
	});

	it('writes relative time as durations', () => {
		expect(ticksOf(xAxisTicks('relative'), 0, 600, 6).labels).toEqual(['0', '2m', '4m', '6m', '8m', '10m']);
	});

	it('labels wall time at the spacing its last ticks chose', () => {
		const axis = xAxisTicks('wall');
		const min = Date.UTC(2026, 2, 4, 14, 0, 0, 250);
		const { labels } = ticksOf(axis, min, min + 40_000, 5);
		// Below a minute the seconds are shown; never a fraction of one.
		for (const label of labels) expect(label).toMatch(/^\d\d:\d\d:\d\d$/);
	});
});

describe('y-axis ticks', () => {
	it('shortens large and tiny values on a linear axis', () => {
		expect(ticksOf(yAxisTicks(false), 0, 500_000, 5).labels).toContain('500k');
		expect(ticksOf(yAxisTicks(false), 0, 0.0003, 3).labels).toEqual(['0', '1e-4', '2e-4', '3e-4']);
	});

	it('labels decades on a log axis', () => {
		expect(ticksOf(yAxisTicks(true), 1e-5, 20, 10).labels).toEqual([
			'1e-5',
			'1e-4',
			'0.001',
			'0.01',
			'0.1',
			'1',
			'10'
		]);
	});
});

describe('formatX', () => {
	it('names the axis in the read-out', () => {
		expect(formatX(1200, 'step')).toBe(`step ${(1200).toLocaleString()}`);
		expect(formatX(90, 'relative')).toBe('1m 30s');
		expect(formatX(5000, { metric: 'tokens' })).toBe('tokens 5000');
		expect(formatX(5000, { metric: 'tokens' }, 'seen')).toBe('seen 5000');
	});
});
