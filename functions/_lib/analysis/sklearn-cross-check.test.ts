/**
 * Our forest against scikit-learn's: on datasets whose answer is clear, RandomForestRegressor with
 * permutation_importance must rank the parameters exactly as analyseImportance does. Only the
 * ranking is compared: the two forests draw different random numbers, and sklearn permutes on a
 * held-out split where we use out-of-bag runs, so the values differ.
 *
 * Runs Debian's python3 with python3-sklearn (CI installs the Debian package). Without it this
 * test fails, saying what to install: it is never skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseImportance, type RunRow } from './importance.ts';
import { createRandom } from './random.ts';

const PYTHONS = ['/usr/bin/python3', 'python3'];

/** The first python that can import sklearn. */
function findPython(): string {
	for (const python of PYTHONS) {
		const probe = spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' });
		if (probe.status === 0) return python;
	}
	throw new Error(
		`Neither ${PYTHONS.join(' nor ')} can import sklearn; install it with \`apt-get install python3-sklearn\`.`
	);
}

/**
 * Reads the datasets, fits a forest shaped like ours (64 trees, depth 8, leaves of 2, a third of
 * the features per split) on 70 % of each, permutes on the other 30 %, prints each dataset's
 * feature names from most to least important. Strings are coded as integers in order of first
 * appearance (no order by target: sklearn's trees must find the groups themselves).
 */
const SCRIPT = `
import json, sys
import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.inspection import permutation_importance
from sklearn.model_selection import train_test_split

datasets = json.load(open(sys.argv[1]))
rankings = {}
for name, dataset in datasets.items():
    keys = dataset["keys"]
    columns = []
    for key in keys:
        values = [run["params"][key] for run in dataset["runs"]]
        if any(isinstance(value, str) for value in values):
            codes = {}
            values = [codes.setdefault(value, len(codes)) for value in values]
        columns.append(values)
    X = np.array(columns, dtype=float).T
    y = np.array([run["target"] for run in dataset["runs"]], dtype=float)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    forest = RandomForestRegressor(
        n_estimators=64, max_depth=8, min_samples_leaf=2, max_features=0.34, random_state=0
    ).fit(X_train, y_train)
    result = permutation_importance(forest, X_test, y_test, n_repeats=10, random_state=0)
    order = np.argsort(-result.importances_mean, kind="stable")
    rankings[name] = [keys[i] for i in order]
print(json.dumps(rankings))
`;

function makeRuns(n: number, make: (next: () => number, i: number) => RunRow): RunRow[] {
	const random = createRandom(21);
	return Array.from({ length: n }, (_, i) => make(() => random.next(), i));
}

const DATASETS: Record<string, { keys: string[]; runs: RunRow[]; expected: string[] }> = {
	// A linear target with three clearly different weights.
	linear: {
		keys: ['x1', 'x2', 'x3'],
		expected: ['x1', 'x2', 'x3'],
		runs: makeRuns(400, (next) => {
			const [x1, x2, x3] = [next(), next(), next()];
			return { params: { x1, x2, x3 }, target: 3 * x1 + x2 + 0.1 * (next() - 0.5) };
		})
	},
	// An optimizer that decides most of the target, a learning rate (log-uniform) that decides some,
	// a seed that decides nothing.
	categorical: {
		keys: ['seed', 'lr', 'optimizer'],
		expected: ['optimizer', 'lr', 'seed'],
		runs: makeRuns(400, (next, i) => {
			const optimizer = ['sgd', 'adam', 'rmsprop', 'adamw'][i % 4];
			const effect: Record<string, number> = { adam: 1, rmsprop: 0, sgd: 0.6, adamw: 1.4 };
			const lr = 10 ** (-5 + 3 * next());
			return {
				params: { seed: i, lr, optimizer },
				target: effect[optimizer] + 0.15 * Math.log10(lr) + 0.05 * next()
			};
		})
	},
	// A curved target: sin of x1 matters most, x2² next, x3 a little, x4 not at all.
	nonlinear: {
		keys: ['x4', 'x3', 'x2', 'x1'],
		expected: ['x1', 'x2', 'x3', 'x4'],
		runs: makeRuns(500, (next) => {
			const [x1, x2, x3, x4] = [next(), next(), next(), next()];
			return {
				params: { x1, x2, x3, x4 },
				target: 2 * Math.sin(3 * x1) + x2 * x2 + 0.5 * x3 + 0.05 * (next() - 0.5)
			};
		})
	}
};

const workDir = mkdtempSync(join(tmpdir(), 'tora-sklearn-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('our importance ranking against scikit-learn', () => {
	it('ranks the parameters of each clear dataset as sklearn does', () => {
		const python = findPython();
		const input = join(workDir, 'datasets.json');
		writeFileSync(input, JSON.stringify(DATASETS));
		const run = spawnSync(python, ['-c', SCRIPT, input], { encoding: 'utf8', timeout: 120_000 });
		if (run.status !== 0) throw new Error(`the sklearn script failed: ${run.stderr || run.error}`);
		const theirs = JSON.parse(run.stdout) as Record<string, string[]>;
		const ours = Object.fromEntries(
			Object.entries(DATASETS).map(([name, dataset]) => [
				name,
				analyseImportance(dataset.runs, { params: dataset.keys }).parameters.map((p) => p.key)
			])
		);
		const expected = Object.fromEntries(Object.entries(DATASETS).map(([name, d]) => [name, d.expected]));
		expect(theirs).toEqual(expected);
		expect(ours).toEqual(theirs);
	});
});
