/**
 * The single server: Node's http server in front of the same function modules Netlify runs.
 * `/api/*` goes to the function whose own config matches (404 / 405 envelopes otherwise);
 * everything else is the site, from site/build or from Vite's dev middleware.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { ApiError, errorResponse } from '../functions/_lib/errors.ts';
import { matchRoute, type Route } from './routes.ts';

export type SiteHandler = (
	req: IncomingMessage,
	res: ServerResponse,
	pathname: string
) => void | Promise<void>;

export interface AppOptions {
	routes: Route[];
	site?: SiteHandler;
}

export function createApp({ routes, site }: AppOptions): Server {
	const server = createServer((req, res) => {
		handle(req, res).catch((error) => {
			console.error('[tora] unhandled server error', error);
			if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ status: 500, error: { code: 'INTERNAL', message: 'Internal error.' } }));
		});
	});
	server.keepAliveTimeout = 65_000;

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
		if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
			await sendWebResponse(req, res, await dispatchApi(req, url));
			return;
		}
		if (site) return site(req, res, url.pathname);
		res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
		res.end('Not found');
	}

	async function dispatchApi(req: IncomingMessage, url: URL): Promise<Response> {
		const method = (req.method ?? 'GET').toUpperCase();
		const match = matchRoute(routes, method, url.pathname);
		if (match.kind === 'none') {
			return errorResponse(new ApiError(404, 'NOT_FOUND', `No API route ${url.pathname}.`));
		}
		if (match.kind === 'wrong-method') {
			const allow = match.allowed.join(', ');
			return errorResponse(
				new ApiError(
					405,
					'METHOD_NOT_ALLOWED',
					`${method} is not allowed on ${url.pathname}; use ${allow}.`,
					undefined,
					{
						allow
					}
				)
			);
		}
		const request = toWebRequest(req, url, method);
		return match.route.handler(request, { params: match.params, ip: req.socket.remoteAddress });
	}

	return server;
}

function toWebRequest(req: IncomingMessage, url: URL, method: string): Request {
	const headers = new Headers();
	for (const [name, value] of Object.entries(req.headers)) {
		if (value === undefined) continue;
		for (const v of [value].flat()) headers.append(name, v);
	}
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
	res.writeHead(response.status, headers);
	if (!response.body || headOnly) {
		res.end();
		return;
	}
	await new Promise<void>((resolve, reject) => {
		const body = Readable.fromWeb(response.body as unknown as NodeReadableStream);
		body.on('error', reject);
		res.on('close', resolve);
		body.pipe(res);
	});
}
