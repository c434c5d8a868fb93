import { describe, expect, it } from 'vitest';
import { applySgr, color256, markMatches, parseAnsi, stripAnsi } from './ansi';

const ESC = '\u001b';
const plain = { fg: null, bg: null, bold: false };

describe('parseAnsi', () => {
	it('keeps a line without escapes as one plain segment', () => {
		expect(parseAnsi('epoch 1 loss=0.5')).toEqual([{ text: 'epoch 1 loss=0.5', ...plain }]);
		expect(parseAnsi('')).toEqual([]);
	});

	it('colours the basic and bright foregrounds and backgrounds, and bold', () => {
		expect(parseAnsi(`${ESC}[31mred${ESC}[0m ok`)).toEqual([
			{ text: 'red', ...plain, fg: '#cd3131' },
			{ text: ' ok', ...plain }
		]);
		expect(parseAnsi(`${ESC}[1;92;44mX`)).toEqual([{ text: 'X', fg: '#23d18b', bg: '#2472c8', bold: true }]);
		expect(parseAnsi(`${ESC}[97mX`)[0].fg).toBe('#ffffff');
		expect(parseAnsi(`${ESC}[47mX`)[0].bg).toBe('#e5e5e5');
	});

	it('resets with 0, an empty SGR, 39, 49 and 22', () => {
		expect(parseAnsi(`${ESC}[1;31ma${ESC}[mb`)).toEqual([
			{ text: 'a', fg: '#cd3131', bg: null, bold: true },
			{ text: 'b', ...plain }
		]);
		expect(parseAnsi(`${ESC}[1;31;42ma${ESC}[39;49;22mb`)[1]).toEqual({ text: 'b', ...plain });
		expect(parseAnsi(`${ESC}[31;0;1mb`)).toEqual([{ text: 'b', ...plain, bold: true }]);
	});

	it('reads 256-colour and truecolour', () => {
		expect(parseAnsi(`${ESC}[38;5;196mX`)[0].fg).toBe('#ff0000');
		expect(parseAnsi(`${ESC}[48;5;2mX`)[0].bg).toBe('#0dbc79');
		expect(parseAnsi(`${ESC}[38;2;10;20;30;1mX`)[0]).toMatchObject({ fg: '#0a141e', bold: true });
		expect(parseAnsi(`${ESC}[48;2;255;128;0mX`)[0].bg).toBe('#ff8000');
		expect(color256(16)).toBe('#000000');
		expect(color256(231)).toBe('#ffffff');
		expect(color256(232)).toBe('#080808');
		expect(color256(255)).toBe('#eeeeee');
	});

	it('ignores malformed colour sequences instead of misreading their numbers', () => {
		// 38;5 without a colour, 38;2 with a part out of range: the 1 after them is not bold.
		expect(applySgr(plain, [38, 5])).toEqual(plain);
		expect(applySgr(plain, [38, 2, 300, 0, 0, 1])).toEqual(plain);
		expect(applySgr(plain, [38, 7, 1])).toEqual(plain);
		expect(parseAnsi(`${ESC}[38;5;999mX`)).toEqual([{ text: 'X', ...plain }]);
		// An SGR cut off at the end of the line, and one with junk in it.
		expect(parseAnsi(`a${ESC}[31`)).toEqual([{ text: 'a', ...plain }]);
		expect(parseAnsi(`${ESC}[3x1mX`)).toEqual([{ text: '1mX', ...plain }]);
	});

	it('drops other escape sequences and control characters', () => {
		expect(stripAnsi(`${ESC}[2K${ESC}[1Ga${ESC}[?25lb`)).toBe('ab');
		expect(stripAnsi(`${ESC}]0;window title\u0007c`)).toBe('c');
		expect(stripAnsi(`${ESC}]8;;https://x${ESC}\\link${ESC}]8;;${ESC}\\`)).toBe('link');
		expect(stripAnsi(`a\u0007b\u0008c${ESC}`)).toBe('abc');
		expect(stripAnsi('tab\there')).toBe('tab\there');
	});

	it('keeps only what follows the last carriage return, as a progress bar shows', () => {
		expect(stripAnsi(' 10%|#  |\r 50%|### |\r100%|####|')).toBe('100%|####|');
		expect(stripAnsi('done\r')).toBe('done');
		expect(parseAnsi(`${ESC}[32mold\rnew`)).toEqual([{ text: 'new', ...plain, fg: '#0dbc79' }]);
	});

	it('never produces markup: text stays text', () => {
		expect(stripAnsi(`${ESC}[31m<script>alert(1)</script>`)).toBe('<script>alert(1)</script>');
	});
});

describe('markMatches', () => {
	it('cuts segments at case-insensitive matches, across colour changes', () => {
		const segments = parseAnsi(`Val ${ESC}[31mLOSS${ESC}[0m loss`);
		expect(markMatches(segments, 'l loss').map((s) => [s.text, s.mark, s.fg])).toEqual([
			['Va', false, null],
			['l ', true, null],
			['LOSS', true, '#cd3131'],
			[' loss', false, null]
		]);
		expect(
			markMatches(segments, 'loss')
				.filter((s) => s.mark)
				.map((s) => s.text)
		).toEqual(['LOSS', 'loss']);
	});

	it('treats the query as text, not a pattern', () => {
		expect(
			markMatches(parseAnsi('a.b axb'), 'a.b')
				.filter((s) => s.mark)
				.map((s) => s.text)
		).toEqual(['a.b']);
		expect(markMatches(parseAnsi('abc'), '')).toEqual([{ text: 'abc', ...plain, mark: false }]);
	});
});
