/**
 * Test support (imported only by tests): a fake `fetch` that records every request and answers
 * with what the test's handler returns, fake credentials, and envelope builders.
 */
import type { ErrorCode } from '$contracts/common';
import type { Credentials } from './caller';
import type { Fetch } from './transport';

export interface RecordedRequest {
	method: string;
	/** Resolved against http://tora.test, so tests can read `pathname` and `searchParams`. */
	url: URL;
	headers: Record<string, string>;
	/** The parsed JSON body, if any. */
	body: unknown;
}

export function fakeFetch(answer: (request: RecordedRequest) => Response | Promise<Response>) {
	const requests: RecordedRequest[] = [];
	const fetch: Fetch = async (url, init) => {
		const request: RecordedRequest = {
			method: init.method ?? 'GET',
			url: new URL(url, 'http://tora.test'),
			headers: { ...(init.headers as Record<string, string>) },
			body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined
		};
		requests.push(request);
		return answer(request);
	};
	return { fetch, requests };
}

export function dataResponse(data: unknown, status = 200): Response {
	return Response.json({ status, data }, { status });
}

export function errorResponse(
	status: number,
	code: ErrorCode,
	message: string,
	fields?: Record<string, string[]>
): Response {
	return Response.json({ status, error: { code, message, ...(fields ? { fields } : {}) } }, { status });
}

/**
 * A session holding `token`, renewed to each of `renewals` in turn (then to null: renewal fails).
 * `cleared` tells whether the client gave the session up.
 */
export function fakeCredentials(token: string | null, renewals: string[] = []) {
	const state = { token, renewed: 0, cleared: false };
	const credentials: Credentials = {
		accessToken: async () => state.token,
		renew: async () => {
			state.renewed++;
			state.token = renewals.shift() ?? null;
			return state.token;
		},
		clear: () => {
			state.cleared = true;
			state.token = null;
		}
	};
	return { credentials, state };
}
