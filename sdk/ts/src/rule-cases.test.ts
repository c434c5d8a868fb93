/**
 * tests/support/rule-cases.json (generated from the server's rules) through this SDK's own checks:
 * the SDK is published without the server's code, so its copies of the rules are held to the
 * server's verdicts here. The Python SDK runs the same file (sdk/python/tests/test_rule_cases.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ToraValidationError } from './errors.js';
import { MAX_BATCH_ENTRIES, TARGET_BATCH_BYTES } from './sender.js';
import {
	checkName,
	checkStep,
	checkValue,
	experimentBody,
	MAX_METADATA_BYTES,
	MAX_NAME_LENGTH,
	MAX_STEP
} from './validation.js';

interface Case {
	value: unknown;
	ok: boolean;
}
interface RuleCases {
	limits: Record<string, number>;
	metric_names: Case[];
	values: Case[];
	non_finite_values: string[];
	steps: Case[];
	lengths: { field: string; char: string; length: number; ok: boolean }[];
}

const cases = JSON.parse(
	readFileSync(new URL('../../../tests/support/rule-cases.json', import.meta.url), 'utf8')
) as RuleCases;

/** Whether `fn` accepted (a ToraValidationError is a refusal; any other error fails the test). */
function accepts(fn: () => unknown): boolean {
	try {
		fn();
		return true;
	} catch (error) {
		expect(error).toBeInstanceOf(ToraValidationError);
		return false;
	}
}

const shown = (list: Case[]) =>
	list.map((item) => [JSON.stringify(item.value), item.value, item.ok] as const);

describe('the server rules (tests/support/rule-cases.json) through the TS SDK', () => {
	it('has the server limits', () => {
		expect(MAX_NAME_LENGTH).toBe(cases.limits.metric_name_max_length);
		expect(MAX_STEP).toBe(cases.limits.max_step);
		expect(MAX_METADATA_BYTES).toBe(cases.limits.metadata_max_bytes);
		expect(MAX_BATCH_ENTRIES).toBe(cases.limits.batch_max_entries);
		// A target, not the limit: below it, with room for the framing of the request body.
		expect(TARGET_BATCH_BYTES).toBeLessThan(cases.limits.batch_max_bytes);
	});

	it.each(shown(cases.metric_names))('metric name %s', (_shown, value, ok) => {
		expect(accepts(() => checkName(value))).toBe(ok);
	});

	it.each(shown(cases.values))('value %s', (_shown, value, ok) => {
		expect(accepts(() => checkValue(value))).toBe(ok);
	});

	it.each(cases.non_finite_values)('value %s', (name) => {
		expect(accepts(() => checkValue(Number(name)))).toBe(false);
	});

	it.each(shown(cases.steps))('step %s', (_shown, step, ok) => {
		expect(accepts(() => checkStep(step))).toBe(ok);
	});

	const fields: Record<string, (value: string) => unknown> = {
		experiment_name: (value) => experimentBody({ name: value }),
		tag: (value) => experimentBody({ name: 'x', tags: [value] }),
		hyperparam_key: (value) => experimentBody({ name: 'x', hyperparams: { [value]: 1 } }),
		hyperparam_value: (value) => experimentBody({ name: 'x', hyperparams: { k: value } }),
		description: (value) => experimentBody({ name: 'x', description: value })
	};
	it.each(cases.lengths.map((item) => [item.field, item.length, item.char, item.ok] as const))(
		'%s of %i × %s',
		(field, length, char, ok) => {
			expect(accepts(() => fields[field](char.repeat(length)))).toBe(ok);
		}
	);
});
