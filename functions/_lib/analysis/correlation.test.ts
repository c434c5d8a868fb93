import { describe, expect, it } from 'vitest';
import { averageRanks, pearson, spearman } from './correlation.ts';

describe('pearson', () => {
	it('matches a case worked by hand', () => {
		// x = 1 2 3 4 5, y = 2 4 5 4 5: x̄ = 3, ȳ = 4.
		// x − x̄ = −2 −1 0 1 2; y − ȳ = −2 0 1 0 1.
		// Σ(x−x̄)(y−ȳ) = 4 + 0 + 0 + 0 + 2 = 6; Σ(x−x̄)² = 10; Σ(y−ȳ)² = 4 + 0 + 1 + 0 + 1 = 6.
		// r = 6 / √(10 · 6) = 6 / √60 = 0.7745966692…
		expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(6 / Math.sqrt(60), 12);
		expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(0.7745966692, 9);
	});

	it('is 1 or −1 on a line, and less than 1 on a curve that only rises', () => {
		expect(pearson([1, 2, 3, 4], [3, 5, 7, 9])).toBeCloseTo(1, 12);
		expect(pearson([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
		// x = 1 2 3 4, y = x² = 1 4 9 16: x̄ = 2.5, ȳ = 7.5.
		// x − x̄ = −1.5 −0.5 0.5 1.5; y − ȳ = −6.5 −3.5 1.5 8.5.
		// Σ products = 9.75 + 1.75 + 0.75 + 12.75 = 25; Σ(x−x̄)² = 5; Σ(y−ȳ)² = 42.25 + 12.25 + 2.25 + 72.25 = 129.
		// r = 25 / √(5 · 129) = 25 / √645 = 0.98437…
		expect(pearson([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(25 / Math.sqrt(645), 12);
	});

	it('keeps its digits far from zero (values centred before multiplying)', () => {
		// Same shape as 1 2 3 / 1 2 3, shifted by 1e9: still exactly a line.
		expect(pearson([1e9 + 1, 1e9 + 2, 1e9 + 3], [1, 2, 3])).toBeCloseTo(1, 12);
		// The x² case shifted by 1e8 on both sides gives the hand value again.
		expect(
			pearson(
				[1, 2, 3, 4].map((x) => x + 1e8),
				[1, 4, 9, 16].map((y) => y + 1e8)
			)
		).toBeCloseTo(25 / Math.sqrt(645), 9);
	});

	it('uses only the pairs whose two values are finite', () => {
		// Pairs left: (1, 2), (2, 4), (3, 6): a line.
		expect(pearson([1, 2, NaN, 3, Infinity, 7], [2, 4, 100, 6, 1, -Infinity])).toBeCloseTo(1, 12);
	});

	it('is null with fewer than 3 pairs or when a side does not vary', () => {
		expect(pearson([1, 2], [1, 2])).toBeNull();
		expect(pearson([1, 2, NaN], [1, 2, 3])).toBeNull();
		expect(pearson([], [])).toBeNull();
		expect(pearson([1, 1, 1, 1], [1, 2, 3, 4])).toBeNull();
		expect(pearson([1, 2, 3, 4], [5, 5, 5, 5])).toBeNull();
	});

	it('refuses lists of different lengths', () => {
		expect(() => pearson([1, 2, 3], [1, 2])).toThrow(/differ in length/);
	});
});

describe('averageRanks', () => {
	it('gives tied values the average of the ranks they span', () => {
		// 10 → 1; the two 20s span ranks 2 and 3 → 2.5 each; 30 → 4.
		expect(averageRanks([20, 10, 30, 20])).toEqual([2.5, 1, 4, 2.5]);
		// Three equal values span 1, 2, 3 → 2 each.
		expect(averageRanks([5, 5, 5])).toEqual([2, 2, 2]);
		expect(averageRanks([3, -1, 2])).toEqual([3, 1, 2]);
		expect(averageRanks([])).toEqual([]);
	});
});

describe('spearman', () => {
	it('matches a case with ties worked by hand', () => {
		// x = 1 2 3 4 5 → ranks 1 2 3 4 5.
		// y = 2 4 5 4 5 → 2 is rank 1; the 4s share ranks 2, 3 → 2.5; the 5s share 4, 5 → 4.5:
		//   ranks 1 2.5 4.5 2.5 4.5, mean 3.
		// rank(x) − 3 = −2 −1 0 1 2; rank(y) − 3 = −2 −0.5 1.5 −0.5 1.5.
		// Σ products = 4 + 0.5 + 0 − 0.5 + 3 = 7; Σ(rx)² = 10; Σ(ry)² = 4 + 0.25 + 2.25 + 0.25 + 2.25 = 9.
		// ρ = 7 / √(10 · 9) = 7 / √90 = 0.7378647873…
		expect(spearman([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(7 / Math.sqrt(90), 12);
	});

	it('is 1 for any rising relation and −1 for any falling one', () => {
		expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(1, 12);
		expect(spearman([1e-4, 1e-3, 1e-2, 1e-1], [0.9, 0.5, 0.2, 0.1])).toBeCloseTo(-1, 12);
	});

	it('is null with fewer than 3 finite pairs or a constant side', () => {
		expect(spearman([1, 2, NaN], [3, 4, 5])).toBeNull();
		expect(spearman([2, 2, 2], [3, 4, 5])).toBeNull();
	});
});
