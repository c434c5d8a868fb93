import { describe, expect, it } from 'vitest';
import { safeNext, signInPath } from './redirect';

const origin = 'https://tora.example';

describe('safeNext', () => {
	it('keeps same-origin paths with query and hash', () => {
		expect(safeNext('/experiments/42?tab=metrics#loss', origin)).toBe('/experiments/42?tab=metrics#loss');
	});

	it('falls back to the dashboard for missing or foreign targets', () => {
		for (const next of [
			null,
			'',
			'dashboard',
			'https://evil.example/',
			'//evil.example',
			'/\\evil.example',
			'/\t/evil.example'
		]) {
			expect(safeNext(next, origin)).toBe('/dashboard');
		}
	});

	it('round-trips through signInPath', () => {
		const next = new URL(signInPath('/dashboard?x=1&y=2'), origin).searchParams.get('next');
		expect(safeNext(next, origin)).toBe('/dashboard?x=1&y=2');
	});
});
