/** The expiry choices for a new API key, and what they send as `expiresAt`. */

export type ExpiryChoice = 'never' | '30' | '90' | '365' | 'date';

export const EXPIRY_CHOICES: { value: ExpiryChoice; label: string }[] = [
	{ value: 'never', label: 'Never' },
	{ value: '30', label: 'In 30 days' },
	{ value: '90', label: 'In 90 days' },
	{ value: '365', label: 'In 1 year' },
	{ value: 'date', label: 'On a date…' }
];

const DAY_MS = 24 * 60 * 60 * 1000;

/** A local calendar date as the date input writes it (`YYYY-MM-DD`). */
function localDate(date: Date): string {
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The dates a key may be set to expire on: today through a year from today. The server allows
 * 366 days, so the end of the last day always fits.
 */
export function expiryDateBounds(now = new Date()): { min: string; max: string } {
	const inAYear = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 365);
	return { min: localDate(now), max: localDate(inAYear) };
}

/**
 * `expiresAt` for the API: null for never; a preset counts from now; a date means the end of that
 * day in the reader's time zone (the key works all of that day). Undefined when the date is not
 * a valid one (nothing picked yet), so the caller can say so instead of creating a key that never
 * expires.
 */
export function expiresAtFor(
	choice: ExpiryChoice,
	date: string,
	now = new Date()
): string | null | undefined {
	if (choice === 'never') return null;
	if (choice !== 'date') return new Date(now.getTime() + Number(choice) * DAY_MS).toISOString();
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
	if (!match) return undefined;
	const [year, month, day] = match.slice(1).map(Number);
	const endOfDay = new Date(year, month - 1, day, 23, 59, 59, 999);
	// `new Date` rolls 2027-02-30 over into March; a date that does not exist is not a choice.
	if (endOfDay.getMonth() !== month - 1 || endOfDay.getDate() !== day) return undefined;
	return endOfDay.toISOString();
}

export function isExpired(key: { expires_at: string | null }, now = Date.now()): boolean {
	return key.expires_at !== null && Date.parse(key.expires_at) <= now;
}
