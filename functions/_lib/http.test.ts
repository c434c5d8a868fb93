import { describe, expect, it } from 'vitest';
import { nestingDepth } from './http.ts';

describe('nestingDepth', () => {
	it('counts nested arrays and objects', () => {
		expect(nestingDepth('1')).toBe(0);
		expect(nestingDepth('{"a":[1,{"b":[]}]}')).toBe(4);
		expect(nestingDepth('[[[[[]]]]]')).toBe(5);
	});

	it('ignores brackets inside strings, including escaped quotes', () => {
		expect(nestingDepth('{"a":"[[[{{{"}')).toBe(1);
		expect(nestingDepth('{"a":"x\\\\"}')).toBe(1);
		expect(nestingDepth('{"a":"\\"[[[[\\""}')).toBe(1);
	});
});
