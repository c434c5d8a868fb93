/** Display helpers shared by the settings sections. */

/**
 * An API failure as one line: the envelope's message plus its per-field messages (`_` is the
 * body as a whole), so a 400 says what to fix.
 */
export function errorMessage(error: unknown): string {
	if (!(error instanceof Error)) return 'Something went wrong.';
	const fields = (error as { fields?: Record<string, string[]> }).fields ?? {};
	const details = Object.entries(fields).flatMap(([field, messages]) =>
		messages.map((message) => (field === '_' ? message : `${field} ${message}`))
	);
	return details.length > 0 ? `${error.message}: ${details.join('; ')}.` : error.message;
}

/** A timestamp from the API in the reader's locale; `null` (never happened) as a dash. */
export function formatDate(iso: string | null, options: { locale?: string; timeZone?: string } = {}): string {
	if (!iso) return '—';
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return iso;
	return new Intl.DateTimeFormat(options.locale, {
		dateStyle: 'medium',
		timeStyle: 'short',
		timeZone: options.timeZone
	}).format(date);
}

/** `editor` → `Editor`, for selects (badges capitalize with CSS). */
export function roleLabel(role: string): string {
	return role.charAt(0).toUpperCase() + role.slice(1);
}
