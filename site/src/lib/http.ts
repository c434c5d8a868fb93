import type { Envelope, ErrorCode, ErrorEnvelope } from '$contracts/common';

export type ApiPath = `/api/${string}`;
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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

// Used when something between us and the functions (a proxy, a CDN) answers without an envelope.
const codeByStatus: Record<number, ErrorCode> = {
	400: 'VALIDATION_ERROR',
	401: 'UNAUTHENTICATED',
	403: 'FORBIDDEN',
	404: 'NOT_FOUND',
	409: 'CONFLICT',
	413: 'PAYLOAD_TOO_LARGE',
	429: 'RATE_LIMITED',
	503: 'UNAVAILABLE'
};

/**
 * One round trip to the API without any session handling: unwraps `{status, data}` or throws
 * the `{status, error}` envelope as an ApiError.
 */
export async function request<T>(
	method: Method,
	path: ApiPath,
	options: { body?: unknown; token?: string | null } = {}
): Promise<T> {
	const headers: Record<string, string> = { accept: 'application/json' };
	if (options.body !== undefined) headers['content-type'] = 'application/json';
	if (options.token) headers.authorization = `Bearer ${options.token}`;

	let response: Response;
	try {
		response = await fetch(path, {
			method,
			headers,
			body: options.body === undefined ? undefined : JSON.stringify(options.body)
		});
	} catch {
		throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the server. Check your connection.');
	}

	const payload: unknown = await response.json().catch(() => null);
	if (response.ok) {
		if (payload && typeof payload === 'object' && 'data' in payload) {
			return (payload as Envelope<T>).data;
		}
		throw new ApiError(response.status, 'INTERNAL', 'The server sent an unexpected reply.');
	}

	const error = (payload as Partial<ErrorEnvelope> | null)?.error;
	throw new ApiError(
		response.status,
		error?.code ?? codeByStatus[response.status] ?? 'INTERNAL',
		error?.message ?? `Request failed (HTTP ${response.status}).`,
		error?.fields
	);
}
