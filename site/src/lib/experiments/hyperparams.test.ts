import { describe, expect, it } from 'vitest';
import {
	buildHyperparams,
	formatNumber,
	formatValue,
	hyperparamRows,
	parseHyperparamInput,
	parseTags
} from './hyperparams';

describe('parseHyperparamInput', () => {
	it.each([
		['0.001', 0.001],
		[' 42 ', 42],
		['-3', -3],
		['1e-4', 0.0001],
		['.5', 0.5],
		['true', true],
		['false', false]
	])('%j → %j', (input, expected) => {
		expect(parseHyperparamInput(input)).toBe(expected);
	});

	// Only plain finite numbers and lower-case booleans are typed; everything else stays as written.
	it.each(['True', 'adam', '1e999', '0x10', '', '12abc', 'Infinity', 'NaN'])('keeps %j as text', (input) => {
		expect(parseHyperparamInput(input)).toBe(input);
	});
});

describe('buildHyperparams', () => {
	it('types values, skips blank rows and flags problems by row', () => {
		const result = buildHyperparams([
			{ key: ' lr ', value: '0.01' },
			{ key: '', value: '' },
			{ key: 'amp', value: 'true' },
			{ key: 'lr', value: '3' },
			{ key: '', value: 'orphan' }
		]);
		expect(result.hyperparams).toEqual([
			{ key: 'lr', value: 0.01 },
			{ key: 'amp', value: true }
		]);
		expect(Object.keys(result.errors)).toEqual(['3', '4']);
	});
});

describe('parseTags', () => {
	it('splits on commas, trims and drops case-insensitive repeats', () => {
		expect(parseTags(' vision, Baseline ,, baseline,nlp ')).toEqual(['vision', 'Baseline', 'nlp']);
		expect(parseTags('')).toEqual([]);
	});
});

describe('formatting', () => {
	it('keeps numbers short', () => {
		expect(formatNumber(3)).toBe('3');
		expect(formatNumber(0.123456789)).toBe('0.12346');
		expect(formatNumber(0.0001)).toBe('1e-4');
		expect(formatNumber(12345678.9)).toBe('1.235e+7');
		expect(formatValue(undefined)).toBe('—');
		expect(formatValue(false)).toBe('false');
	});
});

describe('hyperparamRows', () => {
	it('lines up keys across experiments and marks differences', () => {
		const rows = hyperparamRows([
			{
				hyperparams: [
					{ key: 'lr', value: 0.1 },
					{ key: 'opt', value: 'adam' }
				]
			},
			{
				hyperparams: [
					{ key: 'opt', value: 'adam' },
					{ key: 'lr', value: 0.01 }
				]
			},
			{
				hyperparams: [
					{ key: 'opt', value: 'adam' },
					{ key: 'lr', value: 0.1 },
					{ key: 'amp', value: true }
				]
			}
		]);
		expect(rows).toEqual([
			{ key: 'lr', values: [0.1, 0.01, 0.1], differs: true },
			{ key: 'opt', values: ['adam', 'adam', 'adam'], differs: false },
			{ key: 'amp', values: [undefined, undefined, true], differs: true }
		]);
	});

	it('tells a number from the same digits as text', () => {
		const rows = hyperparamRows([
			{ hyperparams: [{ key: 'n', value: 1 }] },
			{ hyperparams: [{ key: 'n', value: '1' }] }
		]);
		expect(rows[0].differs).toBe(true);
	});
});
