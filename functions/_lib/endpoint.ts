/**
 * The endpoint declaration every function uses: per method, the zod schemas of its inputs, the
 * credential and role it needs, what the docs say about it, and the handler — which receives
 * typed inputs that are already authenticated, parsed and authorized. The opening is the same
 * everywhere, in one fixed order:
 *
 *   authenticate (and the kind of credential) → path params → query → role → body
 *
 * so an unknown credential is always a 401 before anything else is looked at, a malformed id a
 * 400 before any row is read, a caller without the role a 404/403 before their body is read or
 * buffered. Ids are normalised once, by the `Uuid` schema the params use (lower case).
 *
 * The function file keeps Netlify's in-code `config` literal (Netlify reads it from the source);
 * `endpoint(config, methods)` checks the two agree, and the API reference in the README and on
 * the docs page is generated from these declarations (scripts/write-api-reference.ts).
 */
import type { Config } from '@netlify/functions';
import type * as z from 'zod';
import { authenticate, requireSession, requireSessionToChangeAccess, type Principal } from './auth.ts';
import { requireExperimentRole, requireWorkspaceRole } from './authorize.ts';
import type { WorkspaceRole } from './contracts/common.ts';
import { ExperimentIdParams } from './contracts/experiment-params.ts';
import { WorkspaceParams } from './contracts/workspaces.ts';
import { getDb, type Db } from './db.ts';
import { ApiError } from './errors.ts';
import {
	readBody,
	readJson,
	readParams,
	readQuery,
	validate,
	withErrorEnvelope,
	type Context as FunctionContext,
	type Handler
} from './http.ts';

export type { Context as FunctionContext, Handler } from './http.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a method:
 * - `anyone`: no credential needed (health, config, local sign-in);
 * - `signed-in`: any valid credential, an API key or a browser session;
 * - `session`: a signed-in browser session only (API keys get a 403);
 * - `{ workspace: role }`: at least `role` in the workspace the path's `:id` names;
 * - `{ experiment: role }`: at least `role` in the workspace of the experiment `:id` names.
 * `session` on the last two also refuses API keys: `'required'`, or `'changes access'` for
 * anything that changes who may see a workspace (the 403 says so).
 */
export type Access =
	| 'anyone'
	| 'signed-in'
	| 'session'
	| { workspace: WorkspaceRole; session?: SessionNeed }
	| { experiment: WorkspaceRole; session?: SessionNeed };

export type SessionNeed = 'required' | 'changes access';

/** The caller's workspace and role, once `{ workspace }` or `{ experiment }` access was checked. */
export interface Grant {
	workspaceId: string;
	role: WorkspaceRole;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface Inputs<A extends Access, P, Q, B> {
	req: Request;
	context: FunctionContext;
	db: Db;
	principal: A extends 'anyone' ? undefined : Principal;
	/** Set when access names a workspace or an experiment. */
	grant: A extends { workspace: WorkspaceRole } | { experiment: WorkspaceRole } ? Grant : undefined;
	params: Parsed<P>;
	query: Parsed<Q>;
	body: Parsed<B>;
}

/** The text of the generated API reference for one method. */
export interface MethodDocs {
	/** What success returns: `200 \`Workspace\``. */
	success: string;
	/** Overrides the "who" derived from `access` when it needs more words. */
	who?: string;
	/** Overrides the body / query summary derived from the schemas. */
	request?: string;
}

export interface MethodDeclaration<
	A extends Access,
	P extends z.ZodType | undefined,
	Q extends z.ZodType | undefined,
	B extends z.ZodType | undefined
> {
	access: A;
	/**
	 * Runs first, before any input is read: for refusals that depend on the deployment, not on
	 * the request (local sign-in where auth is not local is a 404 whatever the body holds).
	 */
	guard?: () => void;
	/**
	 * Runs right after authentication, before any input is read: for refusals by credential that
	 * `access` cannot name (a key scoped to one workspace where the method acts beyond it).
	 */
	checkCredential?: (principal: Principal) => void;
	params?: P;
	query?: Q;
	body?: B;
	/** The body size limit in bytes (default: http.ts's DEFAULT_BODY_LIMIT). */
	bodyLimit?: number;
	/** Runs on the parsed JSON before the schema, for refusals cheaper than validating (entry counts). */
	precheckBody?: (raw: unknown) => void;
	/** The message of a body that fails its schema (default "Invalid request body"). */
	bodyError?: string;
	docs: MethodDocs;
	handle: (inputs: Inputs<A, P, Q, B>) => Promise<Response>;
}

/**
 * One method's declaration, with its types inferred. Declaring each method through this keeps
 * the inference per method (a plain object literal would widen the schemas to a union). The
 * result is `NoInfer`: inside `endpoint(...)` the expected `any` declaration would otherwise be
 * inferred from, widening `access` to every kind (and `principal` to possibly undefined).
 */
export function method<
	A extends Access,
	P extends z.ZodType | undefined = undefined,
	Q extends z.ZodType | undefined = undefined,
	B extends z.ZodType | undefined = undefined
>(
	declaration: MethodDeclaration<A, P, Q, B>
): MethodDeclaration<NoInfer<A>, NoInfer<P>, NoInfer<Q>, NoInfer<B>> {
	return declaration;
}

/**
 * `{ experiment: role }` access with the `:id` param that role is checked on, to spread into
 * `method({...})`: the check needs the experiment id, so the two always come together.
 * (Overloads, not a defaulted type parameter: inside `method({...})` the default would be
 * inferred away and the handler's `params` left untyped.)
 */
export function onExperiment<R extends WorkspaceRole>(
	role: R
): { access: { experiment: R }; params: typeof ExperimentIdParams };
export function onExperiment<R extends WorkspaceRole, P extends z.ZodType>(
	role: R,
	params: P
): { access: { experiment: R }; params: P };
export function onExperiment(role: WorkspaceRole, params: z.ZodType = ExperimentIdParams) {
	return { access: { experiment: role }, params };
}

/**
 * `{ workspace: role }` access with the `:id` param that role is checked on, to spread into
 * `method({...})`; `params` where the route has more than the workspace id, `session` as in `Access`.
 */
export function inWorkspace<R extends WorkspaceRole>(
	role: R,
	options?: { session?: SessionNeed }
): { access: { workspace: R; session?: SessionNeed }; params: typeof WorkspaceParams };
export function inWorkspace<R extends WorkspaceRole, P extends z.ZodType>(
	role: R,
	options: { params: P; session?: SessionNeed }
): { access: { workspace: R; session?: SessionNeed }; params: P };
export function inWorkspace(
	role: WorkspaceRole,
	{ params, session }: { params?: z.ZodType; session?: SessionNeed } = {}
): { access: { workspace: WorkspaceRole; session?: SessionNeed }; params: z.ZodType } {
	return {
		// No `session` key unless one is needed: the declaration reads as if written out.
		access: session ? { workspace: role, session } : { workspace: role },
		params: params ?? WorkspaceParams
	};
}

// The declarations are stored without their type parameters; `method()` checked them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMethodDeclaration = MethodDeclaration<any, any, any, any>;
export type MethodDeclarations = Partial<Record<Method, AnyMethodDeclaration>>;

export interface EndpointDeclaration {
	path: string;
	/** The docs page section the endpoint belongs to. */
	group: string;
	methods: MethodDeclarations;
}

/** A function's default export: the handler Netlify and the single server call, plus its declaration. */
export type EndpointHandler = Handler & { declaration: EndpointDeclaration };

/**
 * The function for `config.path`. Throws at load time when `config.method` and the declared
 * methods differ, so Netlify's routing and ours can never disagree.
 */
export function endpoint(config: Config, group: string, methods: MethodDeclarations): EndpointHandler {
	const path = 'path' in config ? config.path : undefined;
	if (typeof path !== 'string') throw new Error('An endpoint needs one `config.path`');
	const declared = Object.keys(methods).sort().join(',');
	const listed = [config.method ?? []].flat().sort().join(',');
	if (listed !== declared) {
		throw new Error(`${path}: config.method lists ${listed} but the declaration has ${declared}`);
	}
	const allowed = Object.keys(methods).join(', ');
	const handler = withErrorEnvelope(async (req, context) => {
		const declaration = methods[req.method as Method];
		if (!declaration) {
			// Netlify routes only `config.method`, but a function stays correct however it is invoked.
			throw new ApiError(
				405,
				'METHOD_NOT_ALLOWED',
				`${req.method} is not allowed here; use ${allowed}.`,
				undefined,
				{
					allow: allowed
				}
			);
		}
		return declaration.handle(await openRequest(declaration, req, context));
	});
	return Object.assign(handler, { declaration: { path, group, methods } });
}

/** Authenticate → params → query → role → body: the one order every method follows. */
async function openRequest(
	declaration: AnyMethodDeclaration,
	req: Request,
	context: FunctionContext
): Promise<Inputs<Access, unknown, unknown, unknown>> {
	const { access } = declaration;
	declaration.guard?.();
	const principal = access === 'anyone' ? undefined : await authenticate(req, getDb());
	if (principal) {
		requireCredentialKind(access, principal);
		declaration.checkCredential?.(principal);
	}
	const params = declaration.params ? readParams(context, declaration.params) : undefined;
	const query = declaration.query ? readQuery(req, declaration.query) : undefined;
	const grant = principal ? await authorize(getDb(), principal, access, params) : undefined;
	const body = declaration.body ? await parseBody(declaration, req) : undefined;
	const inputs = { req, context, principal, grant, params, query, body };
	// Connected only when used: `GET /api/config` must answer where no database is configured.
	Object.defineProperty(inputs, 'db', { get: getDb, enumerable: true });
	return inputs as Inputs<Access, unknown, unknown, unknown>;
}

function requireCredentialKind(access: Access, principal: Principal): void {
	const need = access === 'session' ? 'required' : typeof access === 'object' ? access.session : undefined;
	if (need === 'required') requireSession(principal);
	else if (need === 'changes access') requireSessionToChangeAccess(principal);
}

async function authorize(
	db: Db,
	principal: Principal,
	access: Access,
	params: unknown
): Promise<Grant | undefined> {
	if (typeof access !== 'object') return undefined;
	const id = (params as { id?: string } | undefined)?.id;
	if (id === undefined) throw new Error('An endpoint that checks a role needs an `id` path parameter');
	if ('workspace' in access) {
		return { workspaceId: id, role: await requireWorkspaceRole(db, principal, id, access.workspace) };
	}
	return requireExperimentRole(db, principal, id, access.experiment);
}

async function parseBody(declaration: AnyMethodDeclaration, req: Request): Promise<unknown> {
	const schema = declaration.body as z.ZodType;
	if (!declaration.precheckBody && !declaration.bodyError)
		return readBody(req, schema, declaration.bodyLimit);
	const raw = await readJson(req, declaration.bodyLimit);
	declaration.precheckBody?.(raw);
	return validate(schema, raw, declaration.bodyError ?? 'Invalid request body');
}
