import { describe, expect, it } from 'vitest';
import { relativeTime } from './time';

describe('relativeTime', () => {
	const now = Date.parse('2025-06-01T12:00:00Z');

	it('says "just now" for the last few seconds', () => {
		expect(relativeTime('2025-06-01T11:59:55Z', now, 'en')).toBe('just now');
	});

	it('uses the largest unit that fits', () => {
		expect(relativeTime('2025-06-01T11:57:00Z', now, 'en')).toBe('3 minutes ago');
		expect(relativeTime('2025-06-01T09:00:00Z', now, 'en')).toBe('3 hours ago');
		expect(relativeTime('2025-05-31T12:00:00Z', now, 'en')).toBe('yesterday');
		expect(relativeTime('2024-05-01T12:00:00Z', now, 'en')).toBe('last year');
	});
});
