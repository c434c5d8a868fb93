import { describe, expect, it } from 'vitest';
import { createRandom, deriveSeed, permutation } from './random.ts';

const draws = (seed: number, count: number) => {
	const random = createRandom(seed);
	return Array.from({ length: count }, () => random.next());
};

describe('the seeded generator', () => {
	it('repeats itself for a seed and differs between seeds', () => {
		expect(draws(42, 50)).toEqual(draws(42, 50));
		expect(draws(42, 50)).not.toEqual(draws(43, 50));
	});

	it('stays in [0, 1) and covers it evenly', () => {
		const values = draws(7, 10_000);
		expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
		// Ten equal bins of 10,000 draws: each near 1,000 (a broken generator piles up in a few).
		const bins = new Array<number>(10).fill(0);
		for (const value of values) bins[Math.floor(value * 10)]++;
		expect(Math.min(...bins)).toBeGreaterThan(900);
		expect(Math.max(...bins)).toBeLessThan(1100);
	});

	it('draws integers below n, every one of them', () => {
		const random = createRandom(3);
		const seen = new Set(Array.from({ length: 500 }, () => random.below(6)));
		expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
	});

	it('shuffles into a permutation', () => {
		const order = permutation(100, createRandom(1));
		expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
		expect([...order]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
		expect([...permutation(100, createRandom(1))]).toEqual([...order]);
	});

	it('derives different seeds for different uses of one seed', () => {
		expect(deriveSeed(1, 'fit')).toBe(deriveSeed(1, 'fit'));
		expect(deriveSeed(1, 'fit')).not.toBe(deriveSeed(1, 'permute 0'));
		expect(deriveSeed(1, 'fit')).not.toBe(deriveSeed(2, 'fit'));
	});
});
