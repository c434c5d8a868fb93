import { describe, expect, it } from 'vitest';
import { formatValue, withAlpha } from './format';

describe('formatValue', () => {
	it('keeps five significant digits', () => {
		expect(formatValue(0.123456789)).toBe('0.12346');
		expect(formatValue(1234.5678)).toBe('1234.6');
		expect(formatValue(0)).toBe('0');
	});

	it('switches to scientific notation for tiny and huge values', () => {
		expect(formatValue(0.0000123)).toBe('1.23e-5');
		expect(formatValue(12_345_678)).toBe('1.23e+7');
	});

	it('shows a dash for missing values', () => {
		expect(formatValue(null)).toBe('–');
		expect(formatValue(Number.NaN)).toBe('–');
	});
});

describe('withAlpha', () => {
	it('adds an alpha channel to hex colours', () => {
		expect(withAlpha('#ea580c', 0.25)).toBe('#ea580c40');
		expect(withAlpha('#fff', 1)).toBe('#ffffffff');
	});

	it('leaves other colours alone', () => {
		expect(withAlpha('rebeccapurple', 0.5)).toBe('rebeccapurple');
	});
});
