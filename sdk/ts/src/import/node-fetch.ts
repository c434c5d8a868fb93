/**
 * A `fetch` for the importer built on node:http(s) with a keep-alive agent. Node 20's fetch
 * (undici) holds on to memory per request: posting 1.5 MB batch bodies back to back grows a
 * process by about 100 MB, where node:http stays near its start (measured while writing P17). An
 * import sends thousands of such bodies, so it uses this instead; it does what Http needs and no
 * more: method, headers, a string or byte body, abort signals, the status, headers and text of
 * the answer. Redirects are not followed (Http asks fetch for `redirect: 'error'`): a 3xx is an
 * answer like any other, which Http then treats as an error.
 */
import http from 'node:http';
import https from 'node:https';
import type { FetchLike } from '../http.js';

const agents = {
	'http:': new http.Agent({ keepAlive: true }),
	'https:': new https.Agent({ keepAlive: true })
};

export const nodeFetch: FetchLike = (input, init) =>
	new Promise<Response>((resolve, reject) => {
		const url = new URL(input);
		const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
		const body = init.body as string | Uint8Array | undefined | null;
		const headers = { ...(init.headers as Record<string, string> | undefined) };
		if (body !== undefined && body !== null)
			headers['content-length'] = String(
				typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
			);
		const signal = init.signal ?? undefined;
		if (signal?.aborted) return reject(signal.reason);
		const request = (protocol === 'https:' ? https : http).request(
			url,
			{ method: init.method ?? 'GET', headers, agent: agents[protocol] },
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('error', fail);
				response.on('end', () => {
					signal?.removeEventListener('abort', onAbort);
					const answer = new Headers();
					for (const [name, value] of Object.entries(response.headers)) {
						if (value !== undefined) answer.set(name, Array.isArray(value) ? value.join(', ') : value);
					}
					const status = response.statusCode ?? 0;
					// Response refuses a body for these statuses.
					const text = status === 204 || status === 304 ? null : Buffer.concat(chunks).toString('utf8');
					resolve(new Response(text, { status, headers: answer }));
				});
			}
		);
		function fail(error: unknown): void {
			signal?.removeEventListener('abort', onAbort);
			reject(error);
		}
		function onAbort(): void {
			request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
		}
		signal?.addEventListener('abort', onAbort, { once: true });
		request.on('error', fail);
		request.end(body ?? undefined);
	});
