import { describe, expect, it } from 'vitest';
import { quantile, yBounds } from './y-range';

// A loss curve around 1 with one spike of 1000, as a diverging step gives.
const spiky = [Array.from({ length: 200 }, (_, i) => (i === 100 ? 1000 : 1 + (i % 10) / 10))];

describe('yBounds', () => {
	it('covers every value with auto', () => {
		const [lo, hi] = yBounds(spiky, 0, 199, { kind: 'auto' }, false)!;
		expect(lo).toBeLessThanOrEqual(1);
		expect(hi).toBeGreaterThanOrEqual(1000);
	});

	it('ignores the outlier with clip', () => {
		const [lo, hi] = yBounds(spiky, 0, 199, { kind: 'clip' }, false)!;
		expect(lo).toBeLessThanOrEqual(1);
		expect(hi).toBeGreaterThanOrEqual(1.9);
		expect(hi).toBeLessThan(3);
	});

	it('only counts the rows in view', () => {
		const [, hi] = yBounds(spiky, 0, 50, { kind: 'auto' }, false)!;
		expect(hi).toBeLessThan(3);
	});

	it('keeps fixed bounds, and fills a missing side from the data', () => {
		expect(yBounds(spiky, 0, 199, { kind: 'fixed', min: 0, max: 5 }, false)).toEqual([0, 5]);
		const [lo, hi] = yBounds(spiky, 0, 50, { kind: 'fixed', min: 0, max: null }, false)!;
		expect(lo).toBe(0);
		expect(hi).toBeGreaterThan(1.9);
	});

	it('stays positive on a log axis and skips values ≤ 0', () => {
		const [lo, hi] = yBounds([[0, -1, 0.001, 10]], 0, 3, { kind: 'auto' }, true)!;
		expect(lo).toBeGreaterThan(0);
		expect(lo).toBeLessThan(0.001);
		expect(hi).toBeGreaterThan(10);
	});

	it('is null without values, and widens a single value', () => {
		expect(yBounds([[null, null]], 0, 1, { kind: 'auto' }, false)).toBeNull();
		const [lo, hi] = yBounds([[5]], 0, 0, { kind: 'auto' }, false)!;
		expect(lo).toBeLessThan(5);
		expect(hi).toBeGreaterThan(5);
	});
});

describe('quantile', () => {
	it('interpolates between neighbours', () => {
		expect(quantile([0, 10], 0.5)).toBe(5);
		expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
		expect(quantile([], 0.5)).toBeNaN();
	});
});
