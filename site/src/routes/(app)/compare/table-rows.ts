/** The hyperparameter table's rows: a row per key, a value per run (undefined where it has none). */
import type { Experiment, HyperparamValue } from '$contracts/experiments';
import { formatKey } from '$contracts/query/ast';

export interface Row {
	/** The query-language key (`hp.lr`, `result.accuracy`): what the table sorts by. */
	key: string;
	label: string;
	values: (HyperparamValue | undefined)[];
	/** Whether some run's value differs from the first run's. */
	differs: boolean;
}

/**
 * Hyperparameters in the order the runs first name them (a run's first value of a key wins, as
 * the run page shows it); results by name.
 */
export function tableRows(experiments: readonly Experiment[], kind: 'hp' | 'result'): Row[] {
	const entries = (e: Experiment) =>
		kind === 'hp'
			? e.hyperparams.map((h) => [h.key, h.value] as const)
			: e.results.map((r) => [r.name, r.value] as const);
	const names: string[] = [];
	const seen = new Set<string>();
	const maps = experiments.map((e) => {
		const map = new Map<string, HyperparamValue>();
		for (const [name, value] of entries(e)) {
			if (!map.has(name)) map.set(name, value);
			if (!seen.has(name)) {
				seen.add(name);
				names.push(name);
			}
		}
		return map;
	});
	if (kind === 'result') names.sort((a, b) => a.localeCompare(b));
	return names.map((name) => {
		const values = maps.map((map) => map.get(name));
		return {
			key: formatKey({ kind, name }),
			label: name,
			values,
			differs: values.some((v) => v !== values[0])
		};
	});
}
