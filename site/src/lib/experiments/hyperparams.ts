import type { Experiment, HyperparamValue } from '$contracts/experiments';

/** "a, b,,c" → ["a", "b", "c"], dropping repeats that differ only in case (as the API does). */
export function parseTags(text: string): string[] {
	const seen = new Set<string>();
	return text
		.split(',')
		.map((tag) => tag.trim())
		.filter((tag) => {
			const folded = tag.toLowerCase();
			if (!tag || seen.has(folded)) return false;
			seen.add(folded);
			return true;
		});
}

export function formatNumber(value: number): string {
	if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
	const abs = Math.abs(value);
	if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3).replace(/\.?0+e/, 'e');
	return String(Number(value.toPrecision(5)));
}

export function formatValue(value: HyperparamValue | null | undefined): string {
	if (value === undefined || value === null) return '—';
	if (typeof value === 'number') return formatNumber(value);
	return String(value);
}

export interface HyperparamRow {
	key: string;
	/** One per experiment, undefined where that experiment lacks the key. */
	values: (HyperparamValue | undefined)[];
	/** Not the same value (and type) everywhere, counting a missing key as a difference. */
	differs: boolean;
}

/** Rows = keys in order of first appearance, columns = the experiments given. */
export function hyperparamRows(experiments: Pick<Experiment, 'hyperparams'>[]): HyperparamRow[] {
	const keys: string[] = [];
	const maps = experiments.map((experiment) => {
		const map = new Map<string, HyperparamValue>();
		for (const { key, value } of experiment.hyperparams) {
			if (!map.has(key)) map.set(key, value);
		}
		return map;
	});
	const known = new Set<string>();
	for (const map of maps) {
		for (const key of map.keys()) {
			if (!known.has(key)) {
				known.add(key);
				keys.push(key);
			}
		}
	}
	return keys.map((key) => {
		const values = maps.map((map) => map.get(key));
		const first = values[0];
		const differs = values.some((value) => value !== first);
		return { key, values, differs };
	});
}
