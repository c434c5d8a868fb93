/**
 * The DNS-rebinding guard for local mode. `TORA_AUTH=local` signs anyone in who can reach the
 * server, which is safe on a trusted machine only while "reach" means this machine. A page on
 * another site can make its own hostname resolve to 127.0.0.1 (DNS rebinding); the browser then
 * treats our server as that site and lets the page read every answer. The one thing the page
 * cannot change is the `Host` header, which still names its own hostname: so in local mode a
 * request must name a host this install answers to.
 *
 * Allowed: `localhost` and `*.localhost` (browsers resolve them to loopback themselves, so no
 * one else can serve them), any IP address literal (rebinding needs a DNS name: a page whose
 * origin is an IP address was served from that address), `TORA_PUBLIC_URL`'s host, and the
 * names in `TORA_ALLOWED_HOSTS` (comma-separated) — with any port.
 *
 * Supabase mode needs no such guard: signing in takes a real account there, and a rebound page
 * holds no credentials for our origin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getConfig } from '../functions/_lib/config.ts';
import { ApiError } from '../functions/_lib/errors.ts';
import { API_CSP } from '../functions/_lib/security-headers.ts';

/** A Host header as clients send it: a DNS name, an IPv4 address or a bracketed IPv6 address, then a port. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * The hostname of a Host header, lower-cased, without port or a final dot (`localhost.` is the
 * same DNS name); undefined when the header is not a plain host (userinfo, paths, spaces...).
 */
export function hostnameOf(hostHeader: string): string | undefined {
	const match = HOST_HEADER.exec(hostHeader.trim());
	if (!match) return undefined;
	const hostname = match[1].toLowerCase().replace(/\.$/, '');
	return hostname === '' ? undefined : hostname;
}

function isIpLiteral(hostname: string): boolean {
	if (hostname.startsWith('[')) return hostname.endsWith(']');
	return IPV4.test(hostname) && hostname.split('.').every((part) => Number(part) <= 255);
}

function isLoopbackName(hostname: string): boolean {
	return hostname === 'localhost' || hostname.endsWith('.localhost');
}

/** A hostname from a setting: a bare name, `name:port` or a URL. */
function configuredHostname(entry: string): string | undefined {
	try {
		const url = new URL(entry.includes('://') ? entry : `http://${entry}`);
		return url.hostname.toLowerCase().replace(/\.$/, '') || undefined;
	} catch {
		return undefined;
	}
}

/** The hostnames `TORA_PUBLIC_URL` and `TORA_ALLOWED_HOSTS` add to the built-in ones. */
export function configuredHostnames(
	publicUrl = getConfig().publicUrl,
	allowedHosts = getConfig().allowedHosts
): Set<string> {
	// Parsed once per value of the settings (tests change the configuration at run time).
	const key = `${publicUrl ?? ''}\n${allowedHosts ?? ''}`;
	if (parsed?.key === key) return parsed.hostnames;
	const hostnames = new Set<string>();
	for (const entry of [publicUrl, ...(allowedHosts?.split(/[\s,]+/) ?? [])]) {
		const hostname = entry ? configuredHostname(entry) : undefined;
		if (hostname) hostnames.add(hostname);
	}
	parsed = { key, hostnames };
	return hostnames;
}

let parsed: { key: string; hostnames: Set<string> } | undefined;

/** Whether a request naming this Host may be answered in local mode. No Host at all is not a browser. */
export function isHostAllowed(
	hostHeader: string | undefined | null,
	configured = configuredHostnames()
): boolean {
	if (hostHeader === undefined || hostHeader === null) return true;
	const hostname = hostnameOf(hostHeader);
	if (hostname === undefined) return false;
	return isLoopbackName(hostname) || isIpLiteral(hostname) || configured.has(hostname);
}

/** Only local mode signs in without a password, so only there does the Host matter. */
export function hostCheckApplies(): boolean {
	return getConfig().auth.mode === 'local';
}

/** What the refusal says: which host, and what to set to allow it. */
export function foreignHostMessage(hostHeader: string): string {
	const shown = JSON.stringify(hostHeader.slice(0, 100));
	return (
		`Host ${shown} is not allowed: with TORA_AUTH=local this server answers only to localhost, ` +
		'IP addresses and the host of TORA_PUBLIC_URL. To use this name, add it to TORA_ALLOWED_HOSTS ' +
		'(comma-separated) or set TORA_PUBLIC_URL to it.'
	);
}

/** The 403 a function answers when its request names a host local mode does not answer to. */
export function foreignHostError(req: Request): ApiError | undefined {
	if (!hostCheckApplies()) return undefined;
	const host = req.headers.get('host') ?? new URL(req.url).host;
	return isHostAllowed(host) ? undefined : new ApiError(403, 'FORBIDDEN', foreignHostMessage(host));
}

/**
 * The single server's guard, run before anything else: true when it answered the request (a 403,
 * the error envelope for `/api`, plain text for pages), false when the request may go on.
 */
export function refuseForeignHost(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
	const host = req.headers.host;
	if (isHostAllowed(host) || !hostCheckApplies()) return false;
	const message = foreignHostMessage(host ?? '');
	const api = pathname === '/api' || pathname.startsWith('/api/');
	const body = api
		? JSON.stringify({ status: 403, error: { code: 'FORBIDDEN', message } })
		: `403 Forbidden\n\n${message}\n`;
	res.writeHead(403, {
		'content-type': api ? 'application/json' : 'text/plain; charset=utf-8',
		'content-length': String(Buffer.byteLength(body)),
		'cache-control': 'no-store',
		'content-security-policy': API_CSP,
		'x-content-type-options': 'nosniff',
		'x-frame-options': 'DENY',
		'referrer-policy': 'no-referrer',
		// An unread request body stays on the socket: the connection cannot carry another request.
		...(req.complete ? {} : { connection: 'close' })
	});
	res.end(req.method === 'HEAD' ? undefined : body);
	return true;
}
