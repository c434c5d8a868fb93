/**
 * The request/response plumbing every function shares: the Netlify v2 types we rely on, the
 * error-envelope wrapper, and body/query/params parsing through zod (endpoint.ts builds on them).
 */
import type { Context as NetlifyContext } from '@netlify/functions';
import * as z from 'zod';
import { ConfigError, getConfig } from './config.ts';
import { isDatabaseUnavailable } from './db.ts';
import { ApiError, errorResponse, validationError } from './errors.ts';
import { withSecurityHeaders } from './security-headers.ts';
import { foreignHostError } from '../../server/host-allowlist.ts';

/** The part of Netlify's `Context` we use; the single server provides the same fields. */
export type Context = Pick<NetlifyContext, 'params' | 'ip'>;

export type Handler = (req: Request, context: Context) => Promise<Response>;

/** The default body limit; endpoints that take more (log batches) pass their own. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/**
 * What `json()` answers: a Response that also keeps the text it was made from, so the single
 * server can write it in one go instead of reading the body back out of its stream.
 */
export class JsonResponse extends Response {
	/** The body as sent; its stream reads the same bytes. */
	readonly serialized: string;

	constructor(serialized: string, init: ResponseInit) {
		super(serialized, init);
		this.serialized = serialized;
	}
}

export function json<T>(data: T, status = 200, headers?: Record<string, string>): JsonResponse {
	// As Response.json: application/json unless the caller chose its own content type.
	const init = new Headers(headers);
	if (!init.has('content-type')) init.set('content-type', 'application/json');
	return new JsonResponse(JSON.stringify({ status, data }), { status, headers: init });
}

/**
 * The text of a response `json()` made, while its body is still unread; undefined for any other
 * response (streams, or one whose body something already read).
 */
export function bufferedBody(response: Response): string | undefined {
	return response instanceof JsonResponse && !response.bodyUsed ? response.serialized : undefined;
}

/**
 * A response body streamed from `produce`, one chunk per pull (so the producer runs only as fast
 * as the client reads). Cancelling the body — the client hung up: the single server cancels it
 * through its pipeline, Netlify when the invocation's connection closes — aborts the producer's
 * signal and resolves once the producer has stopped, so whatever it holds is given back by then.
 * A failure after the head is out cannot become an error envelope any more: the stream errors,
 * and the client sees the transfer break off instead of a complete-looking file.
 */
export function streamedBody(
	what: string,
	produce: (signal: AbortSignal) => AsyncGenerator<Uint8Array>
): ReadableStream<Uint8Array> {
	const cancelled = new AbortController();
	const chunks = produce(cancelled.signal);
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			let next: IteratorResult<Uint8Array>;
			try {
				next = await chunks.next();
			} catch (error) {
				if (cancelled.signal.aborted) return;
				console.error(`[tora] ${what} failed mid-stream:`, error);
				controller.error(error);
				return;
			}
			// Cancelled while this chunk was being made: the stream takes nothing more.
			if (cancelled.signal.aborted) return;
			if (next.done) controller.close();
			else controller.enqueue(next.value);
		},
		async cancel(reason) {
			cancelled.abort(reason);
			// Waits for a chunk in the making, then runs the producer's cleanup.
			await chunks.return(undefined);
		}
	});
}

/**
 * Wraps a handler so every failure becomes the error envelope (ARCHITECTURE.md, Wire contract)
 * and nothing internal leaks, and every response (success or not) carries the security headers —
 * on Netlify too, where the CDN's header rules do not reach function responses.
 */
export function withErrorEnvelope(handler: Handler): Handler {
	return async (req, context) => {
		let response: Response;
		try {
			// Under `netlify dev` no server of ours sees the request first to check its Host.
			const misdirected = getConfig().netlifyDev ? foreignHostError(req) : undefined;
			if (misdirected) throw misdirected;
			response = await handler(req, context);
		} catch (error) {
			response = errorResponse(toApiError(error, req));
		}
		return withSecurityHeaders(response, req);
	};
}

function toApiError(error: unknown, req: Request): ApiError {
	if (error instanceof IncompleteBodyError) {
		// Worth a line (an SDK behind a proxy that cuts uploads shows up here), but it is no outage.
		console.warn(
			`[tora] ${req.method} ${new URL(req.url).pathname}: the client closed the connection before sending the whole body`
		);
		return error;
	}
	if (error instanceof ApiError) return error;
	if (error instanceof z.ZodError) return validationError('Invalid request', zodFields(error));
	if (isDatabaseUnavailable(error)) {
		console.error(`[tora] ${req.method} ${new URL(req.url).pathname}: database unavailable`, describe(error));
		return new ApiError(503, 'UNAVAILABLE', 'The database is unavailable; retry shortly.', undefined, {
			'retry-after': '2'
		});
	}
	if (error instanceof ConfigError) {
		console.error(`[tora] configuration error: ${error.message}`);
		return new ApiError(503, 'UNAVAILABLE', `Server misconfigured: ${error.message}`);
	}
	console.error(`[tora] ${req.method} ${new URL(req.url).pathname} failed:`, error);
	return new ApiError(500, 'INTERNAL', 'Internal error; it has been logged.');
}

function describe(error: unknown): string {
	const e = error as { code?: string; message?: string };
	return `${e.code ?? ''} ${e.message ?? ''}`.trim();
}

/** `fields` keyed by the dotted path of each problem (`logs.3.value`), `_` for the body itself. */
export function zodFields(error: z.ZodError): Record<string, string[]> {
	const fields: Record<string, string[]> = {};
	for (const issue of error.issues) {
		const key = issue.path.length ? issue.path.map(String).join('.') : '_';
		(fields[key] ??= []).push(issue.message);
	}
	return fields;
}

/**
 * Reads a JSON body with a size limit enforced while streaming (before parsing anything), then
 * validates it. A wrong content type, bad JSON or a schema failure is a 400 naming the problem.
 */
export async function readBody<S extends z.ZodType>(
	req: Request,
	schema: S,
	limit = DEFAULT_BODY_LIMIT
): Promise<z.infer<S>> {
	return validate(schema, await readJson(req, limit), 'Invalid request body');
}

/** The body as parsed JSON, for handlers that check more (like entry counts) before validating. */
export async function readJson(req: Request, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
	const contentType = req.headers.get('content-type') ?? '';
	if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
		throw validationError('Content-Type must be application/json');
	}
	const text = await readText(req, limit);
	if (nestingDepth(text) > MAX_JSON_DEPTH) {
		throw validationError(`Body nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
	}
	try {
		return JSON.parse(text);
	} catch (error) {
		throw validationError(`Body is not valid JSON: ${(error as Error).message}`);
	}
}

/** Deeper JSON than any request needs; deeper input could exhaust the stack in parsers and validators. */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays/objects in JSON text, ignoring brackets inside strings. */
export function nestingDepth(text: string): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 0x5c /* \\ */) i++;
			else if (c === 0x22 /* " */) inString = false;
		} else if (c === 0x22) inString = true;
		else if (c === 0x7b /* { */ || c === 0x5b /* [ */) deepest = Math.max(deepest, ++depth);
		else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
	}
	return deepest;
}

/**
 * The body stopped arriving: the client hung up (or a proxy cut the connection) mid-upload. The
 * stream's error says ECONNRESET, like a dropped database connection; it is the client's.
 */
export class IncompleteBodyError extends ApiError {
	constructor() {
		super(
			400,
			'VALIDATION_ERROR',
			'The request body ended early: the connection closed before all of it arrived.'
		);
	}
}

export function tooLarge(limit: number): ApiError {
	return new ApiError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${formatBytes(limit)}.`);
}

function formatBytes(bytes: number): string {
	return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes / 1024} KB`;
}

async function readText(req: Request, limit: number): Promise<string> {
	const declared = Number(req.headers.get('content-length') ?? NaN);
	if (declared > limit) throw tooLarge(limit);
	if (!req.body) return '';
	const reader = req.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		let chunk: ReadableStreamReadResult<Uint8Array>;
		try {
			chunk = await reader.read();
		} catch {
			throw new IncompleteBodyError();
		}
		const { done, value } = chunk;
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			await reader.cancel();
			throw tooLarge(limit);
		}
		chunks.push(value);
	}
	const decoder = new TextDecoder('utf-8', { fatal: true });
	try {
		return decoder.decode(Buffer.concat(chunks));
	} catch {
		throw validationError('Body is not valid UTF-8');
	}
}

/**
 * Query parameters through a schema. Unknown parameters are ignored (cache busters and tracking
 * parameters are common); repeated parameters arrive as arrays.
 */
export function readQuery<S extends z.ZodType>(req: Request, schema: S): z.infer<S> {
	// A Map, then own properties: `?__proto__=x` must not become the object's prototype.
	const params = new Map<string, string | string[]>();
	for (const [key, value] of new URL(req.url).searchParams) {
		const existing = params.get(key);
		params.set(key, existing === undefined ? value : [...[existing].flat(), value]);
	}
	return validate(schema, Object.fromEntries(params), 'Invalid query parameters');
}

/** Path parameters through a schema: a malformed id is a 400, never a database error. */
export function readParams<S extends z.ZodType>(context: Context, schema: S): z.infer<S> {
	return validate(schema, context.params ?? {}, 'Invalid path parameter');
}

export function validate<S extends z.ZodType>(schema: S, input: unknown, message: string): z.infer<S> {
	const result = schema.safeParse(input);
	if (!result.success) throw validationError(message, zodFields(result.error));
	return result.data;
}
