/**
 * Property-based fuzzing of every route the single server knows (read from the functions' own
 * configs): generated hostile requests — malformed ids, odd query parameters, bodies broken in
 * one field or as text (NaN, Infinity, duplicate and prototype keys, deep nesting, invalid UTF-8,
 * over the size limit), odd content types, as the owner (JWT and API key), anonymous, or with
 * junk credentials — over real HTTP to the real app. Every response must be a success envelope
 * or the error envelope (README, API), never a 5xx; a rejected write must leave the world's rows
 * exactly as they were. `TORA_FUZZ_RUNS` sets the cases per route (default 100); a failure prints
 * fast-check's seed and the shrunk request, and `TORA_FUZZ_SEED` replays it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorEnvelope } from '../../functions/_lib/contracts/common.ts';
import { Tag } from '../../functions/_lib/contracts/experiments.ts';
import { checkLabel } from '../../sdk/ts/src/validation.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes } from '../../server/routes.ts';
import { createStaticHandler } from '../../server/static-files.ts';
import {
	contractViolation,
	foreignHost,
	hostileSitePath,
	labelControlCharacter,
	labelLikeText,
	localHost,
	requestArbitrary,
	type FuzzRequest
} from '../support/fuzz-inputs.ts';
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

describe('hosts, site paths and labels', () => {
	/** node:http, because fetch will not send a Host header of our choosing or a path as written. */
	const raw = (origin: string, path: string, host?: string) =>
		new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
			const { hostname, port } = new URL(origin);
			const req = request({ host: hostname, port, path, headers: host ? { host } : {} }, (res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk) => (text += chunk));
				res.on('end', () =>
					resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text })
				);
			});
			req.on('error', reject);
			req.end();
		});

	it('refuses every foreign Host in local mode (403 envelope), and answers loopback names and IPs', async () => {
		await fc.assert(
			fc.asyncProperty(foreignHost, localHost, async (foreign, local) => {
				const refused = await raw(server.origin, '/api/health', foreign);
				// Node's own parser answers a Host it cannot read with a bare 400 before any handler runs.
				if (refused.status !== 400) {
					expect(refused.status, foreign).toBe(403);
					expect(ErrorEnvelope.parse(JSON.parse(refused.text)).error.code).toBe('FORBIDDEN');
				}
				expect((await raw(server.origin, '/api/health', local)).status, local).toBe(200);
			}),
			{ numRuns: RUNS, seed: SEED, endOnFailure: true }
		);
	});

	it('never serves Netlify config files or anything outside the site, however the path is spelled', async () => {
		const parent = mkdtempSync(join(tmpdir(), 'tora-fuzz-site-'));
		writeFileSync(join(parent, 'package.json'), 'OUTSIDE-THE-SITE');
		const root = join(parent, 'site');
		mkdirSync(root);
		writeFileSync(join(root, 'index.html'), 'landing');
		writeFileSync(join(root, '200.html'), 'spa');
		writeFileSync(join(root, '_headers'), 'HEADERS-FILE');
		writeFileSync(join(root, '_redirects'), 'REDIRECTS-FILE');
		const site = await startInProcessServer({ routes: [], site: createStaticHandler(root) });
		try {
			await fc.assert(
				fc.asyncProperty(
					fc.tuple(hostileSitePath, fc.constantFrom('', 'package.json', '_headers')),
					async ([path, tail]) => {
						const answer = await raw(site.origin, path + tail);
						expect(answer.status, path + tail).toBeLessThan(500);
						expect(answer.text, path + tail).not.toMatch(/HEADERS-FILE|REDIRECTS-FILE|OUTSIDE-THE-SITE/);
					}
				),
				{ numRuns: RUNS * 5, seed: SEED, endOnFailure: true }
			);
		} finally {
			await site.close();
		}
	});

	it('refuses a control character anywhere inside any label with a 400 naming the field', async () => {
		const targets: [string, (label: string) => { target: string; body: unknown; field: string }][] = [
			['experiment name', (label) => ({ target: '/api/experiments', body: { name: label }, field: 'name' })],
			[
				'tag',
				(label) => ({ target: '/api/experiments', body: { name: 'x', tags: [label] }, field: 'tags.0' })
			],
			[
				'hyperparameter key',
				(label) => ({
					target: '/api/experiments',
					body: { name: 'x', hyperparams: [{ key: label, value: 1 }] },
					field: 'hyperparams.0.key'
				})
			],
			['workspace name', (label) => ({ target: '/api/workspaces', body: { name: label }, field: 'name' })],
			['API key name', (label) => ({ target: '/api/api-keys', body: { name: label }, field: 'name' })]
		];
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...targets),
				labelLikeText,
				labelControlCharacter,
				labelLikeText,
				async ([, build], before, control, after) => {
					// Letters at both ends: trim() must not be what removes the character.
					const { target, body, field } = build(`a${before}${control}${after}b`);
					const request: FuzzRequest = {
						method: 'POST',
						target,
						headers: { authorization: `Bearer ${world.ownerToken}`, 'content-type': 'application/json' },
						body: new TextEncoder().encode(JSON.stringify(body)),
						label: `POST ${target} ${JSON.stringify(body)}`
					};
					const { response, text } = await send(request);
					expect(response.status, request.label).toBe(400);
					expect(Object.keys(JSON.parse(text).error.fields ?? {}), request.label).toContain(field);
				}
			),
			{ numRuns: RUNS, seed: SEED, endOnFailure: true }
		);
	});

	it("agrees with the TypeScript SDK's local label check on every string", () => {
		fc.assert(
			fc.property(labelLikeText, (text) => {
				const trimmed = text.trim();
				// Emptiness, length and lone surrogates are checked elsewhere; this is about the characters.
				fc.pre(trimmed.length > 0 && [...trimmed].length <= 50 && !/[\uD800-\uDFFF]/u.test(trimmed));
				let sdkAccepts = true;
				try {
					checkLabel('tags', 'tag', text);
				} catch {
					sdkAccepts = false;
				}
				expect(sdkAccepts, JSON.stringify(text)).toBe(Tag.safeParse(text).success);
			}),
			{ numRuns: RUNS * 20, seed: SEED }
		);
	});
});
