/**
 * A small regression random forest and its permutation importance, written for the
 * hyperparameter-importance analysis (importance.ts). Pure and dependency-free; every random
 * choice comes from a seeded generator (random.ts), so the same data and seed always give the
 * same forest and the same importances.
 *
 * The forest is Breiman's: each tree is a CART regression tree (splits chosen by the largest
 * reduction of the squared error) grown on a bootstrap sample, trying a random subset of the
 * features at each split, limited by a maximum depth and a minimum leaf size. A feature's
 * permutation importance is how much worse the forest predicts the runs each tree did NOT see
 * (its out-of-bag runs) once that feature's values are shuffled across runs: a feature the trees
 * rely on costs accuracy when scrambled; an ignored one costs nothing. Unlike counting splits, it
 * does not favour features with many distinct values.
 */
import { createRandom, deriveSeed, permutation, shuffle, type Random } from './random.ts';

/** Feature-major data: `columns[f][i]` is feature `f` of sample `i`; all values finite. */
export interface Dataset {
	columns: Float64Array[];
	target: Float64Array;
}

export interface ForestOptions {
	trees: number;
	/** Splits from the root to a leaf, at most (the root is depth 0). */
	maxDepth: number;
	/** Samples (counted with bootstrap repeats) a leaf keeps, at least. */
	minLeaf: number;
	/** Features tried at each split (default ⌈features / 3⌉, Breiman's choice for regression). */
	featuresPerSplit?: number;
	seed: number;
}

/** One tree, as parallel arrays indexed by node; node 0 is the root, `feature` −1 marks a leaf. */
export interface Tree {
	feature: Int32Array;
	/** Samples with `value <= threshold` go left. */
	threshold: Float64Array;
	left: Int32Array;
	right: Int32Array;
	/** A leaf's prediction: the mean target of its samples. */
	value: Float64Array;
	/** Whether any split uses feature f (permuting an unused feature cannot change this tree). */
	usesFeature: Uint8Array;
	/** The samples left out of this tree's bootstrap sample. */
	outOfBag: Int32Array;
}

export interface Forest {
	trees: Tree[];
	featureCount: number;
}

export function fitForest(data: Dataset, options: ForestOptions): Forest {
	const n = data.target.length;
	const featureCount = data.columns.length;
	if (n === 0 || featureCount === 0) throw new Error('a forest needs at least one sample and one feature');
	for (const column of data.columns) {
		if (column.length !== n) throw new Error('every feature column needs one value per sample');
	}
	const featuresPerSplit = Math.min(
		featureCount,
		Math.max(1, options.featuresPerSplit ?? Math.ceil(featureCount / 3))
	);
	const random = createRandom(deriveSeed(options.seed, 'fit'));
	const binned = data.columns.map(binFeature);
	const trees: Tree[] = [];
	for (let t = 0; t < options.trees; t++) {
		const { inBag, outOfBag } = bootstrap(n, random);
		const builder = new TreeBuilder(data, binned, options, featuresPerSplit, random);
		builder.grow(inBag, 0);
		trees.push(builder.finish(outOfBag));
	}
	return { trees, featureCount };
}

/** n draws with replacement, and the samples never drawn. */
function bootstrap(n: number, random: Random): { inBag: Int32Array; outOfBag: Int32Array } {
	const inBag = new Int32Array(n);
	const drawn = new Uint8Array(n);
	for (let i = 0; i < n; i++) {
		const sample = random.below(n);
		inBag[i] = sample;
		drawn[sample] = 1;
	}
	const outOfBag: number[] = [];
	for (let i = 0; i < n; i++) if (!drawn[i]) outOfBag.push(i);
	return { inBag, outOfBag: Int32Array.from(outOfBag) };
}

/**
 * Each feature's values as bin numbers, made once per forest so that no node sorts anything: a
 * node finds its best split on a feature from per-bin counts and sums, in time linear in its
 * samples. A feature with at most MAX_BINS distinct values gets one bin per value, so its splits
 * are exactly those of sorting; one with more (a learning rate drawn at random for every run) is
 * cut at quantiles into MAX_BINS bins of about equal size, which for ranking parameters loses
 * nothing that matters.
 */
export const MAX_BINS = 128;

interface BinnedFeature {
	bins: Uint8Array;
	binCount: number;
	/** The smallest and largest value that fell in each bin. */
	lowest: Float64Array;
	highest: Float64Array;
}

function binFeature(column: Float64Array): BinnedFeature {
	const sorted = Float64Array.from(column).sort();
	const distinct = sorted.filter((value, k) => k === 0 || value !== sorted[k - 1]);
	// The values that open each bin after the first.
	const cuts =
		distinct.length <= MAX_BINS
			? distinct.subarray(1)
			: Float64Array.from(
					new Set(
						Array.from(
							{ length: MAX_BINS - 1 },
							(_, k) => sorted[Math.floor(((k + 1) * sorted.length) / MAX_BINS)]
						)
					)
				).filter((cut) => cut > sorted[0]);
	const binCount = cuts.length + 1;
	const bins = new Uint8Array(column.length);
	const lowest = new Float64Array(binCount).fill(Infinity);
	const highest = new Float64Array(binCount).fill(-Infinity);
	column.forEach((value, i) => {
		const bin = countAtMost(cuts, value);
		bins[i] = bin;
		lowest[bin] = Math.min(lowest[bin], value);
		highest[bin] = Math.max(highest[bin], value);
	});
	return { bins, binCount, lowest, highest };
}

/** How many of the ascending `values` are <= `value` (binary search). */
function countAtMost(values: Float64Array, value: number): number {
	let low = 0;
	let high = values.length;
	while (low < high) {
		const middle = (low + high) >>> 1;
		if (values[middle] <= value) low = middle + 1;
		else high = middle;
	}
	return low;
}

interface Split {
	feature: number;
	threshold: number;
	gain: number;
}

class TreeBuilder {
	private readonly feature: number[] = [];
	private readonly threshold: number[] = [];
	private readonly left: number[] = [];
	private readonly right: number[] = [];
	private readonly value: number[] = [];
	private readonly usesFeature: Uint8Array;
	/** Per-bin sample counts and centred target sums, reused by every node. */
	private readonly binSamples = new Int32Array(MAX_BINS);
	private readonly binSums = new Float64Array(MAX_BINS);

	constructor(
		private readonly data: Dataset,
		private readonly binned: BinnedFeature[],
		private readonly options: ForestOptions,
		private readonly featuresPerSplit: number,
		private readonly random: Random
	) {
		this.usesFeature = new Uint8Array(data.columns.length);
	}

	/** Grows the subtree of `samples` and returns its node index. */
	grow(samples: Int32Array, depth: number): number {
		const { target } = this.data;
		const node = this.feature.length;
		let sum = 0;
		let low = Infinity;
		let high = -Infinity;
		for (const i of samples) {
			sum += target[i];
			low = Math.min(low, target[i]);
			high = Math.max(high, target[i]);
		}
		const mean = sum / samples.length;
		this.feature.push(-1);
		this.threshold.push(0);
		this.left.push(-1);
		this.right.push(-1);
		this.value.push(mean);
		const splittable =
			depth < this.options.maxDepth && samples.length >= 2 * this.options.minLeaf && low < high;
		const split = splittable ? this.bestSplit(samples, mean) : undefined;
		if (!split) return node;
		const column = this.data.columns[split.feature];
		const leftSamples = samples.filter((i) => column[i] <= split.threshold);
		const rightSamples = samples.filter((i) => column[i] > split.threshold);
		this.feature[node] = split.feature;
		this.threshold[node] = split.threshold;
		this.usesFeature[split.feature] = 1;
		this.left[node] = this.grow(leftSamples, depth + 1);
		this.right[node] = this.grow(rightSamples, depth + 1);
		return node;
	}

	/**
	 * The best split among `featuresPerSplit` features drawn at random; when none of them can
	 * split (constant here), the remaining features are tried in the same random order until one
	 * can, as scikit-learn does, so a node is a leaf only when no feature separates its samples.
	 */
	private bestSplit(samples: Int32Array, mean: number): Split | undefined {
		const order = Int32Array.from(this.data.columns, (_, f) => f);
		shuffle(order, this.random);
		let best: Split | undefined;
		for (let k = 0; k < order.length; k++) {
			if (k >= this.featuresPerSplit && best) break;
			const candidate = this.bestSplitOn(order[k], samples, mean);
			if (candidate && (!best || candidate.gain > best.gain)) best = candidate;
		}
		return best;
	}

	/**
	 * The boundary between bins of one feature that most reduces the squared error. With targets
	 * centred on the node's mean (their sum ≈ 0), the reduction of a split into L and R is
	 * (ΣL)²/|L| + (ΣR)²/|R|; centring keeps the digits when targets sit far from zero.
	 */
	private bestSplitOn(feature: number, samples: Int32Array, mean: number): Split | undefined {
		const { bins, lowest, highest } = this.binned[feature];
		const { target } = this.data;
		const { minLeaf } = this.options;
		const { binSamples, binSums } = this;
		let firstBin = MAX_BINS;
		let lastBin = -1;
		let total = 0;
		let squaredError = 0;
		for (const i of samples) {
			const bin = bins[i];
			const centred = target[i] - mean;
			binSamples[bin]++;
			binSums[bin] += centred;
			total += centred;
			squaredError += centred * centred;
			if (bin < firstBin) firstBin = bin;
			if (bin > lastBin) lastBin = bin;
		}
		// A gain below this is rounding, not signal: it must not decide a split.
		const noise = squaredError * 1e-10;
		const n = samples.length;
		let best: Split | undefined;
		let leftCount = 0;
		let leftSum = 0;
		for (let bin = firstBin; bin < lastBin; bin++) {
			if (binSamples[bin] === 0) continue;
			leftCount += binSamples[bin];
			leftSum += binSums[bin];
			const rightCount = n - leftCount;
			if (rightCount < minLeaf) break;
			if (leftCount < minLeaf) continue;
			const rightSum = total - leftSum;
			const gain = (leftSum * leftSum) / leftCount + (rightSum * rightSum) / rightCount;
			if (gain > noise && (!best || gain > best.gain)) {
				// Every bin holds a value (each opens at one), so bin + 1 has a lowest value.
				best = { feature, threshold: midpoint(highest[bin], lowest[bin + 1]), gain };
			}
		}
		binSamples.fill(0, firstBin, lastBin + 1);
		binSums.fill(0, firstBin, lastBin + 1);
		return best;
	}

	finish(outOfBag: Int32Array): Tree {
		return {
			feature: Int32Array.from(this.feature),
			threshold: Float64Array.from(this.threshold),
			left: Int32Array.from(this.left),
			right: Int32Array.from(this.right),
			value: Float64Array.from(this.value),
			usesFeature: this.usesFeature,
			outOfBag
		};
	}
}

/** Halfway between two adjacent values, but never equal to the larger (it must go right). */
function midpoint(low: number, high: number): number {
	const middle = low + (high - low) / 2;
	return middle < high ? middle : low;
}

/** One tree's prediction for sample `row` of `columns`. */
export function predictTree(tree: Tree, columns: Float64Array[], row: number): number {
	let node = 0;
	while (tree.feature[node] >= 0) {
		node = columns[tree.feature[node]][row] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
	}
	return tree.value[node];
}

/** The forest's prediction: the mean over its trees. */
export function predictForest(forest: Forest, columns: Float64Array[], row: number): number {
	let sum = 0;
	for (const tree of forest.trees) sum += predictTree(tree, columns, row);
	return sum / forest.trees.length;
}

export interface PermutationImportance {
	/** Out-of-bag mean squared error of the forest as fitted; null when no sample was ever out of bag. */
	baselineMse: number | null;
	/** 1 − baselineMse / variance of the target over those samples: how much the forest explains. */
	outOfBagR2: number | null;
	/** Per feature: the mean increase of the out-of-bag MSE when its column is shuffled (may be < 0). */
	increases: number[];
}

/**
 * Permutation importance on out-of-bag samples. Each sample is predicted only by the trees that
 * did not train on it; a feature's column is shuffled across all samples (`repeats` times, each
 * shuffle from its own seed) and the increase of that out-of-bag MSE, averaged, is its importance.
 * Trees that never split on the feature predict the same either way and are not re-evaluated.
 */
export function permutationImportance(
	forest: Forest,
	data: Dataset,
	options: { repeats: number; seed: number }
): PermutationImportance {
	const n = data.target.length;
	const sums = new Float64Array(n);
	const counts = new Int32Array(n);
	const treePredictions = forest.trees.map((tree) =>
		Float64Array.from(tree.outOfBag, (row) => predictTree(tree, data.columns, row))
	);
	forest.trees.forEach((tree, t) =>
		tree.outOfBag.forEach((row, k) => {
			sums[row] += treePredictions[t][k];
			counts[row] += 1;
		})
	);
	const baselineMse = outOfBagMse(sums, counts, data.target);
	if (baselineMse === null) {
		return { baselineMse, outOfBagR2: null, increases: data.columns.map(() => 0) };
	}
	const increases = data.columns.map((column, feature) => {
		const using = forest.trees.flatMap((tree, t) => (tree.usesFeature[feature] ? [t] : []));
		if (using.length === 0) return 0;
		const random = createRandom(deriveSeed(options.seed, `permute ${feature}`));
		const columns = data.columns.slice();
		let increase = 0;
		for (let r = 0; r < options.repeats; r++) {
			const order = permutation(n, random);
			columns[feature] = Float64Array.from(order, (i) => column[i]);
			const permutedSums = sums.slice();
			for (const t of using) {
				const tree = forest.trees[t];
				tree.outOfBag.forEach((row, k) => {
					permutedSums[row] += predictTree(tree, columns, row) - treePredictions[t][k];
				});
			}
			increase += (outOfBagMse(permutedSums, counts, data.target) ?? baselineMse) - baselineMse;
		}
		return increase / options.repeats;
	});
	const variance = outOfBagVariance(counts, data.target);
	const outOfBagR2 = variance > 0 ? 1 - baselineMse / variance : null;
	return { baselineMse, outOfBagR2, increases };
}

function outOfBagMse(sums: Float64Array, counts: Int32Array, target: Float64Array): number | null {
	let total = 0;
	let samples = 0;
	for (let i = 0; i < target.length; i++) {
		if (counts[i] === 0) continue;
		total += (sums[i] / counts[i] - target[i]) ** 2;
		samples++;
	}
	return samples === 0 ? null : total / samples;
}

/** The (population) variance of the target over the samples that were ever out of bag. */
function outOfBagVariance(counts: Int32Array, target: Float64Array): number {
	const values = Array.from(target).filter((_, i) => counts[i] > 0);
	const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
	return values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
}
