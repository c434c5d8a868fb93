/**
 * The server's LogEntry rules (functions/_lib/contracts/logs.ts), checked at the call site so a
 * bad value throws where it was logged instead of poisoning a whole batch later. Mirrors
 * sdk/python/tora/_validation.py.
 */
import { ToraValidationError, type ValidationRule } from './errors.js';
import type { HyperparamValue, WireCreateExperiment } from './wire.js';

export const NAME_PATTERN = /^[A-Za-z0-9_\-./]+$/;
export const MAX_NAME_LENGTH = 100;
export const MAX_STEP = Number.MAX_SAFE_INTEGER;
export const MAX_METADATA_BYTES = 10 * 1024;
/** The server's lengths (code points) for experiment fields; tests/support/rule-cases.json keeps them in step. */
export const MAX_EXPERIMENT_NAME_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 10_000;
export const MAX_TAG_LENGTH = 50;
export const MAX_HYPERPARAM_KEY_LENGTH = 100;
export const MAX_HYPERPARAM_VALUE_LENGTH = 1000;
export const MAX_PROJECT_NAME_LENGTH = 100;

export type LogKind = 'metric' | 'result';

const METRIC_METADATA = '{"type":"metric"}';
const RESULT_METADATA = '{"type":"result"}';

function show(value: unknown): string {
	if (typeof value === 'string')
		return JSON.stringify(value.length > 120 ? value.slice(0, 120) + '…' : value);
	if (typeof value === 'bigint') return `${value}n`;
	return String(value);
}

function kindOf(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	return typeof value;
}

export function checkName(name: unknown): string {
	if (typeof name !== 'string') {
		throw new ToraValidationError('name', `metric name must be a string, got ${kindOf(name)}`);
	}
	if (name.length === 0) throw new ToraValidationError('name', 'metric name must not be empty');
	if (name.length > MAX_NAME_LENGTH) {
		throw new ToraValidationError(
			'name',
			`metric name must be at most ${MAX_NAME_LENGTH} characters: ${show(name)}`
		);
	}
	if (!NAME_PATTERN.test(name)) {
		throw new ToraValidationError(
			'name',
			`metric name may contain only letters, digits and _ - . / (got ${show(name)})`
		);
	}
	return name;
}

/** A finite number. A boolean becomes 0/1 (as in the Python SDK); strings are rejected, not parsed. */
export function checkValue(value: unknown, name = 'value'): number {
	if (typeof value === 'number') {
		if (Number.isFinite(value)) return value;
		throw new ToraValidationError('value', `value for ${show(name)} must be a finite number, got ${value}`);
	}
	if (typeof value === 'boolean') return value ? 1 : 0;
	if (typeof value === 'bigint') {
		const number = Number(value);
		if (Number.isFinite(number)) return number;
		throw new ToraValidationError('value', `value for ${show(name)} is too large to be a finite number`);
	}
	throw new ToraValidationError('value', `value for ${show(name)} must be a number, got ${kindOf(value)}`);
}

/** null/undefined (the server assigns the series' next step) or an integer 0 ≤ step ≤ 2^53−1. */
export function checkStep(step: unknown): number | null {
	if (step === null || step === undefined) return null;
	let number: number;
	if (typeof step === 'number') number = step;
	else if (typeof step === 'bigint') number = Number(step);
	else {
		throw new ToraValidationError('step', `step must be an integer >= 0 or null, got ${kindOf(step)}`);
	}
	if (!Number.isInteger(number)) {
		throw new ToraValidationError('step', `step must be an integer >= 0 or null, got ${show(step)}`);
	}
	if (number < 0) throw new ToraValidationError('step', `step must be >= 0, got ${show(step)}`);
	if (number > MAX_STEP) {
		throw new ToraValidationError('step', `step must be at most 2**53-1, got ${show(step)}`);
	}
	return number === 0 ? 0 : number; // -0 → 0
}

function utf8Length(text: string): number {
	// ASCII is the common case and needs no encoder.
	// eslint-disable-next-line no-control-regex
	return /^[\x00-\x7f]*$/.test(text) ? text.length : new TextEncoder().encode(text).byteLength;
}

/** The entry's metadata as compact JSON: the caller's keys plus `type`, at most 10 KB. */
export function encodeMetadata(metadata: unknown, kind: LogKind): string {
	if (metadata === null || metadata === undefined)
		return kind === 'metric' ? METRIC_METADATA : RESULT_METADATA;
	if (typeof metadata !== 'object' || Array.isArray(metadata)) {
		throw new ToraValidationError(
			'metadata',
			`metadata must be a plain object or null, got ${kindOf(metadata)}`
		);
	}
	const record = metadata as Record<string, unknown>;
	if ('type' in record && record.type !== undefined && record.type !== kind) {
		throw new ToraValidationError(
			'metadata',
			`metadata "type" must be "${kind}" here, got ${show(record.type)}`
		);
	}
	let text: string;
	try {
		text = JSON.stringify({ ...record, type: kind }, (_key, value: unknown) => {
			if (typeof value === 'number' && !Number.isFinite(value)) {
				throw new ToraValidationError('metadata', `metadata numbers must be finite, got ${value}`);
			}
			if (typeof value === 'bigint') {
				throw new ToraValidationError('metadata', 'metadata must not contain bigint values');
			}
			return value;
		});
	} catch (error) {
		if (error instanceof ToraValidationError) throw error;
		throw new ToraValidationError(
			'metadata',
			`metadata must be JSON-serializable: ${error instanceof Error ? error.message : String(error)}`
		);
	}
	const size = utf8Length(text);
	if (size > MAX_METADATA_BYTES) {
		throw new ToraValidationError('metadata', `metadata must be at most 10 KB of JSON, got ${size} bytes`);
	}
	return text;
}

/**
 * The server's rules for labels and free text (functions/_lib/contracts/common.ts): a one-line
 * label (experiment name, tag, hyperparameter key) holds no control characters (C0, DEL, C1),
 * line separators or bidi overrides; free text (description, string hyperparameter values) keeps
 * tabs and line breaks (LF or CRLF) and nothing else of the kind.
 */
export const LABEL_FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
// eslint-disable-next-line no-control-regex
export const TEXT_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/;

function codePoint(char: string): string {
	return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Code points, as the server and Python's `len` count, so an emoji counts once. */
const codePoints = (value: string) => [...value].length;

function checkLength(rule: ValidationRule, what: string, value: string, max: number): void {
	if (codePoints(value) > max) {
		throw new ToraValidationError(rule, `${what} must be at most ${max} characters`);
	}
}

/** A label, trimmed as the server trims it; throws naming the field and the character. */
export function checkLabel(rule: ValidationRule, what: string, value: string, max = Infinity): string {
	const trimmed = value.trim();
	checkLength(rule, what, trimmed, max);
	const bad = LABEL_FORBIDDEN.exec(trimmed);
	if (bad) {
		throw new ToraValidationError(
			rule,
			`${what} must not contain control characters, line separators or bidi overrides (found ${codePoint(bad[0])} in ${show(trimmed)})`
		);
	}
	return trimmed;
}

/** Free text as it is sent (verbatim); throws naming the field and the character. */
export function checkText(rule: ValidationRule, what: string, value: string, max = Infinity): string {
	checkLength(rule, what, value, max);
	const bad = TEXT_FORBIDDEN.exec(value);
	if (bad) {
		throw new ToraValidationError(
			rule,
			`${what} must not contain control characters other than tab and line breaks (found ${codePoint(bad[0])})`
		);
	}
	return value;
}

export interface ExperimentFields {
	name: string;
	workspaceId?: string;
	description?: string;
	hyperparams?: Record<string, HyperparamValue>;
	tags?: string[];
	/** A project of the workspace, by name; the server creates it on first use. */
	project?: string;
}

/** Shape checks only; the server applies the full rules and its 400 names the field. */
export function experimentBody(fields: ExperimentFields): WireCreateExperiment {
	const { name, workspaceId, description, hyperparams, tags, project } = fields;
	if (typeof name !== 'string' || name.trim() === '') {
		throw new ToraValidationError('experiment_name', 'experiment name must be a non-empty string');
	}
	checkLabel('experiment_name', 'experiment name', name, MAX_EXPERIMENT_NAME_LENGTH);
	const body: WireCreateExperiment = { name };
	if (workspaceId !== undefined && workspaceId !== null) body.workspaceId = workspaceId;
	if (description !== undefined && description !== null) {
		body.description = checkText('description', 'description', description, MAX_DESCRIPTION_LENGTH);
	}
	if (hyperparams !== undefined && hyperparams !== null) {
		if (typeof hyperparams !== 'object' || Array.isArray(hyperparams)) {
			throw new ToraValidationError('hyperparams', 'hyperparams must be an object of key → value');
		}
		body.hyperparams = Object.entries(hyperparams).map(([key, value]) => {
			if (key.trim() === '')
				throw new ToraValidationError('hyperparams', 'hyperparameter keys must be non-empty');
			if (typeof value === 'number' && !Number.isFinite(value)) {
				throw new ToraValidationError(
					'hyperparams',
					`hyperparameter ${show(key)} must be finite, got ${value}`
				);
			}
			if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') {
				throw new ToraValidationError(
					'hyperparams',
					`hyperparameter ${show(key)} must be a string, number or boolean, got ${kindOf(value)}`
				);
			}
			const checkedKey = checkLabel('hyperparams', 'hyperparameter key', key, MAX_HYPERPARAM_KEY_LENGTH);
			if (typeof value === 'string') {
				checkText('hyperparams', `hyperparameter ${show(checkedKey)}`, value, MAX_HYPERPARAM_VALUE_LENGTH);
			}
			return { key: checkedKey, value };
		});
	}
	if (tags !== undefined && tags !== null) {
		if (!Array.isArray(tags)) throw new ToraValidationError('tags', 'tags must be an array of strings');
		body.tags = tags.map((tag: unknown) => {
			if (typeof tag !== 'string' || tag.trim() === '') {
				throw new ToraValidationError('tags', `tags must be non-empty strings, got ${show(tag)}`);
			}
			return checkLabel('tags', 'tag', tag, MAX_TAG_LENGTH);
		});
	}
	if (project !== undefined && project !== null) {
		if (typeof project !== 'string' || project.trim() === '') {
			throw new ToraValidationError('project', `project must be a non-empty string, got ${show(project)}`);
		}
		body.project = checkLabel('project', 'project name', project, MAX_PROJECT_NAME_LENGTH);
	}
	return body;
}
