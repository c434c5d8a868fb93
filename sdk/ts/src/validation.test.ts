import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExperimentDescription, Tag } from '../../../functions/_lib/contracts/experiments.ts';
import { ToraValidationError } from './errors.js';
import {
	checkLabel,
	checkName,
	checkStep,
	checkText,
	checkValue,
	encodeMetadata,
	experimentBody
} from './validation.js';

function ruleOf(fn: () => unknown): string | undefined {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(ToraValidationError);
		return (error as ToraValidationError).rule;
	}
	return undefined;
}

describe('checkName', () => {
	it('accepts the SDK alphabet up to 100 characters', () => {
		expect(checkName('train/loss')).toBe('train/loss');
		expect(checkName('a-b_c.d/E9')).toBe('a-b_c.d/E9');
		expect(checkName('x'.repeat(100))).toHaveLength(100);
	});

	it.each([[''], ['x'.repeat(101)], ['has space'], ['ünï'], ['a,b'], ['tab\t'], [42], [null]])(
		'rejects %j',
		(name) => {
			expect(ruleOf(() => checkName(name))).toBe('name');
		}
	);
});

describe('checkValue', () => {
	it('accepts finite numbers and turns booleans into 0/1', () => {
		expect(checkValue(0.5)).toBe(0.5);
		expect(checkValue(-3)).toBe(-3);
		expect(checkValue(true)).toBe(1);
		expect(checkValue(false)).toBe(0);
		expect(checkValue(10n)).toBe(10);
	});

	it.each([[Number.NaN], [Infinity], [-Infinity], ['1.5'], [null], [undefined], [{}]])(
		'rejects %j',
		(value) => {
			expect(ruleOf(() => checkValue(value))).toBe('value');
		}
	);
});

describe('checkStep', () => {
	it('accepts null/undefined and integers 0 … 2^53-1', () => {
		expect(checkStep(undefined)).toBeNull();
		expect(checkStep(null)).toBeNull();
		expect(checkStep(0)).toBe(0);
		expect(checkStep(-0)).toBe(0);
		expect(checkStep(3.0)).toBe(3);
		expect(checkStep(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
	});

	it.each([[-1], [2.5], [Number.MAX_SAFE_INTEGER + 1], [Number.NaN], [Infinity], ['1'], [true]])(
		'rejects %j',
		(step) => {
			expect(ruleOf(() => checkStep(step))).toBe('step');
		}
	);
});

describe('encodeMetadata', () => {
	it('defaults to the entry type', () => {
		expect(encodeMetadata(null, 'metric')).toBe('{"type":"metric"}');
		expect(encodeMetadata(undefined, 'result')).toBe('{"type":"result"}');
	});

	it('merges the caller keys with the type', () => {
		expect(JSON.parse(encodeMetadata({ epoch: 2 }, 'metric'))).toEqual({ epoch: 2, type: 'metric' });
		expect(JSON.parse(encodeMetadata({ type: 'result' }, 'result'))).toEqual({ type: 'result' });
	});

	it('allows exactly 10 KB and rejects more (counted in UTF-8 bytes)', () => {
		const overhead = '{"k":"","type":"metric"}'.length;
		expect(() => encodeMetadata({ k: 'x'.repeat(10 * 1024 - overhead) }, 'metric')).not.toThrow();
		expect(ruleOf(() => encodeMetadata({ k: 'x'.repeat(10 * 1024 - overhead + 1) }, 'metric'))).toBe(
			'metadata'
		);
		// 'é' is 2 bytes: half as many characters already exceed the limit.
		expect(ruleOf(() => encodeMetadata({ k: 'é'.repeat(5200) }, 'metric'))).toBe('metadata');
	});

	it.each([
		['an array', [1]],
		['a string', 'x'],
		['a conflicting type', { type: 'result' }],
		['a non-finite number', { x: Number.NaN }],
		['a nested infinity', { x: { y: Infinity } }],
		['a bigint', { x: 1n }]
	])('rejects %s', (_label, metadata) => {
		expect(ruleOf(() => encodeMetadata(metadata, 'metric'))).toBe('metadata');
	});

	it('rejects circular objects', () => {
		const circular: Record<string, unknown> = {};
		circular.self = circular;
		expect(ruleOf(() => encodeMetadata(circular, 'metric'))).toBe('metadata');
	});
});

describe('experimentBody', () => {
	it('turns hyperparams into an ordered key/value list', () => {
		expect(
			experimentBody({ name: 'run', hyperparams: { lr: 0.001, opt: 'adam', amp: true }, tags: [' a ', 'b'] })
		).toEqual({
			name: 'run',
			hyperparams: [
				{ key: 'lr', value: 0.001 },
				{ key: 'opt', value: 'adam' },
				{ key: 'amp', value: true }
			],
			tags: ['a', 'b']
		});
	});

	it('rejects a blank name, non-finite hyperparams and blank tags', () => {
		expect(ruleOf(() => experimentBody({ name: '  ' }))).toBe('experiment_name');
		expect(ruleOf(() => experimentBody({ name: 'x', hyperparams: { lr: Number.NaN } }))).toBe('hyperparams');
		expect(ruleOf(() => experimentBody({ name: 'x', hyperparams: { o: {} as never } }))).toBe('hyperparams');
		expect(ruleOf(() => experimentBody({ name: 'x', tags: [''] }))).toBe('tags');
	});

	it('names a project, trimmed as the server trims it, and refuses one it would refuse', () => {
		expect(experimentBody({ name: 'run', project: ' vision ' })).toEqual({ name: 'run', project: 'vision' });
		expect(experimentBody({ name: 'run' })).toEqual({ name: 'run' });
		expect(ruleOf(() => experimentBody({ name: 'x', project: ' ' }))).toBe('project');
		expect(ruleOf(() => experimentBody({ name: 'x', project: 'two\nlines' }))).toBe('project');
		expect(ruleOf(() => experimentBody({ name: 'x', project: 'p'.repeat(101) }))).toBe('project');
		expect(experimentBody({ name: 'x', project: 'p'.repeat(100) }).project).toHaveLength(100);
	});
});

interface LabelCases {
	labels: { value: string; ok: boolean }[];
	texts: { value: string; ok: boolean }[];
}
/** Shared with the Python SDK's tests. */
const cases = JSON.parse(
	readFileSync(new URL('../../../tests/support/label-cases.json', import.meta.url), 'utf8')
) as LabelCases;

/** Whether `fn` accepted the value (a ToraValidationError is a refusal; anything else fails the test). */
function accepts(fn: () => unknown): boolean {
	return ruleOf(fn) === undefined;
}

describe('labels and free text agree with the server (tests/support/label-cases.json)', () => {
	it.each(cases.labels.map((entry) => [JSON.stringify(entry.value), entry.value, entry.ok] as const))(
		'label %s',
		(_shown, value, ok) => {
			expect(Tag.safeParse(value).success, 'server').toBe(ok);
			expect(
				accepts(() => checkLabel('tags', 'tag', value)),
				'sdk'
			).toBe(ok);
			expect(
				accepts(() => experimentBody({ name: value })),
				'experiment name'
			).toBe(ok);
			expect(
				accepts(() => experimentBody({ name: 'x', tags: [value] })),
				'tag'
			).toBe(ok);
			expect(
				accepts(() => experimentBody({ name: 'x', hyperparams: { [value]: 1 } })),
				'key'
			).toBe(ok);
		}
	);

	it.each(cases.texts.map((entry) => [JSON.stringify(entry.value), entry.value, entry.ok] as const))(
		'text %s',
		(_shown, value, ok) => {
			expect(ExperimentDescription.safeParse(value).success, 'server').toBe(ok);
			expect(
				accepts(() => checkText('description', 'description', value)),
				'sdk'
			).toBe(ok);
			expect(
				accepts(() => experimentBody({ name: 'x', description: value })),
				'description'
			).toBe(ok);
			expect(
				accepts(() => experimentBody({ name: 'x', hyperparams: { k: value } })),
				'value'
			).toBe(ok);
		}
	);

	it('names the field and the character', () => {
		expect(() => experimentBody({ name: 'run \u001b]0;pwned\u0007' })).toThrow(
			/experiment name must not contain control characters.*\(found U\+001B/
		);
		expect(() => experimentBody({ name: 'x', tags: ['a\u202eb'] })).toThrow(/tag .*\(found U\+202E/);
		expect(() => experimentBody({ name: 'x', description: 'a\rb' })).toThrow(
			/description must not contain control characters other than tab and line breaks \(found U\+000D\)/
		);
		expect(ruleOf(() => experimentBody({ name: 'x', hyperparams: { k: '\u0007' } }))).toBe('hyperparams');
	});

	it('sends labels trimmed as the server stores them', () => {
		expect(experimentBody({ name: 'x', tags: ['\u2028a '], hyperparams: { ' k\n': 1 } })).toEqual({
			name: 'x',
			tags: ['a'],
			hyperparams: [{ key: 'k', value: 1 }]
		});
	});
});
