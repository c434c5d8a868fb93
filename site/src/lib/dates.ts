/** Every way the site shows a time from the API (ISO strings), in the reader's locale. */

const dateFormats = new Map<string, Intl.DateTimeFormat>();

// Long tables format many dates: one formatter per locale and zone, made on first use.
function dateFormat(locale: string | undefined, timeZone: string | undefined): Intl.DateTimeFormat {
	const key = `${locale ?? ''}|${timeZone ?? ''}`;
	let format = dateFormats.get(key);
	if (!format) {
		format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
		dateFormats.set(key, format);
	}
	return format;
}

/** A timestamp as "Mar 4, 2026, 5:06 AM"; `null` (never happened) as a dash; an unparseable one as it is. */
export function formatDate(iso: string | null, options: { locale?: string; timeZone?: string } = {}): string {
	if (!iso) return '—';
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return iso;
	return dateFormat(options.locale, options.timeZone).format(date);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
	['year', 365 * 24 * 3600],
	['month', 30 * 24 * 3600],
	['week', 7 * 24 * 3600],
	['day', 24 * 3600],
	['hour', 3600],
	['minute', 60],
	['second', 1]
];

/** "3 minutes ago", "yesterday", "just now": the largest unit that fits. */
export function relativeTime(iso: string, now = Date.now(), locale?: string): string {
	const seconds = Math.round((Date.parse(iso) - now) / 1000);
	if (Math.abs(seconds) < 10) return 'just now';
	const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
	for (const [unit, size] of UNITS) {
		if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
	}
	return format.format(seconds, 'second');
}

/** The exact local date and time, for a tooltip. */
export function exactTime(iso: string, locale?: string): string {
	return new Date(iso).toLocaleString(locale, { dateStyle: 'full', timeStyle: 'long' });
}
