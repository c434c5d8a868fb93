/**
 * The single server: Node's http server in front of the same function modules Netlify runs.
 * `/api/*` goes to the function whose own config matches (404 / 405 envelopes otherwise), as
 * does a path outside `/api` that a function claims (MLflow's `/ajax-api/...`); everything else is
 * the site, from site/build or from Vite's dev middleware. Every response
 * carries the security headers; `OPTIONS` on an API path is a CORS preflight (closed unless
 * `TORA_CORS_ORIGINS` allows the origin); repeated failed authentication is rate limited.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { ApiError, errorResponse } from '../functions/_lib/errors.ts';
import { bufferedBody } from '../functions/_lib/http.ts';
import { preflightResponse, withSecurityHeaders } from '../functions/_lib/security-headers.ts';
import { PAGE_HEADERS } from './site-headers.mjs';
import {
	AuthRateLimiter,
	authRateLimitFromConfig,
	carriesCredentials,
	type AuthRateLimitOptions
} from './auth-rate-limit.ts';
import { refuseForeignHost } from './host-allowlist.ts';
import { isFunctionPath, matchRoute, type Route } from './routes.ts';

export type SiteHandler = (
	req: IncomingMessage,
	res: ServerResponse,
	pathname: string
) => void | Promise<void>;

export interface AppOptions {
	routes: Route[];
	site?: SiteHandler;
	/** Failed-authentication limits; defaults from the configuration, `false` turns them off. */
	authRateLimit?: AuthRateLimitOptions | false;
}

/** Site responses from any handler (Vite in dev included); the static handler adds the full CSP. */
const SITE_BASELINE_HEADERS: Record<string, string> = {
	...PAGE_HEADERS,
	'content-security-policy': "frame-ancestors 'none'; object-src 'none'; base-uri 'self'"
};

export function createApp({ routes, site, authRateLimit }: AppOptions): Server {
	const limiter =
		authRateLimit === false ? undefined : new AuthRateLimiter(authRateLimit ?? authRateLimitFromConfig());
	const server = createServer((req, res) => {
		handle(req, res).catch((error) => {
			console.error('[tora] unhandled server error', error);
			// After the head, an error envelope would only be appended to a body the client takes
			// for complete: cut the connection so it sees the transfer break off.
			if (res.headersSent) {
				res.destroy();
				return;
			}
			res.writeHead(500, {
				'content-type': 'application/json',
				...SITE_BASELINE_HEADERS,
				'content-security-policy': "default-src 'none'; frame-ancestors 'none'"
			});
			res.end(JSON.stringify({ status: 500, error: { code: 'INTERNAL', message: 'Internal error.' } }));
		});
	});
	server.keepAliveTimeout = 65_000;

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = requestUrl(req);
		if (refuseForeignHost(req, res, url.pathname)) return;
		if (isFunctionPath(routes, url.pathname)) {
			const method = (req.method ?? 'GET').toUpperCase();
			const request = toWebRequest(req, url, method);
			// A preflight decides its own CORS headers (and may withhold them all).
			const response =
				method === 'OPTIONS' ? preflight(url, request) : await dispatchApi(req, request, url, method);
			await sendWebResponse(req, res, response);
			return;
		}
		for (const [name, value] of Object.entries(SITE_BASELINE_HEADERS)) res.setHeader(name, value);
		if (site) return site(req, res, url.pathname);
		res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
		res.end('Not found');
	}

	function preflight(url: URL, request: Request): Response {
		const match = matchRoute(routes, 'OPTIONS', url.pathname);
		if (match.kind === 'wrong-method') return preflightResponse(request, match.allowed);
		const missing = errorResponse(new ApiError(404, 'NOT_FOUND', `No API route ${url.pathname}.`));
		return withSecurityHeaders(missing, request);
	}

	/**
	 * Function responses already carry the security headers (the shared wrapper adds them, as on
	 * Netlify); the server adds them only to the answers it makes itself.
	 */
	async function dispatchApi(
		req: IncomingMessage,
		request: Request,
		url: URL,
		method: string
	): Promise<Response> {
		const ip = req.socket.remoteAddress;
		const retryAfter = await limiter?.refusal(req.headers, ip, request);
		if (retryAfter !== undefined) {
			const limited = new ApiError(
				429,
				'RATE_LIMITED',
				`Too many failed authentication attempts; retry in ${retryAfter} s.`,
				undefined,
				{ 'retry-after': String(retryAfter) }
			);
			return withSecurityHeaders(errorResponse(limited), request);
		}
		const response = await route(req, request, url, method);
		if (response.status === 401 && carriesCredentials(req.headers)) limiter?.recordFailure(req.headers, ip);
		return response;
	}

	async function route(req: IncomingMessage, request: Request, url: URL, method: string): Promise<Response> {
		const match = matchRoute(routes, method, url.pathname);
		if (match.kind === 'none') {
			const missing = new ApiError(404, 'NOT_FOUND', `No API route ${url.pathname}.`);
			return withSecurityHeaders(errorResponse(missing), request);
		}
		if (match.kind === 'wrong-method') {
			const allow = match.allowed.join(', ');
			const wrong = new ApiError(
				405,
				'METHOD_NOT_ALLOWED',
				`${method} is not allowed on ${url.pathname}; use ${allow}.`,
				undefined,
				{ allow }
			);
			return withSecurityHeaders(errorResponse(wrong), request);
		}
		return match.route.handler(request, { params: match.params, ip: req.socket.remoteAddress ?? '' });
	}

	return server;
}

/**
 * The request's URL. A path is always a path, even one that starts with `//` (which `new URL`
 * would read as another host: `//x/_headers` as `http://x/_headers`, `//%5c/` as an invalid URL);
 * a target that is not a path (absolute form, `*`) that cannot be parsed becomes `/`.
 */
function requestUrl(req: IncomingMessage): URL {
	const target = req.url ?? '/';
	const origin = `http://${safeHost(req.headers.host)}`;
	try {
		return target.startsWith('/') ? new URL(origin + target) : new URL(target, origin);
	} catch {
		return new URL('/', origin);
	}
}

/** A Host header that cannot form a URL (`a b`, `[`) must not crash the request. */
function safeHost(host: string | undefined): string {
	if (!host) return 'localhost';
	// Clients send the same Host on every request: parse each distinct one once.
	let safe = safeHosts.get(host);
	if (safe === undefined) {
		try {
			safe = new URL(`http://${host}`).host;
		} catch {
			safe = 'localhost';
		}
		if (safeHosts.size >= 256) safeHosts.clear();
		safeHosts.set(host, safe);
	}
	return safe;
}

const safeHosts = new Map<string, string>();

function webHeaders(req: IncomingMessage): Headers {
	const headers = new Headers();
	const incoming = req.headers;
	for (const name in incoming) {
		const value = incoming[name];
		if (value === undefined) continue;
		if (typeof value === 'string') headers.append(name, value);
		else for (const v of value) headers.append(name, v);
	}
	return headers;
}

function toWebRequest(req: IncomingMessage, url: URL, method: string): Request {
	const headers = webHeaders(req);
	const hasBody = method !== 'GET' && method !== 'HEAD';
	return new Request(url, {
		method,
		headers,
		body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
		// Required by undici for a streamed request body.
		...(hasBody ? { duplex: 'half' } : {})
	} as RequestInit);
}

async function sendWebResponse(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
	const headers: Record<string, string | string[]> = {};
	response.headers.forEach((value, name) => {
		headers[name] = name === 'set-cookie' ? response.headers.getSetCookie() : value;
	});
	// A handler that answered before reading the whole body (a 413, say) leaves the rest of it
	// on the socket; the connection cannot be reused for another request.
	if (!req.complete) headers.connection = 'close';
	const headOnly = req.method === 'HEAD';
	if (!response.body || headOnly) {
		// A stream nobody will read (HEAD) is cancelled, so its producer lets go of what it holds.
		await response.body?.cancel().catch(() => {});
		res.writeHead(response.status, headers);
		res.end();
		return;
	}
	// A JSON answer is already a string (`json()`) or a small body (error envelopes): one write
	// with a length instead of piping a web stream chunk by chunk.
	const text = bufferedBody(response);
	if (text !== undefined || headers['content-type'] === 'application/json') {
		// A string goes out in the same write as the head; a Buffer would take a second one.
		const body = text ?? (await response.text());
		headers['content-length'] = String(Buffer.byteLength(body));
		res.writeHead(response.status, headers);
		res.end(body);
		return;
	}
	res.writeHead(response.status, headers);
	await streamBody(res, response.body);
}

/**
 * Streams a body through `pipeline`, which ties both ends together: a client that hangs up
 * cancels the web stream (and with it the producer, an export say), and a body that fails after
 * the head destroys the socket, so the client sees an incomplete chunked transfer rather than a
 * short body that looks whole. Neither is a server error; the producer logs its own failures.
 */
async function streamBody(res: ServerResponse, body: ReadableStream<Uint8Array>): Promise<void> {
	try {
		await pipeline(Readable.fromWeb(body as unknown as NodeReadableStream), res);
	} catch {
		res.destroy();
	}
}
