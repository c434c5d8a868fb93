/**
 * The single server's routing, read from each function module's own `config` (path + method),
 * exactly as Netlify reads it: there is no second route table to keep in sync.
 */
import type { Config } from '@netlify/functions';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
	EndpointDeclaration,
	EndpointHandler,
	FunctionContext,
	Handler
} from '../functions/_lib/endpoint.ts';

/** What every `functions/*.mts` exports: `config` and `export default endpoint(config, ...)`. */
export interface FunctionModule {
	default?: EndpointHandler;
	config?: Config;
}

export interface Route {
	file: string;
	path: string;
	methods: string[];
	handler: Handler;
	/** The function's endpoint declaration (inputs, access, docs), as `endpoint()` recorded it. */
	declaration: EndpointDeclaration;
	regex: RegExp;
	paramNames: string[];
	/** Static segments outrank parameters when two patterns could match one URL. */
	specificity: number;
	/**
	 * The function's further paths (`config.path` as a list: MLflow's `/ajax-api/2.0/mlflow/...`
	 * beside `/api/2.0/mlflow/...`), routed to it like `path`; listed, documented and tested as `path`.
	 */
	aliases: Array<{ path: string; regex: RegExp; paramNames: string[] }>;
}

export type RouteMatch =
	| { kind: 'found'; route: Route; params: FunctionContext['params'] }
	| { kind: 'wrong-method'; allowed: string[] }
	| { kind: 'none' };

/** Compiles a Netlify path pattern (`/api/experiments/:id`, `/api/files/*`) to a regex. */
export function compilePattern(path: string): { regex: RegExp; paramNames: string[]; specificity: number } {
	const paramNames: string[] = [];
	let specificity = 0;
	const body = path
		.replace(/\/+$/, '')
		.split('/')
		.map((segment) => {
			if (segment.startsWith(':')) {
				paramNames.push(segment.slice(1));
				return '([^/]+)';
			}
			if (segment === '*') {
				paramNames.push('0');
				return '(.*)';
			}
			specificity++;
			return segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
		})
		.join('/');
	return { regex: new RegExp(`^${body}/?$`), paramNames, specificity };
}

export async function loadRoutes(functionsDir: string): Promise<Route[]> {
	const files = (await readdir(functionsDir)).filter((file) => /\.m?[jt]s$/.test(file)).sort();
	const routes: Route[] = [];
	for (const file of files) {
		const mod = (await import(pathToFileURL(join(functionsDir, file)).href)) as FunctionModule;
		const handler = mod.default;
		if (typeof handler !== 'function' || !handler.declaration || !mod.config?.path) {
			throw new Error(
				`functions/${file} must export a config with a path and \`export default endpoint(config, ...)\``
			);
		}
		const methods = [mod.config.method ?? []].flat().map((m) => m.toUpperCase());
		const [path, ...others] = [mod.config.path].flat();
		routes.push({
			file,
			path,
			methods,
			handler,
			declaration: handler.declaration,
			...compilePattern(path),
			aliases: others.map((alias) => ({ path: alias, ...compilePattern(alias) }))
		});
	}
	routes.sort((a, b) => b.specificity - a.specificity);
	assertNoOverlap(routes);
	return routes;
}

/** Two functions claiming the same method on the same pattern would route differently on Netlify. */
function assertNoOverlap(routes: Route[]): void {
	const seen = new Map<string, string>();
	for (const route of routes) {
		for (const path of [route.path, ...route.aliases.map((alias) => alias.path)]) {
			const shape = path.replace(/:[^/]+/g, ':');
			for (const method of route.methods) {
				const key = `${method} ${shape}`;
				const other = seen.get(key);
				if (other) throw new Error(`functions/${route.file} and functions/${other} both handle ${key}`);
				seen.set(key, route.file);
			}
		}
	}
}

export function matchRoute(routes: Route[], method: string, pathname: string): RouteMatch {
	const allowed = new Set<string>();
	for (const route of routes) {
		const found = matchPath(route, pathname);
		if (!found) continue;
		if (route.methods.includes(method) || (method === 'HEAD' && route.methods.includes('GET'))) {
			const params: FunctionContext['params'] = {};
			found.paramNames.forEach((name, i) => (params[name] = safeDecode(found.match[i + 1])));
			return { kind: 'found', route, params };
		}
		route.methods.forEach((m) => allowed.add(m));
	}
	return allowed.size ? { kind: 'wrong-method', allowed: [...allowed] } : { kind: 'none' };
}

function matchPath(route: Route, pathname: string) {
	for (const pattern of [route, ...route.aliases]) {
		const match = pattern.regex.exec(pathname);
		if (match) return { match, paramNames: pattern.paramNames };
	}
	return undefined;
}

/**
 * Whether a path is the functions' rather than the site's: all of `/api` (where a path no function
 * claims is a 404 envelope), and any other path a function claims. As on Netlify, an unclaimed
 * path outside `/api` is the site's.
 */
export function isFunctionPath(routes: Route[], pathname: string): boolean {
	if (pathname === '/api' || pathname.startsWith('/api/')) return true;
	return routes.some((route) => route.aliases.some((alias) => alias.regex.test(pathname)));
}

function safeDecode(value: string): string {
	try {
		return decodeURIComponent(value);
	} catch {
		return value;
	}
}
