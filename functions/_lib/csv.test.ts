import { describe, expect, it } from 'vitest';
import { csvLine, csvText } from './csv.ts';

describe('csvText', () => {
	it('makes every cell that a spreadsheet would evaluate inert: a leading quote, then quoted', () => {
		expect(csvText('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
		expect(csvText('-A1/B1')).toBe(`"'-A1/B1"`);
		expect(csvText('+1')).toBe(`"'+1"`);
		expect(csvText('@SUM(A1:A2)')).toBe(`"'@SUM(A1:A2)"`);
		expect(csvText('\t=1')).toBe(`"'\t=1"`);
		expect(csvText('\r=1')).toBe(`"'\r=1"`);
		// A metric name is text even when it looks like a number.
		expect(csvText('-0.5')).toBe(`"'-0.5"`);
	});

	it('leaves plain text as it is and quotes only what RFC 4180 requires', () => {
		expect(csvText('train/loss')).toBe('train/loss');
		expect(csvText('a-b=c')).toBe('a-b=c');
		expect(csvText('a,b')).toBe('"a,b"');
		expect(csvText('say "hi"')).toBe('"say ""hi"""');
		expect(csvText('two\nlines')).toBe('"two\nlines"');
		expect(csvText('')).toBe('');
	});

	it('joins cells into a CRLF-terminated line', () => {
		expect(csvLine(['step', csvText('-x'), '-0.5'])).toBe(`step,"'-x",-0.5\r\n`);
	});
});
