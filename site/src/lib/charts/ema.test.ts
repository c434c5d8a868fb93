import { describe, expect, it } from 'vitest';
import { ema, MAX_SMOOTHING } from './ema';

describe('ema', () => {
	it('returns the values unchanged when smoothing is 0', () => {
		expect(ema([3, 1, 4, 1, 5], 0)).toEqual([3, 1, 4, 1, 5]);
	});

	it('starts at the first value (debiased) and follows the recurrence', () => {
		const out = ema([10, 0, 0], 0.5);
		expect(out[0]).toBe(10);
		// Debiased: (0.5·0.5·10 + 0.5·0) / (1 - 0.5²) and so on.
		expect(out[1]).toBeCloseTo(2.5 / 0.75);
		expect(out[2]).toBeCloseTo(1.25 / 0.875);
	});

	it('keeps a constant series constant at any smoothing', () => {
		for (const smoothing of [0.1, 0.6, MAX_SMOOTHING]) {
			for (const value of ema([7, 7, 7, 7], smoothing)) expect(value).toBeCloseTo(7);
		}
	});

	it('smooths more with a higher weight', () => {
		const steps = [0, 0, 0, 0, 1, 1, 1, 1];
		const light = ema(steps, 0.2).at(-4) ?? 0;
		const heavy = ema(steps, 0.9).at(-4) ?? 0;
		expect(light).toBeGreaterThan(heavy);
		expect(heavy).toBeGreaterThan(0);
	});

	it('leaves gaps as gaps without resetting the average', () => {
		const out = ema([4, null, Number.NaN, 4], 0.5);
		expect(out).toEqual([4, null, null, 4]);
	});

	it('clamps the weight to [0, 0.99]', () => {
		expect(ema([1, 2], -1)).toEqual([1, 2]);
		expect(ema([0, 100], 5)).toEqual(ema([0, 100], MAX_SMOOTHING));
	});

	it('handles empty input and typed arrays', () => {
		expect(ema([], 0.5)).toEqual([]);
		expect(ema(new Float64Array([2, 2]), 0.5)).toEqual([2, 2]);
	});
});
