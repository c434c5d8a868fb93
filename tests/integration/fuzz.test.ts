/**
 * Property-based fuzzing of every route the single server knows (read from the functions' own
 * configs): generated hostile requests — malformed ids, odd query parameters, bodies broken in
 * one field or as text (NaN, Infinity, duplicate and prototype keys, deep nesting, invalid UTF-8,
 * over the size limit), odd content types, as the owner (JWT and API key), anonymous, or with
 * junk credentials — over real HTTP to the real app. Every response must be a success envelope
 * or the DESIGN §3 error envelope, never a 5xx; a rejected write must leave the world's rows
 * exactly as they were. `TORA_FUZZ_RUNS` sets the cases per route (default 100); a failure prints
 * fast-check's seed and the shrunk request, and `TORA_FUZZ_SEED` replays it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes } from '../../server/routes.ts';
import { contractViolation, requestArbitrary, type FuzzRequest } from '../support/fuzz-inputs.ts';
import {
	buildFuzzWorld,
	startInProcessServer,
	worldChecksum,
	type FuzzWorld,
	type RunningServer
} from '../support/fuzz-world.ts';

const RUNS = Number(process.env.TORA_FUZZ_RUNS ?? 100);
const SEED = process.env.TORA_FUZZ_SEED ? Number(process.env.TORA_FUZZ_SEED) : undefined;

const routes = await loadRoutes(functionsDir);
const ROUTE_METHODS = routes.flatMap((route) => route.methods.map((method) => ({ route, method })));

let server: RunningServer;
let world: FuzzWorld;
/** The world's checksum as of the last write that succeeded (undefined: recompute). */
let knownChecksum: string | undefined;
const counts = { cases: 0, rejectedWrites: 0, successes: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
	// Junk credentials are part of the input: the failed-auth limiter has its own test.
	server = await startInProcessServer({ authRateLimit: false });
	world = await buildFuzzWorld();
});

afterAll(async () => {
	await server?.close();
	const statuses = [...counts.byStatus.entries()]
		.sort(([a], [b]) => a - b)
		.map(([status, n]) => `${status}×${n}`)
		.join(' ');
	console.log(
		`[fuzz] ${counts.cases} cases over ${ROUTE_METHODS.length} routes (${RUNS} generated per route + odd methods); ` +
			`${counts.rejectedWrites} rejected writes checked unchanged, ${counts.successes} successes; statuses: ${statuses}`
	);
});

async function send(request: FuzzRequest): Promise<{ response: Response; text: string }> {
	const response = await fetch(server.origin + request.target, {
		method: request.method,
		headers: request.headers,
		body: request.body as BodyInit | undefined
	});
	return { response, text: await response.text() };
}

/** Sends one request and checks it; returns the problem, if any. */
async function check(request: FuzzRequest): Promise<string | undefined> {
	const write = request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
	if (write && knownChecksum === undefined) knownChecksum = await worldChecksum(world);
	const { response, text } = await send(request);
	counts.cases++;
	counts.byStatus.set(response.status, (counts.byStatus.get(response.status) ?? 0) + 1);
	const violation = contractViolation(request.method, response, text);
	if (violation) return violation;
	if (response.status < 300) {
		counts.successes++;
		if (write) knownChecksum = undefined;
		return undefined;
	}
	if (write) {
		counts.rejectedWrites++;
		const after = await worldChecksum(world);
		if (after !== knownChecksum) {
			knownChecksum = undefined;
			return `rejected write (${response.status}) changed the database: ${text.slice(0, 300)}`;
		}
	}
	return undefined;
}

describe(`fuzzing ${ROUTE_METHODS.length} routes from the functions' configs`, () => {
	it.each(ROUTE_METHODS.map(({ route, method }) => [`${method} ${route.path}`, route, method] as const))(
		'%s',
		async (_name, route, method) => {
			await fc.assert(
				fc.asyncProperty(requestArbitrary(route, method, world), async (request) => {
					const problem = await check(request);
					if (problem) throw new Error(`${problem}\n  ${request.label}`);
				}),
				{ numRuns: RUNS, seed: SEED, endOnFailure: true }
			);
		},
		120_000
	);

	it('answers odd methods on every path with an envelope (405 + Allow) or a closed preflight', async () => {
		const paths = [...new Set(routes.map((route) => route.path))];
		const problems: string[] = [];
		for (const pattern of paths) {
			const path = pattern.replace(/:[A-Za-z]+/g, () => world.workspaceId);
			for (const method of ['PUT', 'HEAD', 'OPTIONS', 'PROPFIND']) {
				const problem = await check({
					method,
					target: path,
					headers: { 'x-api-key': world.apiKey, origin: 'https://evil.example' },
					label: `${method} ${path}`
				});
				if (problem) problems.push(`${method} ${path}: ${problem}`);
			}
		}
		expect(problems).toEqual([]);
	}, 120_000);

	it('rejects text Postgres cannot store (NUL, lone surrogates) with a 400, never a 500', async () => {
		const entry = (metadata: unknown) => ({
			name: 'm',
			msg_id: crypto.randomUUID(),
			value: 1,
			step: null,
			metadata
		});
		const cases: [string, string, unknown][] = [
			['PATCH', `/api/workspaces/${world.workspaceId}`, { name: 'a\u0000b' }],
			['PATCH', `/api/workspaces/${world.workspaceId}`, { description: '\ud800' }],
			['POST', '/api/workspaces', { name: 'ok', description: 'x\u0000' }],
			['POST', '/api/api-keys', { name: 'key\u0000' }],
			['POST', `/api/experiments/${world.experimentId}/logs`, entry({ '\u0000': 1 })],
			['POST', `/api/experiments/${world.experimentId}/logs`, entry({ note: 'x\u0000' })],
			['POST', `/api/experiments/${world.experimentId}/logs/batch`, { logs: [entry({ a: ['\udc00'] })] }],
			['POST', `/api/experiments/${world.experimentId}/logs/batch`, { logs: [entry({ a: { '\ud800': 1 } })] }]
		];
		const problems: string[] = [];
		for (const [method, target, body] of cases) {
			const request: FuzzRequest = {
				method,
				target,
				headers: { authorization: `Bearer ${world.ownerToken}`, 'content-type': 'application/json' },
				body: new TextEncoder().encode(JSON.stringify(body)),
				label: `${method} ${target} ${JSON.stringify(body)}`
			};
			const { response, text } = await send(request);
			if (response.status !== 400) problems.push(`${request.label}: ${response.status} ${text}`);
			const problem = await check(request);
			if (problem) problems.push(`${request.label}: ${problem}`);
		}
		expect(problems).toEqual([]);
	});

	it('keeps the world intact for the fuzzer (its key and workspace still work)', async () => {
		const response = await fetch(`${server.origin}/api/workspaces/${world.workspaceId}`, {
			headers: { 'x-api-key': world.apiKey }
		});
		expect(response.status).toBe(200);
		expect(counts.cases).toBeGreaterThan(ROUTE_METHODS.length * RUNS);
	});
});

describe('limits', () => {
	const call = async (method: string, target: string, body?: unknown) => {
		const response = await fetch(server.origin + target, {
			method,
			headers: { 'x-api-key': world.apiKey, 'content-type': 'application/json' },
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
		});
		return { status: response.status, body: await response.json() };
	};

	it('caps page and read sizes (400 naming the parameter) and body sizes before parsing (413)', async () => {
		const list = `/api/workspaces/${world.workspaceId}/experiments`;
		const metrics = `/api/experiments/${world.experimentId}/metrics`;
		const entry = () => ({ name: 'm', msg_id: crypto.randomUUID(), value: 1, step: 0, metadata: null });
		const cases: [string, string, unknown, number, string][] = [
			['GET', `${list}?limit=201`, undefined, 400, 'limit'],
			['GET', `${list}?limit=99999999999999999999`, undefined, 400, 'limit'],
			[
				'GET',
				`${list}?tag=${Array.from({ length: 21 }, (_, i) => `t${i}`).join('&tag=')}`,
				undefined,
				400,
				'tag'
			],
			['GET', `${list}?q=${'x'.repeat(201)}`, undefined, 400, 'q'],
			['GET', `${metrics}?buckets=10001`, undefined, 400, 'buckets'],
			[
				'GET',
				`${metrics}?names=${Array.from({ length: 101 }, (_, i) => `m${i}`).join(',')}`,
				undefined,
				400,
				'names'
			],
			[
				'POST',
				'/api/experiments/batch',
				{ ids: Array.from({ length: 101 }, () => crypto.randomUUID()) },
				400,
				'ids'
			],
			['POST', '/api/workspaces', { name: 'x', description: 'd'.repeat(70_000) }, 413, ''],
			[
				'POST',
				`/api/experiments/${world.experimentId}/logs/batch`,
				{ logs: Array.from({ length: 10_001 }, entry) },
				413,
				''
			],
			[
				'POST',
				`/api/experiments/${world.experimentId}/logs/batch`,
				{ logs: [entry()], pad: 'x'.repeat(2 * 1024 * 1024) },
				413,
				''
			]
		];
		const before = await worldChecksum(world);
		for (const [method, target, body, status, field] of cases) {
			const result = await call(method, target, body);
			expect(result.status, `${method} ${target.slice(0, 80)}`).toBe(status);
			if (field) expect(Object.keys(result.body.error.fields ?? {})).toContain(field);
		}
		expect(await worldChecksum(world)).toBe(before);
		const page = await call('GET', list);
		expect(page.status).toBe(200);
		expect(page.body.data.items.length).toBeLessThanOrEqual(50);
	});
});
