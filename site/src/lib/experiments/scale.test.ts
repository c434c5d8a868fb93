import { describe, expect, it } from 'vitest';
import { extent, logTicks, niceTicks, parallelLayout, scaleLinear } from './scale';

describe('extent', () => {
	it('ignores non-finite values and pads a single value', () => {
		expect(extent([3, NaN, -1, Infinity])).toEqual([-1, 3]);
		expect(extent([5, 5])).toEqual([4.5, 5.5]);
		expect(extent([0])).toEqual([-1, 1]);
		expect(extent([])).toBeUndefined();
	});
});

describe('scaleLinear', () => {
	it('maps linearly and inverted ranges too', () => {
		const y = scaleLinear([0, 10], [100, 0]);
		expect(y(0)).toBe(100);
		expect(y(5)).toBe(50);
		expect(y(10)).toBe(0);
	});

	it('maps by log10 when asked', () => {
		const x = scaleLinear([0.001, 0.1], [0, 200], true);
		expect(x(0.01)).toBeCloseTo(100);
	});
});

describe('ticks', () => {
	it('picks round steps', () => {
		expect(niceTicks([0, 1], 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
		expect(niceTicks([0.13, 0.97], 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
		expect(niceTicks([-3, 7], 5)).toEqual([-2, 0, 2, 4, 6]);
	});

	it('uses powers of ten on log axes', () => {
		expect(logTicks([0.0003, 0.1])).toEqual([0.001, 0.01, 0.1]);
		expect(logTicks([2, 3])).toEqual([2, 3]);
	});
});

describe('parallelLayout', () => {
	const box = { left: 0, right: 200, top: 0, bottom: 100 };

	it('spreads axes evenly and scales each dimension to its own extent', () => {
		const layout = parallelLayout(
			[
				{ label: 'lr', values: [0.1, 0.01, 0.001] },
				{ label: 'batch', values: [32, 64, 128] },
				{ label: 'acc', values: [0.5, 0.9, 0.7] }
			],
			3,
			box
		);
		expect(layout.axes.map((a) => a.x)).toEqual([0, 100, 200]);
		expect(layout.axes[1].domain).toEqual([32, 128]);
		// Highest value at the top (y = top), lowest at the bottom.
		expect(layout.lines[0].segments).toEqual([
			[
				{ x: 0, y: 0 },
				{ x: 100, y: 100 },
				{ x: 200, y: 100 }
			]
		]);
		expect(layout.lines[1].segments[0][2]).toEqual({ x: 200, y: 0 });
		expect(layout.axes[2].ticks.every((t) => t.y >= 0 && t.y <= 100)).toBe(true);
	});

	it('breaks a line where a value is missing', () => {
		const layout = parallelLayout(
			[
				{ label: 'a', values: [1, 2] },
				{ label: 'b', values: [undefined, 3] },
				{ label: 'c', values: [4, 5] }
			],
			2,
			box
		);
		expect(layout.lines[0].segments.map((s) => s.length)).toEqual([1, 1]);
		expect(layout.lines[1].segments.map((s) => s.length)).toEqual([3]);
		// A dimension with one value still gets a usable axis.
		expect(layout.axes[1].domain).toEqual([2.7, 3.3]);
	});
});
