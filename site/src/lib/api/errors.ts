import type { ErrorCode } from '$contracts/common';

/** A failed API call. `status` 0 with `NETWORK_ERROR` means the server was never reached. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: ErrorCode | 'NETWORK_ERROR',
		message: string,
		readonly fields?: Record<string, string[]>
	) {
		super(message);
		this.name = 'ApiError';
	}
}

export interface ErrorMessageOptions {
	/** What to say when `error` is not an Error with a message. */
	fallback?: string;
	/**
	 * Append the per-field messages of a 400 (`_` is the body as a whole), so the line says what to
	 * fix. Off for forms that show each field's messages beside its input.
	 */
	fields?: boolean;
}

/** A failed call as the one line a page shows. */
export function errorMessage(
	error: unknown,
	{ fallback = 'Something went wrong.', fields = true }: ErrorMessageOptions = {}
): string {
	if (!(error instanceof Error) || !error.message) return fallback;
	// Duck-typed, so errors that carry `fields` without being an ApiError format the same way.
	const byField = fields ? ((error as { fields?: Record<string, string[]> }).fields ?? {}) : {};
	const details = Object.entries(byField).flatMap(([field, messages]) =>
		messages.map((message) => (field === '_' ? message : `${field} ${message}`))
	);
	return details.length > 0 ? `${error.message}: ${details.join('; ')}.` : error.message;
}

/** The server's messages for `field` and anything under it (`tags` also takes `tags.3`), joined. */
export function fieldMessage(fields: Record<string, string[]>, field: string): string | undefined {
	const messages = Object.entries(fields)
		.filter(([path]) => path === field || path.startsWith(`${field}.`))
		.flatMap(([, list]) => list);
	return messages.length ? messages.join('; ') : undefined;
}
