/**
 * Serves the prebuilt site (site/build) the way Netlify's CDN does: exact files, then `x.html`
 * and `x/index.html` for clean URLs, then a route's prerendered shell or the SPA fallback page for
 * client-side routes; with the same security headers the build writes into `_headers` for Netlify
 * (server/site-headers.mjs).
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { getConfig } from '../functions/_lib/config.ts';
import { hstsApplies } from '../functions/_lib/security-headers.ts';
import { FRAMABLE_PAGES, inlineScriptHashes, pageHeaders } from './site-headers.mjs';

const TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.webp': 'image/webp',
	'.ico': 'image/x-icon',
	'.txt': 'text/plain; charset=utf-8',
	'.woff2': 'font/woff2',
	'.webmanifest': 'application/manifest+json'
};

export const FALLBACK_PAGE = '200.html';

/**
 * Client-side routes with a prerendered shell of their own (header and loading skeleton), served
 * instead of the empty fallback page so they paint before the JavaScript runs; netlify.toml
 * rewrites the same paths for the CDN.
 */
export const SHELL_PAGES: { path: RegExp; page: string }[] = [
	{ path: /^\/experiments\/[^/]+$/, page: 'experiments/shell.html' }
];

async function fileAt(root: string, relative: string): Promise<{ path: string; size: number } | undefined> {
	const path = normalize(join(root, relative));
	if (path !== root && !path.startsWith(root + sep)) return undefined;
	try {
		const info = await stat(path);
		return info.isFile() ? { path, size: info.size } : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Netlify reads these from the publish directory and never serves them. Compared lower-cased: on
 * a case-insensitive file system `/_HEADERS` opens the same file.
 */
const NETLIFY_CONFIG_FILES = new Set(['/_headers', '/_redirects']);

/**
 * The request path as the path of a file in the site: percent-decoded exactly once, empty and `.`
 * segments dropped, `..` resolved. Every rule below (the config files, the shells, the cache
 * headers) must judge the path that will be opened, not its spelling: `/x/..%2f_headers` is
 * `/_headers`. Undefined for a path that names no file: a malformed escape, a control character
 * (NUL included), a backslash (a separator on Windows), or `..` above the root.
 */
export function sitePath(pathname: string): string | undefined {
	let decoded: string;
	try {
		decoded = decodeURIComponent(pathname);
	} catch {
		return undefined;
	}
	// eslint-disable-next-line no-control-regex
	if (/[\u0000-\u001f\u007f\\]/.test(decoded)) return undefined;
	const segments: string[] = [];
	const parts = decoded.split('/');
	for (const part of parts) {
		if (part === '' || part === '.') continue;
		if (part === '..') {
			if (segments.length === 0) return undefined;
			segments.pop();
		} else segments.push(part);
	}
	// `/docs/`, `/docs/.` and `/docs/x/..` all name the directory, whose index page is served.
	const last = parts[parts.length - 1];
	const directory = segments.length > 0 && (last === '' || last === '.' || last === '..');
	return `/${segments.join('/')}${directory ? '/' : ''}`;
}

/** The security headers of a page response, HSTS only over HTTPS to a non-loopback host. */
export function sitePageHeaders(
	req: IncomingMessage,
	scriptHashes: string[],
	framable = false
): Record<string, string> {
	let hostname = 'localhost';
	try {
		hostname = new URL(`http://${req.headers.host ?? 'localhost'}`).hostname;
	} catch {
		// A malformed Host header: treat as local (no HSTS).
	}
	const forwarded = req.headers['x-forwarded-proto'];
	return pageHeaders({
		supabaseUrl: getConfig().supabaseUrl,
		scriptHashes,
		hsts: hstsApplies('http:', hostname, Array.isArray(forwarded) ? forwarded[0] : forwarded),
		framable
	});
}

export function createStaticHandler(root: string, extraHeaders: Record<string, string> = {}) {
	// The build does not change under a running server; its inline scripts are hashed once.
	const scriptHashes = existsSync(root) ? inlineScriptHashes(root) : [];
	return async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
		const decoded = sitePath(pathname);
		const framable = decoded !== undefined && FRAMABLE_PAGES.test(decoded);
		const security = sitePageHeaders(req, scriptHashes, framable);
		// The app's baseline headers forbid framing; a shared page's own policy allows it.
		if (framable) res.removeHeader('x-frame-options');
		if (decoded === undefined || NETLIFY_CONFIG_FILES.has(decoded.toLowerCase())) {
			res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...security, ...extraHeaders });
			res.end('Not found');
			return;
		}
		const candidates = decoded.endsWith('/')
			? [`${decoded}index.html`]
			: [decoded, `${decoded}.html`, `${decoded}/index.html`];
		let found: { path: string; size: number } | undefined;
		for (const candidate of candidates) {
			found = await fileAt(root, candidate);
			if (found) break;
		}
		// Missing assets are real 404s; anything else is a client-side route for the SPA fallback.
		if (!found && !extname(decoded)) {
			const shell = SHELL_PAGES.find((entry) => entry.path.test(decoded));
			found = (shell && (await fileAt(root, shell.page))) || (await fileAt(root, FALLBACK_PAGE));
		}
		if (!found) {
			res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...security, ...extraHeaders });
			res.end('Not found');
			return;
		}
		const type = TYPES[extname(found.path)] ?? 'application/octet-stream';
		const immutable = decoded.startsWith('/_app/immutable/');
		const gzip = await precompressed(found.path, req);
		res.writeHead(200, {
			'content-type': type,
			'content-length': String(gzip?.size ?? found.size),
			'cache-control': immutable
				? 'public, max-age=31536000, immutable'
				: 'public, max-age=0, must-revalidate',
			...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
			...security,
			...extraHeaders
		});
		if (req.method === 'HEAD') {
			res.end();
			return;
		}
		// pipeline, not pipe: a client that hangs up mid-file closes the file too.
		await pipeline(createReadStream(gzip?.path ?? found.path), res).catch(() => res.destroy());
	};
}

async function precompressed(path: string, req: IncomingMessage) {
	if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return undefined;
	try {
		const info = await stat(`${path}.gz`);
		return { path: `${path}.gz`, size: info.size };
	} catch {
		return undefined;
	}
}
