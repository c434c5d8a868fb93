import { describe, expect, it } from 'vitest';
import { isSmoothed, runningMean, smooth } from './smoothing';

describe('smoothing', () => {
	it('averages each value with the ones before it', () => {
		expect(runningMean([1, 2, 3, 4, 5], 3)).toEqual([1, 1.5, 2, 3, 4]);
	});

	it('keeps gaps and does not count them in the window', () => {
		expect(runningMean([2, null, 4, 6], 2)).toEqual([2, null, 3, 5]);
	});

	it('passes values through unsmoothed with none, and says when a line is smoothed', () => {
		expect(smooth([1, Number.NaN, 3], { kind: 'none' })).toEqual([1, null, 3]);
		expect(isSmoothed({ kind: 'none' })).toBe(false);
		expect(isSmoothed({ kind: 'ema', weight: 0 })).toBe(false);
		expect(isSmoothed({ kind: 'mean', window: 1 })).toBe(false);
		expect(isSmoothed({ kind: 'mean', window: 5 })).toBe(true);
	});

	it('smooths with the EMA, starting at the first value', () => {
		const out = smooth([0, 10, 10, 10], { kind: 'ema', weight: 0.5 });
		expect(out[0]).toBe(0);
		expect(out[3]!).toBeGreaterThan(out[1]!);
		expect(out[3]!).toBeLessThan(10);
	});
});
