import { describe, expect, it } from 'vitest';
import cases from '../../../../tests/support/rule-cases.json';
import {
	descriptionProblem,
	experimentNameProblem,
	hyperparamKeyProblem,
	hyperparamTextProblem,
	quote,
	tagProblem,
	tagsProblem
} from './rules';

/** The form's check for each field of the shared rule cases (tests/support/rule-cases.json). */
const checks: Record<string, (value: string) => string | undefined> = {
	experiment_name: experimentNameProblem,
	tag: tagProblem,
	hyperparam_key: hyperparamKeyProblem,
	hyperparam_value: hyperparamTextProblem,
	description: descriptionProblem
};

describe('the forms agree with the server on the shared rule cases', () => {
	it.each(cases.lengths)('$field: $length × $char → ok $ok', ({ field, char, length, ok }) => {
		expect(checks[field], `no form check for ${field}`).toBeDefined();
		expect(checks[field](char.repeat(length)) === undefined).toBe(ok);
	});
});

describe('messages name the value', () => {
	it('a long tag is quoted, shortened in the middle', () => {
		const tag = `${'a'.repeat(30)}-middle-${'z'.repeat(30)}`;
		expect(tagProblem(tag)).toBe(`tag "${'a'.repeat(20)}…${'z'.repeat(19)}" is longer than 50 characters`);
	});

	it('the first tag the server would refuse, or the count', () => {
		expect(tagsProblem(['ok', 'bad\u001b[31m', 'x'.repeat(51)])).toBe(
			'tag "bad\u001b[31m" contains a line break or control character'
		);
		expect(tagsProblem(Array.from({ length: 51 }, (_, i) => `t${i}`))).toBe(
			'51 tags: at most 50 are allowed'
		);
		expect(tagsProblem(['vision', 'baseline'])).toBeUndefined();
	});

	it('names, empty or with a line break', () => {
		expect(experimentNameProblem('   ')).toBe('name must not be empty');
		expect(experimentNameProblem('two\nlines')).toBe(
			'name "two\nlines" contains a line break or control character'
		);
	});

	it('quote keeps short values whole and counts code points', () => {
		expect(quote('🚀'.repeat(40))).toBe(`"${'🚀'.repeat(40)}"`);
		expect([...quote('🚀'.repeat(41))].length).toBe(42);
	});
});
