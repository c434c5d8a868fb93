/**
 * `mlflowEndpoint()`: one function per MLflow resource (`/api/2.0/mlflow/runs/:action`, ...),
 * declared through Tora's own `endpoint()` so authentication, body limits, JSON parsing, the
 * security headers, the route loader and the API reference all work as everywhere else; then
 * every error it answers is rewritten into MLflow's `{error_code, message}` (errors.ts), and
 * successes are MLflow's bare JSON messages instead of Tora's `{status, data}` envelope.
 *
 * MLflow names the operation in the path's last segment and takes its fields from the JSON body
 * (POST) or the query string (GET). `endpoint()` parses the body as JSON (any shape) within the
 * resource's size limit; the action's own zod schema then validates it, so a bad field is MLflow's
 * INVALID_PARAMETER_VALUE naming it. Roles are checked by the actions themselves, on the run or
 * experiment the body names (after the body is read: the id is in it).
 */
import type { Config } from '@netlify/functions';
import * as z from 'zod';
import type { Principal } from '../auth.ts';
import type { Db } from '../db.ts';
import { endpoint, method, type EndpointHandler, type Method } from '../endpoint.ts';
import { JsonResponse, validate } from '../http.ts';
import { MlflowError, endpointNotFound, toMlflowError } from './errors.ts';

export interface MlflowContext {
	db: Db;
	principal: Principal;
	req: Request;
}

export interface MlflowAction<S extends z.ZodType = z.ZodType> {
	/** The HTTP method MLflow's service.proto gives the action (`BOTH` for searches). */
	method: 'GET' | 'POST' | 'BOTH';
	input: S;
	handle: (context: MlflowContext, input: z.output<S>) => Promise<unknown>;
}

/** One action, with its input type inferred for `handle`. */
export function action<S extends z.ZodType>(declaration: MlflowAction<S>): MlflowAction<S> {
	return declaration;
}

const ActionParams = z.object({ action: z.string().max(100) });
/** Query strings as readQuery gives them; each action's schema reads its fields. */
const AnyQuery = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
/** The body is any JSON here; the action's schema validates it. */
const AnyJson = z.unknown();

/** MLflow's success body: the response message as JSON, no envelope. */
export function mlflowJson(data: unknown): JsonResponse {
	return new JsonResponse(JSON.stringify(data ?? {}), {
		status: 200,
		headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
	});
}

/**
 * The config `endpoint()` declares: its first path. MLflow's routes also answer under
 * `/ajax-api/...` (MLflow's web UI calls that prefix); the single server and Netlify route every
 * path of `config.path`, and the API reference lists the first.
 */
export function documented(config: Config): Config {
	const [first] = [('path' in config ? config.path : undefined) ?? []].flat();
	return first ? { path: first, method: config.method } : config;
}

export function mlflowEndpoint(
	config: Config,
	resource: string,
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	actions: Record<string, MlflowAction<any>>,
	bodyLimit: number
): EndpointHandler {
	const names = (wanted: 'GET' | 'POST') =>
		Object.entries(actions)
			.filter(([, a]) => a.method === wanted || a.method === 'BOTH')
			.map(([name]) => name);
	const dispatch = async (httpMethod: Method, context: MlflowContext, action: string, raw: unknown) => {
		const declared = Object.hasOwn(actions, action) ? actions[action] : undefined;
		if (!declared)
			throw endpointNotFound(
				`No MLflow endpoint ${resource}/${action}; Tora implements ${Object.keys(actions).join(', ')}.`
			);
		if (declared.method !== 'BOTH' && declared.method !== httpMethod) {
			throw new MlflowError(
				405,
				'ENDPOINT_NOT_FOUND',
				`${resource}/${action} takes ${declared.method}, not ${httpMethod}.`
			);
		}
		const input = validate(declared.input, raw ?? {}, `Invalid ${resource}/${action} request`);
		return mlflowJson(await declared.handle(context, input));
	};
	const docs = (wanted: 'GET' | 'POST') => ({
		success: '200 MLflow JSON message (README, MLflow compatibility); errors `{error_code, message}`',
		who: "signed-in; reads need viewer, writes editor, in the run's or experiment's workspace",
		request: names(wanted).length
			? `:action one of ${names(wanted).join(', ')}`
			: `none: every ${resource} action is ${wanted === 'GET' ? 'POST' : 'GET'} (405 ENDPOINT_NOT_FOUND)`
	});
	const inner = endpoint(documented(config), 'MLflow compatibility', {
		GET: method({
			access: 'signed-in',
			params: ActionParams,
			query: AnyQuery,
			docs: docs('GET'),
			handle: ({ db, principal, req, params, query }) =>
				dispatch('GET', { db, principal, req }, params.action, query)
		}),
		POST: method({
			access: 'signed-in',
			params: ActionParams,
			body: AnyJson,
			bodyLimit,
			docs: docs('POST'),
			handle: ({ db, principal, req, params, body }) =>
				dispatch('POST', { db, principal, req }, params.action, body)
		})
	});
	const handler = async (req: Request, context: Parameters<EndpointHandler>[1]) => {
		const response = await inner(req, context);
		return response.status >= 400 ? toMlflowError(response) : response;
	};
	return Object.assign(handler, { declaration: inner.declaration });
}
