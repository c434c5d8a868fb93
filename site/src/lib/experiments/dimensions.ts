import type { Experiment, HyperparamValue } from '$contracts/experiments';

/** Something to plot per experiment: a hyperparameter or a result. */
export interface Field {
	kind: 'hp' | 'result';
	name: string;
}

export function fieldKey(field: Field): string {
	return `${field.kind}:${field.name}`;
}

export function parseFieldKey(key: string): Field | undefined {
	const colon = key.indexOf(':');
	const kind = key.slice(0, colon);
	const name = key.slice(colon + 1);
	return (kind === 'hp' || kind === 'result') && name ? { kind, name } : undefined;
}

export function fieldValue(experiment: Experiment, field: Field): HyperparamValue | undefined {
	if (field.kind === 'result') return experiment.results.find((r) => r.name === field.name)?.value;
	return experiment.hyperparams.find((h) => h.key === field.name)?.value;
}

export function numericValue(experiment: Experiment, field: Field): number | undefined {
	const value = fieldValue(experiment, field);
	return typeof value === 'number' ? value : undefined;
}

/**
 * Hyperparameter keys whose values are numbers wherever they are set (and set in at least two
 * experiments), those that vary first; for axes that need a numeric scale.
 */
export function numericHyperparamKeys(experiments: Experiment[]): { key: string; varies: boolean }[] {
	const values = new Map<string, HyperparamValue[]>();
	for (const experiment of experiments) {
		for (const { key, value } of experiment.hyperparams) {
			const list = values.get(key) ?? [];
			list.push(value);
			values.set(key, list);
		}
	}
	return [...values]
		.filter(([, list]) => list.length >= 2 && list.every((v) => typeof v === 'number'))
		.map(([key, list]) => ({ key, varies: new Set(list).size > 1 }))
		.sort((a, b) => Number(b.varies) - Number(a.varies));
}

export function resultNames(experiments: Experiment[]): string[] {
	return [...new Set(experiments.flatMap((e) => e.results.map((r) => r.name)))].sort((a, b) =>
		a.localeCompare(b)
	);
}

export function hyperparamKeys(experiments: Experiment[]): string[] {
	return [...new Set(experiments.flatMap((e) => e.hyperparams.map((h) => h.key)))];
}
