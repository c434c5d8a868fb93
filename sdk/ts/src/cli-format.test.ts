import { describe, expect, it } from 'vitest';
import { printable, table, terminalJson } from './cli-format.js';

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('printable', () => {
	it.each([
		['\u001b]0;pwned\u0007', '\\x1b]0;pwned\\x07'],
		['\u001b]52;c;Zm9v\u0007', '\\x1b]52;c;Zm9v\\x07'],
		['\u001b]8;;http://evil\u001b\\x', '\\x1b]8;;http://evil\\x1b\\x'],
		['a\u009bb\u007f', 'a\\x9bb\\x7f'],
		['txt.\u202eexe', 'txt.\\u202eexe'],
		['two\nlines\tand\r', 'two\\nlines\\tand\\r'],
		['a\u2028b', 'a\\u2028b'],
		['plain café 🚀', 'plain café 🚀']
	])('shows %j as %j', (text, shown) => {
		expect(printable(text)).toBe(shown);
	});

	it('keeps line breaks and tabs in multi-line text, and nothing else', () => {
		const shown = printable('one\r\ntwo\n\tthree\u001b[2J\rfour', { multiLine: true });
		expect(shown).toBe('one\ntwo\n\tthree\\x1b[2J\\rfour');
	});

	it('every C0, DEL and C1 character comes out escaped', () => {
		const all = Array.from({ length: 0xa0 }, (_, code) => String.fromCharCode(code)).join('');
		expect(printable(all)).not.toMatch(CONTROLS);
		expect(printable(all, { multiLine: true }).replace(/[\n\t]/g, '')).not.toMatch(CONTROLS);
	});
});

describe('table', () => {
	it('escapes cells before measuring them, so columns stay aligned', () => {
		const text = table(
			['NAME', 'ID'],
			[
				['a\u001bb', '1'],
				['plain', '2']
			]
		);
		expect(text).toBe('NAME    ID\na\\x1bb  1\nplain   2');
	});
});

describe('terminalJson', () => {
	it('escapes what JSON.stringify leaves raw and parses back to the same value', () => {
		const value = { name: 'a\u009bb\u007fc\u202ed\u2028e\u001bf', n: 1 };
		const text = terminalJson(value);
		// eslint-disable-next-line no-control-regex
		expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202e]/);
		expect(JSON.parse(text)).toEqual(value);
		expect(text).toContain('\\u009b');
	});
});
