import { ApiError, request, type ApiPath, type Method } from './http';
import { session } from './session.svelte';

export { ApiError };

/** `GET` an authenticated API path, e.g. `apiGet<Me>('/api/me')`. */
export function apiGet<T>(path: ApiPath): Promise<T> {
	return call<T>('GET', path);
}

export function apiSend<T>(method: Exclude<Method, 'GET'>, path: ApiPath, body?: unknown): Promise<T> {
	return call<T>(method, path, body);
}

async function call<T>(method: Method, path: ApiPath, body?: unknown): Promise<T> {
	let token = await session.accessToken();
	for (let attempt = 0; ; attempt++) {
		try {
			return await request<T>(method, path, { body, token });
		} catch (error) {
			if (!(error instanceof ApiError) || error.status !== 401 || !token) throw error;
			// The token was stale or revoked: renew it once, then forget the session so the page
			// sends the user to /signin.
			token = attempt === 0 ? await session.renew() : null;
			if (!token) {
				session.clear();
				throw error;
			}
		}
	}
}
