import type { Envelope, ErrorCode, ErrorEnvelope } from '$contracts/common';
import { ApiError } from './errors';

export type ApiPath = `/api/${string}`;
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** The browser's `fetch`, or a fake one in tests. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface RequestOptions {
	query?: URLSearchParams;
	/** Sent as JSON. */
	body?: unknown;
	token?: string | null;
	/** `json` (the default) asks for an envelope; `file` for a download (e.g. a CSV export). */
	expect?: 'json' | 'file';
	/** Aborts the request (and a body still streaming): the server sees the client go away. */
	signal?: AbortSignal;
}

/** `/api/` followed by the segments, each URL-encoded, so an id can never change the path. */
export function apiPath(...segments: string[]): ApiPath {
	return `/api/${segments.map(encodeURIComponent).join('/')}`;
}

/** One round trip without any session handling. Throws only when the server was never reached. */
export async function send(
	fetch: Fetch,
	method: Method,
	path: ApiPath,
	{ query, body, token, expect = 'json', signal }: RequestOptions = {}
): Promise<Response> {
	const headers: Record<string, string> = expect === 'json' ? { accept: 'application/json' } : {};
	if (body !== undefined) headers['content-type'] = 'application/json';
	if (token) headers.authorization = `Bearer ${token}`;
	const search = query?.toString() ? `?${query}` : '';
	try {
		return await fetch(`${path}${search}`, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			signal
		});
	} catch (error) {
		// A cancel is the caller's own doing, not a network failure: let it through as it is.
		if (signal?.aborted) throw error;
		throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the server. Check your connection.');
	}
}

/** The `data` of a `{status, data}` envelope, or the `{status, error}` envelope thrown as an ApiError. */
export async function readData<T>(response: Response): Promise<T> {
	if (!response.ok) throw await readFailure(response);
	const payload: unknown = await response.json().catch(() => null);
	if (payload && typeof payload === 'object' && 'data' in payload) return (payload as Envelope<T>).data;
	throw new ApiError(response.status, 'INTERNAL', 'The server sent an unexpected reply.');
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

/** A non-2xx response as an ApiError; `what` names the call in the message of a reply without an envelope. */
export async function readFailure(response: Response, what = 'Request'): Promise<ApiError> {
	const payload: unknown = await response.json().catch(() => null);
	const error = (payload as Partial<ErrorEnvelope> | null)?.error;
	return new ApiError(
		response.status,
		error?.code ?? codeByStatus[response.status] ?? 'INTERNAL',
		error?.message ?? `${what} failed (HTTP ${response.status}).`,
		error?.fields
	);
}
