import {
	readData,
	readFailure,
	send,
	type ApiPath,
	type Fetch,
	type Method,
	type RequestOptions
} from './transport';
import { readBody, type DownloadOptions } from './progress';

/** Where the bearer token comes from: the signed-in session (`session.svelte.ts`), or a fake in tests. */
export interface Credentials {
	/** The token for the next call; null when signed out. */
	accessToken(): Promise<string | null>;
	/** A fresh token after the API refused the last one; null when the session cannot be renewed. */
	renew(): Promise<string | null>;
	/** Forgets the session, e.g. after the API refused even a renewed token. */
	clear(): void;
}

/** A downloaded file and the name the server suggests for it (`Content-Disposition`), if any. */
export interface DownloadedFile {
	blob: Blob;
	filename: string | null;
}

export interface Caller {
	/** A call answered with an envelope: its `data`, or an ApiError. */
	json<T>(method: Method, path: ApiPath, options?: Pick<RequestOptions, 'query' | 'body'>): Promise<T>;
	/** A `GET` answered with a file, read as it streams in (progress, cancel). */
	file(path: ApiPath, query?: URLSearchParams, options?: DownloadOptions): Promise<DownloadedFile>;
}

/**
 * Calls that carry the session's token. A 401 renews the token once and repeats the call; if the
 * API refuses that too, or no token can be had, the session is forgotten (the signed-in pages then
 * send the user to /signin) and the 401 is thrown. Without `credentials`, calls go out anonymous.
 */
export function createCaller(fetch: Fetch, credentials?: Credentials): Caller {
	async function respond(method: Method, path: ApiPath, options: RequestOptions): Promise<Response> {
		let token = (await credentials?.accessToken()) ?? null;
		for (let attempt = 0; ; attempt++) {
			const response = await send(fetch, method, path, { ...options, token });
			if (response.status !== 401 || !token || !credentials) return response;
			// The token was stale or revoked: renew it once, then give up on the session.
			token = attempt === 0 ? await credentials.renew() : null;
			if (!token) {
				credentials.clear();
				return response;
			}
		}
	}

	return {
		async json<T>(method: Method, path: ApiPath, options: Pick<RequestOptions, 'query' | 'body'> = {}) {
			return readData<T>(await respond(method, path, options));
		},
		async file(path: ApiPath, query?: URLSearchParams, { signal, onProgress }: DownloadOptions = {}) {
			const response = await respond('GET', path, { query, expect: 'file', signal });
			if (!response.ok) throw await readFailure(response, 'Download');
			const disposition = response.headers.get('content-disposition') ?? '';
			const blob = await readBody(response, onProgress);
			return { blob, filename: /filename="([^"]+)"/.exec(disposition)?.[1] ?? null };
		}
	};
}
