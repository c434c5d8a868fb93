/**
 * From endpoint declarations (functions/_lib/endpoint.ts) to the rows of the API reference: one
 * row per method, with "who" and "body / query" derived from the declared access and schemas
 * unless the method's docs override them. Pure: no files, no imports of functions.
 */
import * as z from 'zod';
import type {
	Access,
	AnyMethodDeclaration,
	EndpointDeclaration,
	Method
} from '../../functions/_lib/endpoint.ts';

/** The docs page's sections, in the order they are shown (README and docs page alike). */
export const GROUPS = [
	'Service and account',
	'API keys',
	'Workspaces',
	'Members',
	'Invitations',
	'Projects',
	'Experiments',
	'Logging, series and export',
	'Share links',
	'Artifacts',
	'MLflow compatibility'
] as const;

const METHOD_ORDER: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** One method of one path, as the README table and the docs page show it. */
export interface ReferenceRow {
	method: Method;
	path: string;
	who: string;
	request: string;
	success: string;
}

export interface ReferenceGroup {
	title: string;
	endpoints: ReferenceRow[];
}

/**
 * The reference, grouped in GROUPS order; within a group by path (segment by segment), then by
 * method in GET, POST, PUT, PATCH, DELETE order, so the order never depends on file names.
 */
export function describeEndpoints(declarations: EndpointDeclaration[]): ReferenceGroup[] {
	const rows = new Map<string, ReferenceRow[]>(GROUPS.map((title) => [title, []]));
	for (const declaration of declarations) {
		const group = rows.get(declaration.group);
		if (!group) {
			throw new Error(
				`${declaration.path}: unknown docs group "${declaration.group}"; use one of: ${GROUPS.join(', ')}`
			);
		}
		for (const [method, declared] of Object.entries(declaration.methods) as [
			Method,
			AnyMethodDeclaration
		][]) {
			group.push(describeMethod(declaration.path, method, declared));
		}
	}
	return [...rows]
		.filter(([, endpoints]) => endpoints.length > 0)
		.map(([title, endpoints]) => ({ title, endpoints: endpoints.sort(byPathThenMethod) }));
}

function describeMethod(path: string, method: Method, declared: AnyMethodDeclaration): ReferenceRow {
	const { docs } = declared;
	return {
		method,
		path,
		who: docs.who ?? describeAccess(declared.access),
		request: docs.request ?? describeRequest(declared, `${method} ${path}`),
		success: docs.success
	};
}

/** "anyone", "signed in or key", "session", or the workspace role (", session" if keys are refused). */
export function describeAccess(access: Access): string {
	if (access === 'anyone') return 'anyone';
	if (access === 'signed-in') return 'signed in or key';
	if (access === 'session') return 'session';
	const role = 'workspace' in access ? access.workspace : access.experiment;
	return access.session ? `${role}, session` : role;
}

/** `` `{name, workspaceId?}` `` for a body, `` `?limit&cursor` `` for a query, empty for neither. */
export function describeRequest(declared: AnyMethodDeclaration, where: string): string {
	const parts: string[] = [];
	if (declared.query)
		parts.push(
			`\`?${topLevelKeys(declared.query, where)
				.map(({ key }) => key)
				.join('&')}\``
		);
	if (declared.body) {
		const keys = topLevelKeys(declared.body, where).map(({ key, optional }) => (optional ? `${key}?` : key));
		parts.push(`\`{${keys.join(', ')}}\``);
	}
	return parts.join(' ');
}

/**
 * The keys of an object schema as a client sends it (input side: a key with a default is
 * optional, a transform does not hide the object).
 */
function topLevelKeys(schema: z.ZodType, where: string): { key: string; optional: boolean }[] {
	const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
	if (json.type !== 'object' || !json.properties) {
		throw new Error(`${where}: its schema is not an object; describe the request in docs.request`);
	}
	const required = new Set(json.required ?? []);
	return Object.keys(json.properties).map((key) => ({ key, optional: !required.has(key) }));
}

function byPathThenMethod(a: ReferenceRow, b: ReferenceRow): number {
	return comparePaths(a.path, b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method);
}

/** Segment by segment, so `/api/experiments/:id` sorts with its own path before `/api/experiments-x`. */
function comparePaths(a: string, b: string): number {
	const left = a.split('/');
	const right = b.split('/');
	for (let i = 0; i < Math.min(left.length, right.length); i++) {
		if (left[i] !== right[i]) return left[i] < right[i] ? -1 : 1;
	}
	return left.length - right.length;
}
