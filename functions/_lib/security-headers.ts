/**
 * Security headers and CORS for every API response, applied by the shared handler wrapper so
 * Netlify Functions and the single server send the same ones. Pages get theirs from
 * server/site-headers.mjs (netlify.toml + the generated `_headers`, and server/static-files.ts).
 *
 * CORS is closed unless `TORA_CORS_ORIGINS` lists origins: no `Access-Control-Allow-Origin` is
 * ever sent for any other origin, and never with credentials (we use bearer tokens, no cookies).
 */
import { getConfig, onNetlifyProduction } from './config.ts';

/** API bodies are JSON or CSV: nothing in them may run, embed or be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
export const HSTS = 'max-age=63072000; includeSubDomains';

const BASE_HEADERS: Record<string, string> = {
	'content-security-policy': API_CSP,
	'x-content-type-options': 'nosniff',
	'x-frame-options': 'DENY',
	'referrer-policy': 'no-referrer'
};

export const CORS_ALLOWED_METHODS = 'GET, POST, PATCH, DELETE';
export const CORS_ALLOWED_HEADERS = 'authorization, content-type, x-api-key';

/**
 * HSTS only over HTTPS to a real host: browsers ignore it on plain http anyway, and a developer's
 * localhost must never be pinned to HTTPS.
 */
export function wantsHsts(req: Request): boolean {
	const url = new URL(req.url);
	return hstsApplies(url.protocol, url.hostname, req.headers.get('x-forwarded-proto'));
}

/** The same decision from a URL's parts and a proxy's `X-Forwarded-Proto` (single server pages). */
export function hstsApplies(protocol: string, hostname: string, forwardedProto?: string | null): boolean {
	if (onNetlifyProduction()) return true;
	const forwarded = forwardedProto?.split(',')[0]?.trim().toLowerCase();
	const effective = forwarded || protocol.replace(/:$/, '').toLowerCase();
	return effective === 'https' && !isLoopbackHost(hostname);
}

export function isLoopbackHost(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
}

/** The origins `TORA_CORS_ORIGINS` opens the API to (comma or space separated, exact origins). */
export function corsOrigins(): Set<string> {
	const configured = getConfig().corsOrigins;
	// Parsed once per value of the setting (tests change the configuration at run time).
	if (parsedCors && parsedCors.configured === configured) return parsedCors.origins;
	const origins = parseOrigins(configured);
	parsedCors = { configured, origins };
	return origins;
}

let parsedCors: { configured: string | undefined; origins: Set<string> } | undefined;

function parseOrigins(configured: string | undefined): Set<string> {
	const origins = new Set<string>();
	for (const entry of configured?.split(/[\s,]+/) ?? []) {
		if (!entry) continue;
		try {
			const url = new URL(entry);
			if (url.protocol === 'http:' || url.protocol === 'https:') origins.add(url.origin);
		} catch {
			// Not an origin: ignoring it keeps CORS closed for it, which is the safe reading.
		}
	}
	return origins;
}

function allowedOrigin(req: Request): string | undefined {
	const origin = req.headers.get('origin');
	if (!origin) return undefined;
	return corsOrigins().has(origin) ? origin : undefined;
}

const CORS_EXPOSED_HEADERS = 'retry-after, content-disposition, allow';

/** Headers every API response carries, CORS included when the request's origin is allowed. */
export function apiSecurityHeaders(req: Request): Record<string, string> {
	const headers = { ...BASE_HEADERS };
	if (wantsHsts(req)) headers['strict-transport-security'] = HSTS;
	const origin = allowedOrigin(req);
	if (origin) {
		headers['access-control-allow-origin'] = origin;
		headers['access-control-expose-headers'] = CORS_EXPOSED_HEADERS;
	}
	return headers;
}

/** Adds the API headers to a response; its own headers (content type, caching) are kept. */
export function withSecurityHeaders(response: Response, req: Request): Response {
	const headers = apiSecurityHeaders(req);
	let target = response;
	try {
		for (const name in headers) target.headers.set(name, headers[name]);
	} catch {
		// Immutable headers (a fetched response): copy into a new one.
		target = new Response(response.body, response);
		for (const name in headers) target.headers.set(name, headers[name]);
	}
	if (corsOrigins().size > 0) appendVary(target.headers, 'origin');
	if (!target.headers.has('cache-control')) target.headers.set('cache-control', 'no-store');
	return target;
}

function appendVary(headers: Headers, value: string): void {
	const existing = headers.get('vary');
	const parts = existing ? existing.split(',').map((part) => part.trim().toLowerCase()) : [];
	if (!parts.includes(value)) headers.set('vary', [...parts, value].join(', '));
}

/**
 * An `OPTIONS` request to an API path. For an allowed origin this is a CORS preflight that says
 * yes; for any other origin it is answered without a single `Access-Control-Allow-*` header, so
 * the browser refuses to send the real request.
 */
export function preflightResponse(req: Request, allow: string[]): Response {
	const origin = allowedOrigin(req);
	const requested = req.headers.get('access-control-request-method')?.toUpperCase();
	const headers: Record<string, string> = { allow: [...allow, 'OPTIONS'].join(', ') };
	if (origin && requested && allow.includes(requested)) {
		Object.assign(headers, {
			'access-control-allow-methods': CORS_ALLOWED_METHODS,
			'access-control-allow-headers': CORS_ALLOWED_HEADERS,
			'access-control-max-age': '600'
		});
	}
	const response = new Response(null, { status: 204, headers });
	const secured = withSecurityHeaders(response, req);
	if (!headers['access-control-allow-methods']) secured.headers.delete('access-control-allow-origin');
	return secured;
}
