import { describe, expect, it } from 'vitest';
import { CreateApiKeyBody } from '$contracts/api-keys';
import { EXPIRY_CHOICES, expiresAtFor, expiryDateBounds, isExpired } from './key-expiry';

const now = new Date(2026, 11, 7, 15, 30); // 7 December 2026, 15:30 local time
const DAY_MS = 24 * 60 * 60 * 1000;

describe('API key expiry choices', () => {
	it('sends null for never, and counts presets from now', () => {
		expect(expiresAtFor('never', '', now)).toBeNull();
		expect(expiresAtFor('30', '', now)).toBe(new Date(now.getTime() + 30 * DAY_MS).toISOString());
		expect(expiresAtFor('365', '', now)).toBe(new Date(now.getTime() + 365 * DAY_MS).toISOString());
	});

	it('takes a date as the end of that day, local time', () => {
		expect(expiresAtFor('date', '2027-01-31', now)).toBe(
			new Date(2027, 0, 31, 23, 59, 59, 999).toISOString()
		);
	});

	it('refuses a missing or impossible date instead of creating a key that never expires', () => {
		expect(expiresAtFor('date', '', now)).toBeUndefined();
		expect(expiresAtFor('date', '2027-02-30', now)).toBeUndefined();
	});

	it('offers dates from today to a year from today', () => {
		expect(expiryDateBounds(now)).toEqual({ min: '2026-12-07', max: '2027-12-07' });
	});

	it('produces only values the server accepts, up to the last date offered', () => {
		const real = new Date();
		const { min, max } = expiryDateBounds(real);
		const values = [
			...EXPIRY_CHOICES.filter((c) => c.value !== 'date').map((c) => expiresAtFor(c.value, '', real)),
			expiresAtFor('date', min, real),
			expiresAtFor('date', max, real)
		];
		for (const expiresAt of values) {
			expect(CreateApiKeyBody.safeParse({ name: 'k', expiresAt }).success, String(expiresAt)).toBe(true);
		}
	});

	it('tells expired keys apart', () => {
		const at = Date.parse('2027-01-01T00:00:00Z');
		expect(isExpired({ expires_at: null }, at)).toBe(false);
		expect(isExpired({ expires_at: '2027-01-01T00:00:00.000Z' }, at)).toBe(true);
		expect(isExpired({ expires_at: '2027-01-01T00:00:00.001Z' }, at)).toBe(false);
	});
});
