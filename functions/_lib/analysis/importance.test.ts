import { describe, expect, it } from 'vitest';
import {
	analyseImportance,
	MAX_FOREST_RUNS,
	MAX_PARAMS,
	MAX_RUNS,
	MIN_RUNS,
	type ImportanceAnalysis,
	type ParamValue,
	type RunRow
} from './importance.ts';
import { createRandom } from './random.ts';

/** `n` runs made by `make(random, i)`, from a fixed seed. */
function runs(n: number, make: (next: () => number, i: number) => RunRow, seed = 9): RunRow[] {
	const random = createRandom(seed);
	return Array.from({ length: n }, (_, i) => make(() => random.next(), i));
}

const byKey = (analysis: ImportanceAnalysis) =>
	Object.fromEntries(analysis.parameters.map((parameter) => [parameter.key, parameter]));
const ranking = (analysis: ImportanceAnalysis) => analysis.parameters.map((parameter) => parameter.key);

/** target = 3·x1 + noise; x2 irrelevant. */
const linear = runs(200, (next) => {
	const x1 = next();
	const x2 = next();
	return { params: { x1, x2 }, target: 3 * x1 + 0.1 * (next() - 0.5) };
});

describe('hyperparameter importance', () => {
	it('ranks the parameter the target depends on first, with most of the importance', () => {
		const analysis = analyseImportance(linear);
		expect(ranking(analysis)).toEqual(['x1', 'x2']);
		const { x1, x2 } = byKey(analysis);
		expect(x1.importance).toBeGreaterThan(0.95);
		expect(x1.importance! + x2.importance!).toBeCloseTo(1, 12);
		expect(x1.pearson).toBeGreaterThan(0.99);
		expect(x1.spearman).toBeGreaterThan(0.99);
		expect(Math.abs(x2.pearson!)).toBeLessThan(0.2);
		expect(x1).toMatchObject({ kind: 'numeric', runsUsed: 200 });
		expect(analysis).toMatchObject({ runsUsed: 200, runsWithoutTarget: 0, forestRuns: 200, note: null });
		expect(analysis.outOfBagR2).toBeGreaterThan(0.95);
	});

	it('finds a categorical parameter that decides the target, in any order of its categories', () => {
		// rmsprop is worst, adam best, sgd between: not alphabetical, not monotone in any label order.
		const effect: Record<string, number> = { adam: 0.9, rmsprop: 0.4, sgd: 0.7 };
		const rows = runs(150, (next, i) => {
			const optimizer = ['sgd', 'adam', 'rmsprop'][i % 3];
			return {
				params: { optimizer, dropout: next() * 0.5, seed: i },
				target: effect[optimizer] + 0.02 * next()
			};
		});
		const analysis = analyseImportance(rows);
		expect(ranking(analysis)[0]).toBe('optimizer');
		const { optimizer } = byKey(analysis);
		expect(optimizer.importance).toBeGreaterThan(0.9);
		// Categories have no order: no correlation is claimed.
		expect(optimizer).toMatchObject({ kind: 'categorical', pearson: null, spearman: null, runsUsed: 150 });
	});

	it('finds an interaction that no correlation shows', () => {
		// target = 1 when exactly one of a, b is above 0.5 (XOR): each alone says nothing.
		const rows = runs(400, (next) => {
			const [a, b, c] = [next(), next(), next()];
			return { params: { a, b, c }, target: (a > 0.5 !== b > 0.5 ? 1 : 0) + 0.1 * next() };
		});
		const analysis = analyseImportance(rows);
		const { a, b, c } = byKey(analysis);
		expect(ranking(analysis).slice(0, 2).sort()).toEqual(['a', 'b']);
		expect(a.importance).toBeGreaterThan(0.3);
		expect(b.importance).toBeGreaterThan(0.3);
		expect(c.importance).toBeLessThan(0.05);
		expect(Math.abs(a.pearson!)).toBeLessThan(0.2);
		expect(Math.abs(b.pearson!)).toBeLessThan(0.2);
	});

	it('gives the same answer for the same seed, and the same ranking for another', () => {
		const rows = runs(200, (next) => {
			const [lr, wd, dropout] = [10 ** (-5 + 4 * next()), next(), next()];
			return { params: { lr, wd, dropout }, target: -Math.log10(lr) + 0.5 * wd + 0.05 * next() };
		});
		expect(analyseImportance(rows, { seed: 3 })).toEqual(analyseImportance(rows, { seed: 3 }));
		const other = analyseImportance(rows, { seed: 4 });
		expect(other).not.toEqual(analyseImportance(rows, { seed: 3 }));
		expect(ranking(other)).toEqual(['lr', 'wd', 'dropout']);
		expect(ranking(analyseImportance(rows, { seed: 3 }))).toEqual(['lr', 'wd', 'dropout']);
	});

	it('drops runs without a finite target and counts them', () => {
		const broken: RunRow[] = [
			{ params: { x1: 0.5, x2: 0.5 }, target: NaN },
			{ params: { x1: 0.5, x2: 0.5 }, target: Infinity },
			{ params: { x1: 0.5, x2: 0.5 }, target: -Infinity },
			{ params: { x1: 0.5, x2: 0.5 }, target: null }
		];
		const analysis = analyseImportance([...broken, ...linear]);
		expect(analysis).toMatchObject({ runsUsed: 200, runsWithoutTarget: 4 });
		// The good runs alone give exactly the same analysis.
		expect({ ...analysis, runsWithoutTarget: 0 }).toEqual(analyseImportance(linear));
	});

	it('says when there are too few runs, and ranks nothing below MIN_RUNS', () => {
		const few = analyseImportance(linear.slice(0, MIN_RUNS - 1));
		expect(few.note).toBe(`Only 9 runs have a value for the target; importance needs at least ${MIN_RUNS}.`);
		expect(few.forestRuns).toBe(0);
		expect(few.parameters.map((parameter) => parameter.importance)).toEqual([null, null]);
		// Correlations are still the exact statistics of those runs.
		expect(byKey(few).x1.pearson).toBeGreaterThan(0.9);
		expect(analyseImportance([]).note).toBe('No run has a value for the target.');
		expect(analyseImportance(linear.slice(0, 1)).note).toMatch(/^Only 1 run has a value/);

		// 12 runs, 10 varying parameters: fewer than two runs per parameter.
		const wide = runs(12, (next) => ({
			params: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`p${k}`, next()])),
			target: next()
		}));
		expect(analyseImportance(wide).note).toBe(
			'12 runs for 10 parameters is too few to rank them reliably; aim for at least 20 runs, or analyse fewer parameters.'
		);
	});

	it('says when the parameters predict nothing', () => {
		const noise = runs(100, (next) => ({ params: { a: next(), b: next() }, target: next() }));
		const analysis = analyseImportance(noise);
		expect(analysis.outOfBagR2).toBeLessThanOrEqual(0);
		expect(analysis.note).toMatch(/do not predict the target.*not meaningful/);
		const flat = analyseImportance(linear.map((run) => ({ ...run, target: 1 })));
		expect(flat.note).toBe('The target has the same value in every run, so no parameter can explain it.');
	});

	it('leaves out constant and absent parameters, and says when nothing is left', () => {
		const rows = linear.map((run) => ({ ...run, params: { ...run.params, epochs: 10, model: 'resnet' } }));
		const analysis = analyseImportance(rows, { params: ['x1', 'epochs', 'model', 'nowhere'] });
		expect(ranking(analysis)).toEqual(['x1']);
		expect(analysis.leftOut).toEqual([
			{ key: 'epochs', reason: 'constant' },
			{ key: 'model', reason: 'constant' },
			{ key: 'nowhere', reason: 'absent' }
		]);
		expect(byKey(analysis).x1.importance).toBe(1);
		const nothing = analyseImportance(rows, { params: ['epochs'] });
		expect(nothing.parameters).toEqual([]);
		expect(nothing.note).toMatch(/^Every parameter has the same value/);
	});

	it('uses only runs with the value for correlations, and lets trees split on "missing"', () => {
		// Runs without `warmup` do badly; among the others the target does not depend on it.
		const rows = runs(200, (next, i) => {
			const params: Record<string, ParamValue> = { noise: next() };
			if (i % 2 === 0) params.warmup = Math.round(next() * 1000);
			else if (i % 4 === 1) params.warmup = null;
			return { params, target: (i % 2 === 0 ? 1 : 0) + 0.05 * next() };
		});
		const analysis = analyseImportance(rows);
		const { warmup } = byKey(analysis);
		expect(ranking(analysis)[0]).toBe('warmup');
		expect(warmup.runsUsed).toBe(100);
		expect(warmup.importance).toBeGreaterThan(0.9);
		expect(Math.abs(warmup.pearson!)).toBeLessThan(0.3);
	});

	it('encodes booleans as 0/1 and log-distributed numbers on a log scale for Pearson', () => {
		const grid = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1];
		const rows = runs(100, (next, i) => {
			const lr = grid[i % 5];
			const uniform = 0.001 + next();
			const flag = i % 2 === 0;
			return { params: { lr, uniform, flag }, target: -Math.log10(lr) + (flag ? 0.5 : 0) + 0.01 * next() };
		});
		const { lr, uniform, flag } = byKey(analyseImportance(rows));
		expect(lr.kind).toBe('log');
		// On log10(lr) the target is a line (up to the flag and noise), so r is close to −1; on lr
		// itself (1e-5 … 0.1) r would be far weaker.
		expect(lr.pearson).toBeLessThan(-0.97);
		expect(uniform.kind).toBe('numeric');
		expect(flag.kind).toBe('boolean');
		expect(flag.pearson).toBeGreaterThan(0.1);
	});

	it(`samples at most ${MAX_RUNS} runs, and fits the forest on at most ${MAX_FOREST_RUNS}`, () => {
		const many = runs(MAX_RUNS + 100, (next) => {
			const x = next();
			return { params: { x, y: next() }, target: x + 0.01 * next() };
		});
		const analysis = analyseImportance(many);
		expect(analysis).toMatchObject({ runsUsed: MAX_RUNS, forestRuns: MAX_FOREST_RUNS, runsWithoutTarget: 0 });
		expect(ranking(analysis)).toEqual(['x', 'y']);
		expect(byKey(analysis).x.runsUsed).toBe(MAX_RUNS);
	});

	it(`analyses at most ${MAX_PARAMS} parameters, the most common first, and says so`, () => {
		const rows = runs(120, (next, i) => {
			const params: Record<string, ParamValue> = {};
			for (let k = 0; k < MAX_PARAMS + 5; k++) params[`p${String(k).padStart(2, '0')}`] = next();
			// `rare` is in a quarter of the runs only: the least common, so the first left out.
			if (i % 4 === 0) params.rare = next();
			return { params, target: params.p00 as number };
		});
		const analysis = analyseImportance(rows);
		expect(analysis.parameters.length + analysis.leftOut.length).toBe(MAX_PARAMS);
		expect(ranking(analysis)).not.toContain('rare');
		expect(ranking(analysis)[0]).toBe('p00');
		expect(analysis.note).toContain(`only the first ${MAX_PARAMS} were analysed`);
	});
});
