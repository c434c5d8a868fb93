import { describe, expect, it } from 'vitest';
import { buildChartData, stepRange } from './chart-data';
import type { ChartSeries } from './chart-series';

const line = (label: string, steps: number[], values: number[], times = steps.map((s) => 1000 + s)) =>
	({ label, color: '#000000', steps, times, values }) satisfies ChartSeries;

describe('buildChartData', () => {
	it('gives one series raw and smoothed columns on its own x', () => {
		const { data, columns } = buildChartData([line('loss', [0, 1, 2], [3, 2, 1])], {
			xMode: 'step',
			smoothing: 0,
			logY: false
		});
		expect(data).toEqual([
			[0, 1, 2],
			[3, 2, 1],
			[3, 2, 1]
		]);
		expect(columns).toEqual([{ raw: 1, smooth: 2 }]);
	});

	it('adds the band of bucketed series and drops values ≤ 0 on a log axis', () => {
		const bucketed = { ...line('loss', [0, 8], [0, 2]), mins: [-1, 1], maxs: [4, 3] };
		const { data, columns } = buildChartData([bucketed], { xMode: 'step', smoothing: 0, logY: true });
		expect(columns).toEqual([{ raw: 1, smooth: 2, min: 3, max: 4 }]);
		expect(data.slice(1)).toEqual([
			[null, 2],
			[null, 2],
			[null, 1],
			[4, 3]
		]);
	});

	it('sorts by wall time when it runs backwards', () => {
		const { data } = buildChartData([line('loss', [0, 1, 2], [5, 6, 7], [30, 10, 20])], {
			xMode: 'time',
			smoothing: 0,
			logY: false
		});
		expect(data[0]).toEqual([10, 20, 30]);
		expect(data[1]).toEqual([6, 7, 5]);
	});

	it('joins several series on the union of their x values', () => {
		const { data, columns } = buildChartData([line('a', [0, 2], [1, 3]), line('b', [1, 2], [10, 30])], {
			xMode: 'step',
			smoothing: 0,
			logY: false
		});
		expect(columns).toEqual([
			{ raw: 1, smooth: 2 },
			{ raw: 3, smooth: 4 }
		]);
		expect(data).toEqual([
			[0, 1, 2],
			[1, null, 3],
			[1, null, 3],
			[null, 10, 30],
			[null, 10, 30]
		]);
	});
});

describe('stepRange', () => {
	const s = line('loss', [0, 5, 10], [1, 2, 3], [100, 200, 300]);

	it('rounds a step range inwards', () => {
		expect(stepRange([s], 'step', 1.2, 7.9)).toEqual({ from: 2, to: 7 });
		expect(stepRange([s], 'step', 1.2, 1.9)).toBeNull();
	});

	it('maps a time range to the steps logged inside it', () => {
		expect(stepRange([s], 'time', 150, 350)).toEqual({ from: 5, to: 10 });
		expect(stepRange([s], 'time', 210, 290)).toBeNull();
	});
});
