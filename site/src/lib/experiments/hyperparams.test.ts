import { describe, expect, it } from 'vitest';
import { formatNumber, formatValue, hyperparamRows, parseTags } from './hyperparams';

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
