import { describe, expect, it } from 'vitest';
import { jsonLine, terminalLine } from './cli-logs.js';

describe('tora logs output', () => {
	it('keeps colours and tabs, and shows every other control as an escape', () => {
		expect(terminalLine('\u001b[31mred\u001b[0m\tok')).toBe('\u001b[31mred\u001b[0m\tok');
		expect(terminalLine('title\u001b]0;pwned\u0007 \u202eevil')).toBe('title\\x1b]0;pwned\\x07 \\u202eevil');
	});

	it('writes one JSON object per line that parses back to the line', () => {
		const line = {
			seq: 3,
			time: '2026-01-01T00:00:00.000Z',
			stream: 'stderr' as const,
			text: 'a\u2028b\u0085'
		};
		const text = jsonLine(line);
		expect(text).not.toMatch(/[\u2028\u0085\n]/);
		expect(JSON.parse(text)).toEqual(line);
	});
});
