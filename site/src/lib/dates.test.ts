import { describe, expect, it } from 'vitest';
import { exactTime, formatDate, relativeTime } from './dates';

describe('formatDate', () => {
	it('formats API timestamps and shows a dash for never', () => {
		// Newer ICU data puts a narrow no-break space before AM.
		expect(
			formatDate('2026-03-04T05:06:07.000Z', { locale: 'en-US', timeZone: 'UTC' }).replace(/\s/g, ' ')
		).toBe('Mar 4, 2026, 5:06 AM');
		expect(formatDate(null)).toBe('—');
	});

	it('leaves unparseable values as they are', () => {
		expect(formatDate('yesterday')).toBe('yesterday');
	});

	it('keeps one formatter per locale and time zone apart', () => {
		const iso = '2026-03-04T05:06:07.000Z';
		const utc = formatDate(iso, { locale: 'en-US', timeZone: 'UTC' });
		const tokyo = formatDate(iso, { locale: 'en-US', timeZone: 'Asia/Tokyo' });
		expect(tokyo.replace(/\s/g, ' ')).toBe('Mar 4, 2026, 2:06 PM');
		expect(formatDate(iso, { locale: 'en-US', timeZone: 'UTC' })).toBe(utc);
	});
});

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

describe('exactTime', () => {
	it('spells the full date out', () => {
		// The reader's time zone decides the day, so only the month and year are certain here.
		expect(exactTime('2025-06-15T12:00:00Z', 'en-US')).toMatch(/^\w+day, June 1[456], 2025 at /);
	});
});
