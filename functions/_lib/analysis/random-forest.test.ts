import { describe, expect, it } from 'vitest';
import { createRandom } from './random.ts';
import {
	fitForest,
	MAX_BINS,
	permutationImportance,
	predictForest,
	predictTree,
	type Dataset,
	type ForestOptions,
	type Tree
} from './random-forest.ts';

const OPTIONS: ForestOptions = { trees: 32, maxDepth: 8, minLeaf: 2, seed: 1 };

/** `n` samples of `features` uniform features, and a target made from them. */
function dataset(n: number, features: number, target: (x: number[]) => number, seed = 5): Dataset {
	const random = createRandom(seed);
	const rows = Array.from({ length: n }, () => Array.from({ length: features }, () => random.next()));
	return {
		columns: Array.from({ length: features }, (_, f) => Float64Array.from(rows, (row) => row[f])),
		target: Float64Array.from(rows, (row) => target(row) + 0.05 * (random.next() - 0.5))
	};
}

function depthOf(tree: Tree, node = 0): number {
	if (tree.feature[node] < 0) return 0;
	return 1 + Math.max(depthOf(tree, tree.left[node]), depthOf(tree, tree.right[node]));
}

describe('a regression tree of the forest', () => {
	it('finds a step exactly, with its threshold between the two sides', () => {
		// Target 1 above x = 0.5, 0 below; one tree, every feature tried.
		const data = dataset(200, 1, ([x]) => (x > 0.5 ? 1 : 0));
		data.target = data.target.map((_, i) => (data.columns[0][i] > 0.5 ? 1 : 0));
		const forest = fitForest(data, { ...OPTIONS, trees: 1 });
		const [tree] = forest.trees;
		expect(tree.feature[0]).toBe(0);
		const below = Math.max(...data.columns[0].filter((x) => x <= 0.5));
		const above = Math.min(...data.columns[0].filter((x) => x > 0.5));
		expect(tree.threshold[0]).toBeGreaterThanOrEqual(below);
		expect(tree.threshold[0]).toBeLessThan(above);
		// A pure split: both children are leaves predicting 0 and 1.
		expect([tree.value[tree.left[0]], tree.value[tree.right[0]]]).toEqual([0, 1]);
		expect(tree.feature.length).toBe(3);
		for (let i = 0; i < 200; i++) expect(predictTree(tree, data.columns, i)).toBe(data.target[i]);
	});

	it('keeps to the maximum depth', () => {
		// A target with detail at every scale: trees grow as deep as they may.
		const data = dataset(300, 3, ([a, b, c]) => Math.sin(12 * a) + Math.sin(9 * b) * c);
		for (const maxDepth of [1, 3, 6]) {
			const depths = fitForest(data, { ...OPTIONS, trees: 8, maxDepth }).trees.map((tree) => depthOf(tree));
			expect(Math.max(...depths)).toBe(maxDepth);
		}
	});

	it('keeps to the minimum leaf size', () => {
		// 40 samples (bootstrap repeats counted): a split needs 2 × minLeaf of them.
		const data = dataset(40, 2, ([a, b]) => a + b);
		const single = fitForest(data, { ...OPTIONS, minLeaf: 21 });
		expect(single.trees.every((tree) => tree.feature.length === 1)).toBe(true);
		// minLeaf 20: only the split into two halves of 20 is allowed, and nothing below it.
		const halves = fitForest(data, { ...OPTIONS, minLeaf: 20 });
		expect(halves.trees.every((tree) => tree.feature.length <= 3)).toBe(true);
		expect(halves.trees.some((tree) => tree.feature.length === 3)).toBe(true);
		const split = fitForest(data, { ...OPTIONS, minLeaf: 2 });
		expect(Math.max(...split.trees.map((tree) => tree.feature.length))).toBeGreaterThan(9);
	});

	it('does not split a node whose targets are all equal', () => {
		const data = dataset(50, 2, () => 0);
		data.target.fill(4.5);
		const forest = fitForest(data, OPTIONS);
		for (const tree of forest.trees) expect([...tree.feature]).toEqual([-1]);
		expect(predictForest(forest, data.columns, 0)).toBe(4.5);
	});

	it('splits a feature with more distinct values than bins, and learns it', () => {
		// 2,000 distinct values, binned into MAX_BINS quantiles.
		const data = dataset(2000, 1, ([x]) => 10 * x);
		const forest = fitForest(data, OPTIONS);
		expect(new Set(data.columns[0]).size).toBeGreaterThan(MAX_BINS);
		const { outOfBagR2 } = permutationImportance(forest, data, { repeats: 1, seed: 1 });
		expect(outOfBagR2).toBeGreaterThan(0.99);
	});

	it('refuses an empty dataset and columns of the wrong length', () => {
		expect(() => fitForest({ columns: [], target: new Float64Array(3) }, OPTIONS)).toThrow(/at least one/);
		expect(() => fitForest({ columns: [new Float64Array(2)], target: new Float64Array(3) }, OPTIONS)).toThrow(
			/one value per sample/
		);
	});
});

describe('permutation importance', () => {
	it('puts the feature the target depends on first, and gives an unused one nothing', () => {
		// target = 3·x0 + noise; x1 irrelevant.
		const data = dataset(300, 2, ([x0]) => 3 * x0);
		const forest = fitForest(data, { ...OPTIONS, featuresPerSplit: 2 });
		const { increases, baselineMse, outOfBagR2 } = permutationImportance(forest, data, {
			repeats: 3,
			seed: 2
		});
		expect(increases[0]).toBeGreaterThan(50 * Math.max(increases[1], 1e-6));
		// Var(3·x0) = 9/12 = 0.75: shuffling x0 costs about twice that (two independent draws).
		expect(increases[0]).toBeGreaterThan(1);
		expect(baselineMse).toBeLessThan(0.01);
		expect(outOfBagR2).toBeGreaterThan(0.98);
	});

	it('is identical for the same seeds, and ranks alike for other seeds', () => {
		const data = dataset(300, 3, ([a, b]) => 2 * a + b);
		const run = (seed: number) => {
			const forest = fitForest(data, { ...OPTIONS, seed });
			return { forest, importance: permutationImportance(forest, data, { repeats: 3, seed }) };
		};
		const first = run(11);
		const again = run(11);
		expect(again.forest).toEqual(first.forest);
		expect(again.importance).toEqual(first.importance);
		const other = run(12);
		expect(other.forest).not.toEqual(first.forest);
		const ranking = (increases: number[]) =>
			increases.map((_, f) => f).sort((f, g) => increases[g] - increases[f]);
		expect(ranking(other.importance.increases)).toEqual([0, 1, 2]);
		expect(ranking(first.importance.increases)).toEqual([0, 1, 2]);
	});
});
