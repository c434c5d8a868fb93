/**
 * Hyperparameter importance for one target (a metric aggregate or a result) over a set of runs:
 * per parameter, its Pearson and Spearman correlation with the target and its share of a random
 * forest's permutation importance (random-forest.ts). Pure: rows in, numbers out; the same rows
 * in the same order and the same seed give the same answer.
 *
 * Choices, so the numbers can be read:
 * - Runs without a finite target are dropped (and counted).
 * - Parameter kinds: numbers are `numeric`, or `log` when they look log-distributed (learning
 *   rates, weight decays: see isLogDistributed): Pearson then uses log10 of the values, since a
 *   linear r over 1e-5..1e-1 is decided by the largest values alone.
 *   Spearman (ranks) and the trees (thresholds) do not depend on the scale, so they use the values
 *   as they are. Booleans are 0/1. Strings (or a mix of types) are `categorical`: for the trees,
 *   one column whose categories are ordered by their mean target, so that one threshold can
 *   separate any group of "good" from "bad" categories (Breiman's ordering for regression trees);
 *   categories have no order of their own, so their correlations are null.
 * - Missing values (a run without the parameter, or null): correlations use only the runs that
 *   have the value (`runs_used`); for the trees a missing number sits below every present value
 *   (a boolean: below false), and a missing category is a category of its own, so "has it or
 *   not" can be split on when it matters.
 * - Parameters with the same value in every run (or in none) are left out and listed.
 * - Bounds: at most MAX_RUNS runs (a seeded sample above that, kept in input order), the forest on
 *   at most MAX_FOREST_RUNS of them (again a seeded sample), at most MAX_PARAMS parameters,
 *   FOREST.trees trees of depth at most FOREST.maxDepth, PERMUTATION_REPEATS shuffles per parameter.
 * - The note: no importance is computed below MIN_RUNS runs with the target (a forest of 9 runs
 *   ranks noise), and the ranking is called unreliable with fewer runs than RUNS_PER_PARAMETER
 *   times the parameters analysed, or when the forest predicts no better than the mean.
 */
import { pearson, spearman } from './correlation.ts';
import { createRandom, deriveSeed, permutation } from './random.ts';
import { fitForest, permutationImportance, type Dataset } from './random-forest.ts';

export type ParamValue = number | string | boolean | null;

export interface RunRow {
	params: Record<string, ParamValue>;
	target: number | null;
}

export const MAX_RUNS = 5000;
export const MAX_FOREST_RUNS = 2000;
export const MAX_PARAMS = 50;
export const MIN_RUNS = 10;
export const RUNS_PER_PARAMETER = 2;
export const LOG_RANGE = 100;
export const FOREST = { trees: 64, maxDepth: 8, minLeaf: 2 } as const;
export const PERMUTATION_REPEATS = 3;
export const DEFAULT_SEED = 15;

export type ParameterKind = 'numeric' | 'log' | 'boolean' | 'categorical';

export interface ParameterImportance {
	key: string;
	kind: ParameterKind;
	pearson: number | null;
	spearman: number | null;
	/** The parameter's share of the forest's permutation importance (the shares sum to 1); null when no forest was fitted. */
	importance: number | null;
	/** Runs with both the target and this parameter. */
	runsUsed: number;
}

export interface LeftOut {
	key: string;
	reason: 'constant' | 'absent';
}

export interface ImportanceAnalysis {
	/** By importance, then by |Spearman|, then by key. */
	parameters: ParameterImportance[];
	leftOut: LeftOut[];
	/** Runs with a finite target (after the MAX_RUNS sample). */
	runsUsed: number;
	runsWithoutTarget: number;
	/** Runs the forest was fitted on; 0 when none was. */
	forestRuns: number;
	/** How much of the target's variance the forest predicts on runs it did not train on. */
	outOfBagR2: number | null;
	/** Why the numbers say little, when they do. */
	note: string | null;
}

export interface ImportanceOptions {
	/** The parameters to analyse (default: every one the runs have, the most common first). */
	params?: string[];
	seed?: number;
}

export function analyseImportance(rows: RunRow[], options: ImportanceOptions = {}): ImportanceAnalysis {
	const seed = options.seed ?? DEFAULT_SEED;
	const withTarget = rows.filter((row) => typeof row.target === 'number' && Number.isFinite(row.target));
	const runs = sample(withTarget, MAX_RUNS, deriveSeed(seed, 'runs'));
	const targets = Float64Array.from(runs, (run) => run.target as number);
	const requested = options.params ? [...new Set(options.params)] : keysByFrequency(runs);
	const keys = requested.slice(0, MAX_PARAMS);

	const leftOut: LeftOut[] = [];
	const encoded: EncodedParameter[] = [];
	for (const key of keys) {
		const parameter = encodeParameter(key, runs, targets);
		if (parameter.runsUsed === 0) leftOut.push({ key, reason: 'absent' });
		else if (parameter.distinct < 2) leftOut.push({ key, reason: 'constant' });
		else encoded.push(parameter);
	}

	const forest =
		runs.length >= MIN_RUNS && encoded.length > 0 ? forestImportance(encoded, targets, seed) : null;
	const parameters = encoded
		.map((parameter, f): ParameterImportance => ({
			key: parameter.key,
			kind: parameter.kind,
			pearson: parameter.correlationValues ? pearson(parameter.correlationValues, targets) : null,
			spearman: parameter.correlationValues ? spearman(parameter.correlationValues, targets) : null,
			importance: forest ? forest.shares[f] : null,
			runsUsed: parameter.runsUsed
		}))
		.sort(byImportance);

	return {
		parameters,
		leftOut,
		runsUsed: runs.length,
		runsWithoutTarget: rows.length - withTarget.length,
		forestRuns: forest?.runs ?? 0,
		outOfBagR2: forest?.outOfBagR2 ?? null,
		note: noteFor({
			runs: runs.length,
			targetVaries: targets.some((target) => target !== targets[0]),
			analysed: encoded.length,
			beyondLimit: requested.length > MAX_PARAMS,
			forest
		})
	};
}

/** At most `limit` items, a seeded choice kept in their original order. */
function sample<T>(items: T[], limit: number, seed: number): T[] {
	if (items.length <= limit) return items;
	const chosen = permutation(items.length, createRandom(seed)).subarray(0, limit).sort();
	return Array.from(chosen, (index) => items[index]);
}

/** Every key the runs have, the most common first, then by code point. */
function keysByFrequency(runs: RunRow[]): string[] {
	const counts = new Map<string, number>();
	for (const run of runs) {
		for (const key of Object.keys(run.params)) counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	return [...counts]
		.sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
		.map(([key]) => key);
}

interface EncodedParameter {
	key: string;
	kind: ParameterKind;
	/** What the trees see: a finite value for every run (missing ones encoded, see above). */
	forestValues: Float64Array;
	/** What the correlations see (NaN where missing); null for categories. */
	correlationValues: Float64Array | null;
	runsUsed: number;
	/** Distinct values the trees see. */
	distinct: number;
}

function encodeParameter(key: string, runs: RunRow[], targets: Float64Array): EncodedParameter {
	const values = runs.map((run) => {
		const value = Object.hasOwn(run.params, key) ? run.params[key] : null;
		return typeof value === 'number' && !Number.isFinite(value) ? null : value;
	});
	const present = values.filter((value) => value !== null);
	const encoded = present.every((value) => typeof value === 'number')
		? encodeNumbers(values as (number | null)[])
		: present.every((value) => typeof value === 'boolean')
			? encodeBooleans(values as (boolean | null)[])
			: encodeCategories(values, targets);
	return {
		key,
		...encoded,
		runsUsed: present.length,
		distinct: new Set(encoded.forestValues).size
	};
}

type Encoding = Pick<EncodedParameter, 'kind' | 'forestValues' | 'correlationValues'>;

function encodeNumbers(values: (number | null)[]): Encoding {
	const present = values.filter((value) => value !== null);
	const low = Math.min(...present);
	const high = Math.max(...present);
	const kind = isLogDistributed(present, low, high) ? 'log' : 'numeric';
	const missing = low - Math.max(1, high - low);
	return {
		kind,
		forestValues: Float64Array.from(values, (value) => value ?? missing),
		correlationValues: Float64Array.from(values, (value) =>
			value === null ? NaN : kind === 'log' ? Math.log10(value) : value
		)
	};
}

/**
 * Positive values spanning at least LOG_RANGE whose median sits nearer the middle of their range
 * on a log scale than on a linear one: a grid 1e-4, 1e-3, 1e-2 or a log-uniform draw is log; a
 * uniform draw from 0.001..1 (median ≈ 0.5, the linear middle) stays linear.
 */
function isLogDistributed(values: number[], low: number, high: number): boolean {
	if (!(low > 0) || high / low < LOG_RANGE) return false;
	const sorted = [...values].sort((a, b) => a - b);
	const middle = sorted.length / 2;
	const median = sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
	const linearPosition = (median - low) / (high - low);
	const logPosition = Math.log(median / low) / Math.log(high / low);
	return Math.abs(logPosition - 0.5) < Math.abs(linearPosition - 0.5);
}

function encodeBooleans(values: (boolean | null)[]): Encoding {
	return {
		kind: 'boolean',
		forestValues: Float64Array.from(values, (value) => (value === null ? -1 : Number(value))),
		correlationValues: Float64Array.from(values, (value) => (value === null ? NaN : Number(value)))
	};
}

/** Each category (missing included) becomes its rank by mean target; ties by label. */
function encodeCategories(values: ParamValue[], targets: Float64Array): Encoding {
	// Typed labels: the string "1" and the number 1 are different categories.
	const labels = values.map((value) => (value === null ? 'missing' : `${typeof value}:${String(value)}`));
	const totals = new Map<string, { sum: number; count: number }>();
	labels.forEach((label, i) => {
		const total = totals.get(label) ?? { sum: 0, count: 0 };
		total.sum += targets[i];
		total.count += 1;
		totals.set(label, total);
	});
	const meanOf = (label: string) => totals.get(label)!.sum / totals.get(label)!.count;
	const ordered = [...totals.keys()].sort((a, b) => meanOf(a) - meanOf(b) || (a < b ? -1 : a > b ? 1 : 0));
	const rank = new Map(ordered.map((label, index) => [label, index]));
	return {
		kind: 'categorical',
		forestValues: Float64Array.from(labels, (label) => rank.get(label)!),
		correlationValues: null
	};
}

interface ForestResult {
	/** Per analysed parameter: its share of the (non-negative) importance; all 0 when none helps. */
	shares: number[];
	runs: number;
	outOfBagR2: number | null;
}

function forestImportance(parameters: EncodedParameter[], targets: Float64Array, seed: number): ForestResult {
	const all = Array.from(targets, (_, i) => i);
	const rows = sample(all, MAX_FOREST_RUNS, deriveSeed(seed, 'forest runs'));
	const data: Dataset = {
		columns: parameters.map((parameter) => Float64Array.from(rows, (i) => parameter.forestValues[i])),
		target: Float64Array.from(rows, (i) => targets[i])
	};
	const forest = fitForest(data, { ...FOREST, seed });
	const { increases, outOfBagR2 } = permutationImportance(forest, data, {
		repeats: PERMUTATION_REPEATS,
		seed
	});
	// Shuffling a useless parameter can help by chance (a negative increase): it counts as none.
	const gains = increases.map((increase) => Math.max(0, increase));
	const total = gains.reduce((sum, gain) => sum + gain, 0);
	return { shares: gains.map((gain) => (total > 0 ? gain / total : 0)), runs: rows.length, outOfBagR2 };
}

function byImportance(a: ParameterImportance, b: ParameterImportance): number {
	const importance = (p: ParameterImportance) => p.importance ?? -1;
	const strength = (p: ParameterImportance) => (p.spearman === null ? -1 : Math.abs(p.spearman));
	return (
		importance(b) - importance(a) || strength(b) - strength(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
	);
}

function noteFor(facts: {
	runs: number;
	targetVaries: boolean;
	analysed: number;
	beyondLimit: boolean;
	forest: ForestResult | null;
}): string | null {
	const notes: string[] = [];
	if (facts.runs < MIN_RUNS) {
		notes.push(
			facts.runs === 0
				? 'No run has a value for the target.'
				: `Only ${facts.runs} ${facts.runs === 1 ? 'run has' : 'runs have'} a value for the target; importance needs at least ${MIN_RUNS}.`
		);
	} else if (!facts.targetVaries) {
		notes.push('The target has the same value in every run, so no parameter can explain it.');
	} else if (facts.analysed === 0) {
		notes.push('Every parameter has the same value in every run (or none), so there is nothing to rank.');
	} else if (facts.runs < RUNS_PER_PARAMETER * facts.analysed) {
		notes.push(
			`${facts.runs} runs for ${facts.analysed} parameters is too few to rank them reliably; aim for at least ${RUNS_PER_PARAMETER * facts.analysed} runs, or analyse fewer parameters.`
		);
	} else if (facts.forest && (facts.forest.outOfBagR2 === null || facts.forest.outOfBagR2 <= 0)) {
		notes.push(
			'The parameters do not predict the target on runs left out of training (out-of-bag R² ≤ 0), so the ranking is not meaningful.'
		);
	}
	if (facts.beyondLimit) {
		notes.push(
			`More than ${MAX_PARAMS} parameters: only the first ${MAX_PARAMS} were analysed (the most common ones, unless they were listed).`
		);
	}
	return notes.length > 0 ? notes.join(' ') : null;
}
