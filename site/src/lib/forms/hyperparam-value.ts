/**
 * A hyperparameter value typed into a form. What the user typed is kept unless they pick a type:
 * `007` or `1e-3` would silently become 7 or 0.001 as numbers, so such values stay text until
 * "number" is chosen, and the form says how each value will be stored before it is saved.
 */
import type { HyperparamValue } from '$contracts/experiments';
import { hyperparamKeyProblem, hyperparamTextProblem, quote, tooManyHyperparams } from './rules';

export type ValueType = 'auto' | 'text' | 'number';

export interface TypedValue {
	value?: HyperparamValue;
	problem?: string;
	/** "will be stored as number 7", shown beside the input. */
	stored: string;
	/** A number the text reads as, when it is stored as text: the type a toggle would switch to. */
	asNumber?: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The finite number `text` spells, if any. */
function readNumber(text: string): number | undefined {
	if (!NUMBER.test(text)) return undefined;
	const value = Number(text);
	return Number.isFinite(value) ? value : undefined;
}

function describe(value: HyperparamValue): string {
	if (typeof value === 'string') return `will be stored as text ${quote(value)}`;
	return `will be stored as ${typeof value} ${String(value)}`;
}

export function typedValue(text: string, type: ValueType): TypedValue {
	const trimmed = text.trim();
	if (type === 'number') {
		const value = readNumber(trimmed);
		if (value === undefined) return { problem: `${quote(trimmed)} is not a finite number`, stored: '' };
		return { value, stored: describe(value) };
	}
	const number = readNumber(trimmed);
	if (type === 'auto') {
		// A number only when it reads back exactly as typed; true/false as booleans.
		if (number !== undefined && String(number) === trimmed)
			return { value: number, stored: describe(number) };
		if (trimmed === 'true' || trimmed === 'false')
			return { value: trimmed === 'true', stored: describe(trimmed === 'true') };
	}
	const value = type === 'text' ? text : trimmed;
	const problem = hyperparamTextProblem(value);
	if (problem) return { problem, stored: '' };
	return { value, stored: describe(value), asNumber: number };
}

export interface HyperparamRow {
	key: string;
	value: string;
	type: ValueType;
}

export interface HyperparamBuild {
	hyperparams: { key: string; value: HyperparamValue }[];
	/** Messages by row index. */
	errors: Record<number, string>;
	/** A problem of the list as a whole (too many entries). */
	listProblem?: string;
}

/** The form's rows as the API wants them; fully blank rows are left out. */
export function buildHyperparams(rows: HyperparamRow[]): HyperparamBuild {
	const hyperparams: HyperparamBuild['hyperparams'] = [];
	const errors: Record<number, string> = {};
	const seen = new Set<string>();
	rows.forEach((row, index) => {
		const key = row.key.trim();
		if (!key && !row.value.trim()) return;
		const typed = typedValue(row.value, row.type);
		const problem = key
			? (hyperparamKeyProblem(key) ??
				(seen.has(key) ? `hyperparameter ${quote(key)} is used twice` : typed.problem))
			: 'give this value a name';
		if (problem) errors[index] = problem;
		else hyperparams.push({ key, value: typed.value! });
		seen.add(key);
	});
	return { hyperparams, errors, listProblem: tooManyHyperparams(hyperparams.length) };
}
