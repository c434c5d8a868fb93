/**
 * Calls the real function handlers with real `Request`s, routed by their own `config` exactly as
 * the single server and Netlify route them — no HTTP in between, no mocks.
 */
import { randomUUID } from 'node:crypto';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes, matchRoute } from '../../server/routes.ts';

const routes = await loadRoutes(functionsDir);

export interface CallOptions {
	body?: unknown;
	rawBody?: string | Uint8Array;
	token?: string;
	apiKey?: string;
	headers?: Record<string, string>;
}

export interface ApiResult<T = unknown> {
	status: number;
	body: T extends undefined
		? never
		: { status: number; data: T; error?: ErrorBody } & Record<string, unknown>;
	headers: Headers;
}

interface ErrorBody {
	code: string;
	message: string;
	fields?: Record<string, string[]>;
}

/** The handler's raw Response (for CSV and other non-JSON bodies). */
export async function apiResponse(
	method: string,
	path: string,
	options: CallOptions = {}
): Promise<Response> {
	const url = new URL(path, 'http://tora.test');
	const match = matchRoute(routes, method, url.pathname);
	if (match.kind !== 'found')
		throw new Error(`test called ${method} ${path}, which no function handles (${match.kind})`);
	const headers = new Headers(options.headers);
	if (options.token) headers.set('authorization', `Bearer ${options.token}`);
	if (options.apiKey) headers.set('x-api-key', options.apiKey);
	let body: BodyInit | undefined;
	if (options.rawBody !== undefined) body = options.rawBody as BodyInit;
	else if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		if (!headers.has('content-type')) headers.set('content-type', 'application/json');
	}
	return match.route.handler(new Request(url, { method, headers, body }), {
		params: match.params,
		ip: '127.0.0.1'
	});
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function api<T = any>(
	method: string,
	path: string,
	options: CallOptions = {}
): Promise<ApiResult<T>> {
	const response = await apiResponse(method, path, options);
	const text = await response.text();
	return {
		status: response.status,
		body: text ? JSON.parse(text) : undefined,
		headers: response.headers
	} as ApiResult<T>;
}

export const randomEmail = (label = 'user') => `${label}-${randomUUID().slice(0, 8)}@example.test`;

export async function signIn(
	email = randomEmail()
): Promise<{ token: string; userId: string; email: string }> {
	const result = await api('POST', '/api/auth/local', { body: { email } });
	if (result.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(result.body)}`);
	return {
		token: result.body.data.access_token,
		userId: result.body.data.user.id,
		email: result.body.data.user.email
	};
}

export async function createKey(token: string, workspaceId?: string): Promise<{ id: string; key: string }> {
	const result = await api('POST', '/api/api-keys', { token, body: { name: 'test key', workspaceId } });
	if (result.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(result.body)}`);
	return { id: result.body.data.id, key: result.body.data.key };
}

/** Every error response must be the one error envelope (ARCHITECTURE.md, Wire contract). */
export function expectEnvelope(result: ApiResult, status: number, code: string): void {
	if (result.status !== status || result.body?.status !== status || result.body?.error?.code !== code) {
		throw new Error(`expected ${status} ${code}, got ${result.status} ${JSON.stringify(result.body)}`);
	}
	if (typeof result.body.error.message !== 'string' || result.body.error.message.length === 0) {
		throw new Error('error envelope without a message');
	}
}
