/**
 * Turning what a source calls things into what the server accepts. Metric names keep to letters,
 * digits and `_ - . /` (at most 100): TensorBoard tags and MLflow keys may hold spaces, colons or
 * brackets, so every run of other characters becomes `_` and the renaming is reported. Labels
 * (experiment names, tags, hyperparameter keys) and free text are checked with the SDK's own
 * rules; what cannot be sent is left out and reported rather than failing the whole run.
 */
import {
	LABEL_FORBIDDEN,
	MAX_EXPERIMENT_NAME_LENGTH,
	MAX_HYPERPARAM_KEY_LENGTH,
	MAX_HYPERPARAM_VALUE_LENGTH,
	MAX_NAME_LENGTH,
	MAX_TAG_LENGTH,
	NAME_PATTERN,
	TEXT_FORBIDDEN
} from '../validation.js';
import type { HyperparamValue } from '../wire.js';

export const MAX_TAGS = 50;
export const MAX_HYPERPARAMS = 500;
export const MAX_PROJECT_NAME_LENGTH = 100;
export const MAX_IMPORT_KEY_LENGTH = 200;
export const MAX_NOTES_LENGTH = 100_000;

/** A metric name the server accepts, made from any source name ('' when nothing is left). */
export function metricName(source: string): string {
	if (source.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(source)) return source;
	return source.replace(/[^A-Za-z0-9_\-./]+/g, '_').slice(0, MAX_NAME_LENGTH);
}

const codePoints = (value: string) => [...value];

/** At most `max` code points (the server counts code points). */
export function cut(value: string, max: number): string {
	const points = codePoints(value);
	return points.length <= max ? value : points.slice(0, max).join('');
}

/** A one-line label: control characters become spaces, then trimmed and cut to `max`. */
export function label(value: string, max: number): string {
	return cut(value.replace(new RegExp(LABEL_FORBIDDEN.source, 'gu'), ' ').trim(), max);
}

export const experimentName = (value: string) => label(value, MAX_EXPERIMENT_NAME_LENGTH) || 'imported run';
export const projectName = (value: string) => label(value, MAX_PROJECT_NAME_LENGTH);

/** An import key the server takes: long source ids keep their end, which is the distinctive part. */
export function importKey(kind: string, id: string): string {
	const key = `${kind}:${id.replace(new RegExp(LABEL_FORBIDDEN.source, 'gu'), '_')}`;
	const points = codePoints(key);
	if (points.length <= MAX_IMPORT_KEY_LENGTH) return key.trim();
	return `${kind}:…${points.slice(points.length - (MAX_IMPORT_KEY_LENGTH - kind.length - 2)).join('')}`;
}

/** Free text (notes, descriptions): refused characters removed, cut to `max`. */
export function text(value: string, max: number): string {
	return cut(value.replace(new RegExp(TEXT_FORBIDDEN.source, 'g'), ''), max);
}

/**
 * A hyperparameter from a source's text value: numbers and booleans as such (`1e-05` → 0.00001,
 * `True` → true), other text as it is. Text with a leading zero (`007`) stays text.
 */
export function hyperparamValue(raw: string): HyperparamValue {
	const trimmed = raw.trim();
	if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(trimmed) || /^-?\.\d+([eE][-+]?\d+)?$/.test(trimmed)) {
		const number = Number(trimmed);
		if (Number.isFinite(number)) return number;
	}
	if (trimmed === 'True' || trimmed === 'true') return true;
	if (trimmed === 'False' || trimmed === 'false') return false;
	return raw;
}

export interface Hyperparam {
	key: string;
	value: HyperparamValue;
}

/** Why a hyperparameter cannot be sent, or null. */
export function hyperparamProblem(key: string, value: HyperparamValue): string | null {
	if (key.trim() === '' || LABEL_FORBIDDEN.test(key)) return 'a hyperparameter key with control characters';
	if (codePoints(key.trim()).length > MAX_HYPERPARAM_KEY_LENGTH)
		return `a hyperparameter key over ${MAX_HYPERPARAM_KEY_LENGTH} characters`;
	if (typeof value === 'string') {
		if (codePoints(value).length > MAX_HYPERPARAM_VALUE_LENGTH)
			return `a hyperparameter value over ${MAX_HYPERPARAM_VALUE_LENGTH} characters`;
		if (TEXT_FORBIDDEN.test(value) || value.includes('\0'))
			return 'a hyperparameter value with control characters';
	}
	return null;
}

/** A tag (one line, at most 50 characters), or null when it cannot be one. */
export function tag(value: string): string | null {
	const trimmed = value.trim();
	if (trimmed === '' || LABEL_FORBIDDEN.test(trimmed) || codePoints(trimmed).length > MAX_TAG_LENGTH)
		return null;
	return trimmed;
}
