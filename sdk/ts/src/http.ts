/**
 * JSON over fetch with `x-api-key`, the `{status, data}` / `{status, error}` envelopes, and the
 * retry policy shared by setup, the sender, sync and the CLI. Mirrors sdk/python/tora/_http.py.
 */
import { ToraApiError, ToraConnectionError } from './errors.js';

export const REQUEST_TIMEOUT_MS = 30_000;
export const USER_AGENT = 'tora-ts/0.1.0';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RawResponse {
	status: number;
	headers: Headers;
	text: string;
}

export interface HttpOptions {
	baseUrl: string;
	apiKey?: string | null;
	fetch?: FetchLike;
	timeoutMs?: number;
}

export class Http {
	readonly baseUrl: string;
	readonly apiKey: string | null;
	/** When a request last got a 2xx answer (ms since the epoch; 0: never): a sign of life. */
	lastSuccessAt = 0;
	private readonly fetchImpl: FetchLike;
	private readonly timeoutMs: number;

	constructor(options: HttpOptions) {
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		this.apiKey = options.apiKey ?? null;
		this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
	}

	/**
	 * One request. Resolves with any status; rejects (with the underlying error) only when no
	 * response arrived. `body` is JSON-encoded unless it is already a string or bytes (JSON text).
	 */
	async request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<RawResponse> {
		const headers = this.headers('application/json');
		let payload: BodyInit | undefined;
		if (body !== undefined) {
			payload =
				typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body);
			headers['content-type'] = 'application/json';
		}
		const timeout = AbortSignal.timeout(this.timeoutMs);
		const response = await this.fetchImpl(this.baseUrl + path, {
			method,
			headers,
			body: payload,
			redirect: 'error',
			signal: signal ? AbortSignal.any([signal, timeout]) : timeout
		});
		const text = await response.text();
		if (response.ok) this.lastSuccessAt = Date.now();
		return { status: response.status, headers: response.headers, text };
	}

	/**
	 * A GET whose body is left unread, for streaming it. The timeout covers only the wait for the
	 * response headers: a long download is not cut off. Aborting `signal` aborts the request, the
	 * download included.
	 */
	async open(path: string, accept: string, signal?: AbortSignal): Promise<Response> {
		const waiting = new AbortController();
		const timer = setTimeout(
			() => waiting.abort(new DOMException('timed out', 'TimeoutError')),
			this.timeoutMs
		);
		try {
			return await this.fetchImpl(this.baseUrl + path, {
				method: 'GET',
				headers: this.headers(accept),
				redirect: 'error',
				signal: signal ? AbortSignal.any([signal, waiting.signal]) : waiting.signal
			});
		} finally {
			clearTimeout(timer);
		}
	}

	private headers(accept: string): Record<string, string> {
		const headers: Record<string, string> = { accept };
		// Browsers refuse to set User-Agent; Node's fetch allows it.
		if (typeof window === 'undefined') headers['user-agent'] = USER_AGENT;
		if (this.apiKey) headers['x-api-key'] = this.apiKey;
		return headers;
	}
}

export function isRetryable(status: number): boolean {
	return status === 429 || status >= 500;
}

/** Retry-After in milliseconds (delta-seconds or an HTTP date), or null. */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | null {
	const value = headers?.get('retry-after')?.trim();
	if (!value) return null;
	if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
	const when = Date.parse(value);
	return Number.isNaN(when) ? null : Math.max(0, when - now);
}

export function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** `error.message` from an error envelope, or `fallback`. */
export function errorMessage(body: unknown, fallback: string): string {
	const error = (body as { error?: { message?: unknown } } | null)?.error;
	return error && typeof error.message === 'string' ? error.message : fallback;
}

/** `data` of a 2xx envelope; a ToraApiError for anything else. */
export function unwrap<T>(response: RawResponse): T {
	const body = parseJson(response.text);
	if (response.status >= 200 && response.status < 300) {
		if (body && typeof body === 'object' && 'data' in body) return (body as { data: T }).data;
		throw new ToraApiError(
			response.status,
			null,
			`Invalid response (no "data"): ${response.text.slice(0, 200)}`
		);
	}
	const error = (body as { error?: { code?: unknown; message?: unknown; fields?: unknown } } | null)?.error;
	const code = error && typeof error.code === 'string' ? error.code : null;
	const message = errorMessage(body, response.text.slice(0, 200) || `HTTP ${response.status}`);
	const fields =
		error && error.fields && typeof error.fields === 'object'
			? (error.fields as Record<string, string[]>)
			: undefined;
	return throwApi(response.status, code, message, fields);
}

function throwApi(
	status: number,
	code: string | null,
	message: string,
	fields?: Record<string, string[]>
): never {
	throw new ToraApiError(status, code, `HTTP ${status}${code ? ` ${code}` : ''}: ${message}`, fields);
}

/** A readable reason for a failed fetch (Node wraps the socket error in `cause`). */
export function describe(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	if (error.name === 'TimeoutError') return 'timed out';
	if (error.name === 'AbortError') return 'aborted';
	const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
	if (cause && typeof cause.code === 'string') {
		if (cause.code === 'ECONNREFUSED') return 'connection refused';
		if (cause.code === 'ENOTFOUND') return 'host not found';
		return typeof cause.message === 'string' ? `${cause.code}: ${cause.message}` : cause.code;
	}
	return error.message || error.name;
}

export interface RetryOptions {
	/** Total time to keep trying, in ms. */
	budgetMs: number;
	/** Aborting stops waiting and returns the last outcome. */
	signal?: AbortSignal;
	baseMs?: number;
	capMs?: number;
	random?: () => number;
	sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
	now?: () => number;
}

export interface RetryOutcome {
	/** The last response (null when none ever arrived). */
	response: RawResponse | null;
	/** The last network error, when the last attempt got no response. */
	error: unknown;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal?.aborted) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
		signal?.addEventListener('abort', done, { once: true });
	});
}

/**
 * Run `call` until it gives a non-retryable status, retrying network errors, 429 and 5xx with
 * exponential backoff and full jitter (at least Retry-After, capped at 60 s, when the server sends
 * one) for at most `budgetMs`. Never throws for HTTP or network failures.
 */
export async function withRetries(
	call: (signal?: AbortSignal) => Promise<RawResponse>,
	options: RetryOptions
): Promise<RetryOutcome> {
	const now = options.now ?? Date.now;
	const random = options.random ?? Math.random;
	const wait = options.sleep ?? sleep;
	const base = options.baseMs ?? 250;
	const cap = options.capMs ?? 8_000;
	const deadline = now() + options.budgetMs;
	for (let attempt = 0; ; attempt++) {
		let response: RawResponse | null = null;
		let error: unknown = undefined;
		try {
			response = await call(options.signal);
			if (!isRetryable(response.status)) return { response, error: undefined };
		} catch (caught) {
			error = caught;
		}
		let delay = random() * Math.min(cap, base * 2 ** attempt);
		const hinted = retryAfterMs(response?.headers);
		if (hinted !== null) delay = Math.max(delay, Math.min(hinted, 60_000));
		const remaining = deadline - now();
		if (remaining <= 0 || options.signal?.aborted) return { response, error };
		await wait(Math.min(delay, remaining), options.signal);
		if (options.signal?.aborted) return { response, error };
	}
}

/** Why retries ended without a final answer: the last retryable status, or the network error. */
export function unreachableReason({ response, error }: RetryOutcome): string {
	if (response) return `HTTP ${response.status}`;
	return error === undefined ? 'no answer' : describe(error);
}

/** withRetries, then the envelope's data or a ToraApiError / ToraConnectionError. */
export async function requestData<T>(
	http: Http,
	method: string,
	path: string,
	body: unknown,
	options: RetryOptions
): Promise<T> {
	const { response, error } = await withRetries(
		(signal) => http.request(method, path, body, signal),
		options
	);
	if (response) return unwrap<T>(response);
	throw new ToraConnectionError(
		`Could not reach ${http.baseUrl} (${unreachableReason({ response, error })})`,
		error
	);
}
