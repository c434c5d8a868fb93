import { describe, expect, it } from 'vitest';
import cases from '../../../../tests/support/rule-cases.json';
import { buildHyperparams, typedValue } from './hyperparam-value';

describe('typedValue', () => {
	it('keeps what was typed when a number would not read back the same', () => {
		expect(typedValue('007', 'auto')).toEqual({
			value: '007',
			stored: 'will be stored as text "007"',
			asNumber: 7
		});
		expect(typedValue('1e-3', 'auto')).toMatchObject({ value: '1e-3', asNumber: 0.001 });
		expect(typedValue('007', 'number')).toEqual({ value: 7, stored: 'will be stored as number 7' });
	});

	it('stores plain numbers and booleans as such, and text as typed when text is chosen', () => {
		expect(typedValue(' 0.01 ', 'auto')).toEqual({ value: 0.01, stored: 'will be stored as number 0.01' });
		expect(typedValue('true', 'auto')).toEqual({ value: true, stored: 'will be stored as boolean true' });
		expect(typedValue(' 12 ', 'text')).toMatchObject({
			value: ' 12 ',
			stored: 'will be stored as text " 12 "'
		});
	});

	it('refuses what is not a finite number when number is chosen', () => {
		expect(typedValue('adam', 'number').problem).toBe('"adam" is not a finite number');
		expect(typedValue('1e999', 'number').problem).toBe('"1e999" is not a finite number');
	});

	it('reads the shared rule cases: finite numbers round-trip, NaN and Infinity are refused', () => {
		for (const { value } of cases.values.filter((entry) => typeof entry.value === 'number')) {
			expect(typedValue(String(value), 'number').value).toBe(value);
		}
		for (const text of cases.non_finite_values) {
			expect(typedValue(text, 'number').problem).toBe(`"${text}" is not a finite number`);
		}
	});
});

describe('buildHyperparams', () => {
	it('names the key of a rejected row and skips blank rows', () => {
		const built = buildHyperparams([
			{ key: 'lr', value: '0.01', type: 'auto' },
			{ key: '', value: '', type: 'auto' },
			{ key: 'lr', value: '2', type: 'auto' },
			{ key: 'seed', value: 'x', type: 'number' },
			{ key: '', value: '3', type: 'auto' }
		]);
		expect(built.hyperparams).toEqual([{ key: 'lr', value: 0.01 }]);
		expect(built.errors).toEqual({
			2: 'hyperparameter "lr" is used twice',
			3: '"x" is not a finite number',
			4: 'give this value a name'
		});
		expect(built.listProblem).toBeUndefined();
	});
});
