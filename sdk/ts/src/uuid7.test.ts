import { describe, expect, it } from 'vitest';
import { uuid7, uuid7Int, uuid7Time } from './uuid7.js';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuid7', () => {
	it('has the RFC 9562 version 7 and variant bits', () => {
		for (let i = 0; i < 1000; i++) expect(uuid7()).toMatch(FORMAT);
	});

	it('carries the millisecond timestamp', () => {
		const now = Date.UTC(2030, 0, 1);
		const id = uuid7(now + 10_000_000); // later than any id made so far in this process
		expect(uuid7Time(id)).toBe(now + 10_000_000);
	});

	it('is strictly increasing within a process, also within one millisecond', () => {
		const ids = Array.from({ length: 10_000 }, () => uuid7());
		for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('keeps increasing when the clock steps back', () => {
		const later = uuid7Int(Date.now() + 60_000_000);
		const earlier = uuid7Int(Date.now());
		expect(earlier > later).toBe(true);
		expect(uuid7(Date.now())).toMatch(FORMAT);
	});

	it('sorts as strings the way it sorts as numbers', () => {
		const a = uuid7();
		const b = uuid7();
		expect(BigInt('0x' + a.replace(/-/g, '')) < BigInt('0x' + b.replace(/-/g, ''))).toBe(true);
		expect(a < b).toBe(true);
	});
});
