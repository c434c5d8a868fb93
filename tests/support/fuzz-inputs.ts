/**
 * Generators of hostile requests for the fuzzer (fast-check): malformed path ids, odd query
 * parameters, bodies that are valid except for one generated field, broken JSON text (NaN,
 * Infinity, duplicate keys, prototype keys, deep nesting), invalid UTF-8 bytes, bodies over the
 * limit, odd content types and credentials — and the check every response must pass.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ErrorEnvelope } from '../../functions/_lib/contracts/common.ts';
import type { Route } from '../../server/routes.ts';
import type { FuzzWorld } from './fuzz-world.ts';

export type Credential = 'jwt' | 'apiKey' | 'anonymous' | 'garbage';

export interface FuzzRequest {
	method: string;
	/** Path and query, already encoded (possibly with deliberately broken percent-escapes). */
	target: string;
	headers: Record<string, string>;
	body?: Uint8Array;
	/** What was generated, for the failure report. */
	label: string;
}

/** Percent-encodes every byte of a string's UTF-8 (lone surrogates become U+FFFD, as in fetch). */
const pct = (text: string) =>
	[...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const pctBytes = (bytes: number[]) => bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Path segments that are not the id the route wants (or not even text). */
const hostileId: fc.Arbitrary<string> = fc.oneof(
	fc.constantFrom(
		'not-a-uuid',
		'00000000-0000-0000-0000-000000000000',
		'ffffffff-ffff-ffff-ffff-ffffffffffff',
		'%00',
		'%ZZ',
		'%',
		'..%2F..%2Fetc%2Fpasswd',
		"1'%20or%20'1'%3D'1",
		'null',
		'undefined',
		'NaN',
		'-1',
		'1e400',
		'%7B%7D',
		'__proto__',
		'constructor',
		'a'.repeat(3000),
		'%F0%9F%98%80',
		'%E2%80%AE'
	),
	fc.uuid(),
	fc.uuid().map((id) => id.toUpperCase()),
	fc.uuid().map((id) => `${id}x`),
	fc.uuid().map((id) => `${id.slice(0, 35)}%00`),
	fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 6 }).map(pctBytes),
	fc.string({ unit: 'binary', maxLength: 40 }).map(pct)
);

const MLFLOW_FUZZ_ACTIONS: Record<string, string> = {
	'/api/2.0/mlflow/experiments/:action': 'search',
	'/api/2.0/mlflow/runs/:action': 'log-batch',
	'/api/2.0/mlflow/metrics/:action': 'get-history'
};

/** The world's id for a path parameter, if the route can take one. */
function validId(path: string, name: string, world: FuzzWorld): string | undefined {
	if (name === 'referencedId') return world.otherExperimentId;
	if (name === 'userId') return world.memberId;
	if (name === 'invitationId') return world.invitationId;
	if (name === 'token' && path.startsWith('/api/shared/')) return world.shareToken;
	if (path.startsWith('/api/workspaces/')) return world.workspaceId;
	if (path.startsWith('/api/experiments/')) return world.experimentId;
	if (path.startsWith('/api/invitations/')) return world.invitationId;
	// MLflow's routes name the operation: the fuzzer's bodies go to a real one of each resource.
	if (name === 'action') return MLFLOW_FUZZ_ACTIONS[path];
	return undefined;
}

/**
 * A success on these would consume the world (delete it, leave it, answer its invitation, revoke
 * the key the fuzzer uses), so their last path parameter is only ever a hostile id.
 */
function destructive(route: Route, method: string): boolean {
	return method === 'DELETE' || /\/(leave|accept|decline)$/.test(route.path);
}

function paramArbitrary(route: Route, method: string, name: string, world: FuzzWorld): fc.Arbitrary<string> {
	const valid = validId(route.path, name, world);
	const last = route.paramNames[route.paramNames.length - 1] === name;
	if (!valid || (last && destructive(route, method))) return hostileId;
	return fc.oneof({ arbitrary: fc.constant(valid), weight: 4 }, { arbitrary: hostileId, weight: 1 });
}

const QUERY_KEYS = [
	'limit',
	'cursor',
	'q',
	'tag',
	'status',
	'sort',
	'order',
	'columns',
	'names',
	'buckets',
	'from',
	'to',
	'after',
	'format',
	'__proto__',
	'constructor',
	'toString',
	'',
	'limit[]',
	'a[b]'
];

const queryValue: fc.Arbitrary<string> = fc.oneof(
	fc.constantFrom(
		'',
		'0',
		'-1',
		'1',
		'50',
		'200',
		'201',
		'10001',
		'1e309',
		'NaN',
		'Infinity',
		'-Infinity',
		'0x10',
		'1.5',
		'%205',
		'9'.repeat(400),
		'created',
		'updated',
		'name',
		'asc',
		'desc',
		'long',
		'wide',
		'running',
		'all',
		'pending',
		'train%2Floss',
		'train/loss,,%2C',
		'host,gpu,git.dirty,memory',
		'git.commit',
		'%00',
		'%ff',
		'%',
		'%E0%A4%A',
		'true',
		'%5B%5D',
		'%7B%22a%22%3A1%7D',
		'eyJub3QiOiJhIGN1cnNvciJ9'
	),
	fc.string({ unit: 'binary', maxLength: 60 }).map(pct),
	fc.integer({ min: 1, max: 2500 }).map((n) => 'x'.repeat(n)),
	fc.base64String({ maxLength: 200 }).map(encodeURIComponent)
);

const queryArbitrary: fc.Arbitrary<string> = fc
	.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), queryValue), { maxLength: 4 })
	.map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&'));

/** JSON values no field wants, or wants only within limits. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
	fc.jsonValue({ maxDepth: 3 }),
	fc.constantFrom<unknown>(
		'',
		' ',
		'\u0000',
		'a\u0000b',
		'\ud800',
		'x\udfff\ud800',
		'\u202e',
		'\t\n',
		'\u0007bell',
		'\u001b]0;pwned\u0007',
		'\u001b]52;c;cm0gLXJmIH4=\u0007',
		'\u001b]8;;http://evil.example\u001b\\link',
		'red\u009b31m',
		'two\u2028lines',
		'<script>alert(1)</script>',
		"'; drop table experiments; --",
		'${7*7}',
		'%s%n',
		'😀'.repeat(300),
		'x'.repeat(256),
		'x'.repeat(10_001),
		-1,
		0,
		-0,
		1.5,
		2 ** 53 + 2,
		1e308,
		-1e308,
		Number.MIN_VALUE,
		true,
		false,
		null,
		[],
		{},
		[null],
		{ a: { b: { c: [] } } },
		['a'],
		Array.from({ length: 501 }, (_, i) => `t${i}`),
		Array.from({ length: 101 }, () => randomUUID()),
		{ type: 'result' },
		{ type: 'other' },
		{ type: 'metric', note: 'x'.repeat(11_000) },
		{ '\u0000': 1 },
		{ k: '\u0000' },
		'viewer',
		'owner',
		'admin',
		'editor',
		'someone@fuzz.test',
		'00000000-0000-0000-0000-000000000000'
	),
	fc.string({ unit: 'binary', maxLength: 300 }),
	fc.integer(),
	fc.double()
);

/** A valid body for each route that takes one; the fuzzer breaks one thing in it. */
function template(route: Route, method: string, world: FuzzWorld): Record<string, unknown> | undefined {
	const entry = () => ({
		name: 'train/loss',
		msg_id: randomUUID(),
		value: 0.5,
		step: 7,
		metadata: { type: 'metric' }
	});
	const key = `${method} ${route.path}`;
	switch (key) {
		case 'POST /api/auth/local':
			return { email: `fuzz-${randomUUID().slice(0, 8)}@fuzz.test` };
		case 'POST /api/api-keys':
			return { name: 'fuzz key', workspaceId: world.workspaceId };
		case 'POST /api/workspaces':
			return { name: 'fuzz workspace', description: 'made by the fuzzer' };
		case 'PATCH /api/workspaces/:id':
			return { name: 'Fuzz', description: 'renamed by the fuzzer' };
		case 'POST /api/workspaces/:id/transfer':
			return { userId: randomUUID() };
		case 'PATCH /api/workspaces/:id/members/:userId':
			return { role: 'viewer' };
		case 'POST /api/workspaces/:id/invitations':
			return { email: `invitee-${randomUUID().slice(0, 8)}@fuzz-invite.test`, role: 'viewer' };
		case 'POST /api/experiments':
			return {
				name: 'fuzz run',
				workspaceId: world.workspaceId,
				description: 'd',
				hyperparams: [{ key: 'lr', value: 0.01 }],
				tags: ['a'],
				project: 'fuzz project',
				importKey: `fuzz:${randomUUID()}`
			};
		case 'POST /api/workspaces/:id/projects':
			return { name: `fuzz project ${randomUUID().slice(0, 8)}`, description: 'd' };
		case 'PATCH /api/workspaces/:id/projects/:projectId':
			return { name: 'fuzz project renamed', description: 'd' };
		case 'POST /api/share-links':
			return {
				experimentIds: [world.experimentId, world.otherExperimentId],
				expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
				anonymous: true
			};
		case 'PUT /api/workspaces/:id/sharing':
			return { enabled: true };
		case 'POST /api/shared/:token/series':
			return {
				experimentIds: [world.experimentId, world.otherExperimentId],
				metrics: ['train/loss'],
				x: 'relative',
				buckets: 50
			};
		case 'POST /api/experiments/batch':
			return {
				ids: [world.experimentId, world.otherExperimentId],
				metrics: ['train/loss'],
				context: ['host', 'git.commit', 'gpu']
			};
		case 'POST /api/series':
			return {
				experimentIds: [world.experimentId, world.otherExperimentId],
				metrics: ['train/loss'],
				x: { metric: 'train/loss' },
				groupBy: 'hp.lr',
				band: 'minmax'
			};
		case 'POST /api/analysis/importance':
			return {
				workspaceId: world.workspaceId,
				filter: 'hp.lr < 0.1',
				target: 'metric."train/loss".min',
				params: ['lr']
			};
		case 'PATCH /api/experiments/:id':
			return {
				name: 'fuzz target',
				description: 'd',
				tags: ['fuzz'],
				status: 'running',
				notes: '# fuzz',
				project: 'fuzz project'
			};
		case 'PUT /api/experiments/:id/context':
			return {
				git: { commit: 'abcdef1', branch: 'main', remote: 'https://x@h/r.git', dirty: true, diff: '+a' },
				command: ['train.py', '--lr', '1e-3'],
				host: 'fuzz-host',
				cpus: 8,
				gpus: [{ name: 'GPU', memoryBytes: 1 }],
				packages: { numpy: '2.0' },
				env: { CUDA_VISIBLE_DEVICES: '0' }
			};
		case 'POST /api/experiments/:id/console':
			return { lines: [{ seq: 1, time: '2026-12-07T10:00:00Z', stream: 'stderr', text: 'fuzz line' }] };
		case 'POST /api/experiments/:id/references':
			return { referencedId: world.otherExperimentId };
		case 'POST /api/experiments/:id/artifacts':
			return {
				path: `fuzz/${randomUUID().slice(0, 8)}.txt`,
				size: 3,
				sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
				contentType: 'text/plain',
				overwrite: false,
				step: 1,
				mediaKey: 'fuzz'
			};
		case 'POST /api/experiments/:id/logs/batch':
			return { logs: [entry(), entry()] };
		case 'POST /api/experiments/:id/logs':
			return entry();
		case 'POST /api/2.0/mlflow/experiments/:action':
			return {
				filter: "name LIKE 'fuzz%' and tags.team = 'x'",
				max_results: 10,
				order_by: ['name DESC'],
				view_type: 'ALL'
			};
		case 'POST /api/2.0/mlflow/runs/:action':
			return {
				run_id: world.experimentId,
				metrics: [{ key: 'train/loss', value: 0.5, timestamp: 1_700_000_000_000, step: 3 }],
				params: [{ key: 'fuzz_param', value: 'fixed' }],
				tags: [{ key: 'fuzz', value: 'yes' }]
			};
		default:
			return method === 'GET' || method === 'HEAD' ? undefined : {};
	}
}

type JsonPath = (string | number)[];

/** Every path into a JSON value (objects and arrays), the root included. */
function pathsOf(value: unknown, prefix: JsonPath = []): JsonPath[] {
	const paths: JsonPath[] = [prefix];
	if (Array.isArray(value)) value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
	else if (value && typeof value === 'object') {
		for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
	}
	return paths;
}

/** Sets an own, enumerable property, even one named `__proto__`. */
function setOwn(target: Record<string | number, unknown>, key: string | number, value: unknown) {
	Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

type Mutation =
	| { kind: 'replace'; pick: number; value: unknown }
	| { kind: 'delete'; pick: number }
	| { kind: 'add'; pick: number; key: string; value: unknown };

function mutate(body: unknown, mutation: Mutation): unknown {
	const copy = structuredClone(body);
	const paths = pathsOf(copy);
	const path = paths[mutation.pick % paths.length];
	if (path.length === 0) {
		if (mutation.kind === 'replace') return mutation.value;
		if (mutation.kind === 'delete') return undefined;
	}
	const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as never)[key], copy) as Record<
		string | number,
		unknown
	>;
	const last = path[path.length - 1];
	if (mutation.kind === 'replace') setOwn(parent, last, mutation.value);
	else if (mutation.kind === 'delete') {
		if (Array.isArray(parent)) parent.splice(Number(last), 1);
		else delete parent[last];
	} else {
		const node = path.length ? (parent[last] as unknown) : copy;
		if (node && typeof node === 'object' && !Array.isArray(node)) {
			setOwn(node as Record<string, unknown>, mutation.key, mutation.value);
		}
	}
	return copy;
}

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
	{
		arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: hostileValue }),
		weight: 6
	},
	{ arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }), weight: 1 },
	{
		arbitrary: fc.record({
			kind: fc.constant('add' as const),
			pick: fc.nat(),
			key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'status', 'id', 'user_id'),
			value: fc.constantFrom<unknown>({ polluted: true }, { prototype: { polluted: true } }, 1, 'x', null)
		}),
		weight: 2
	}
);

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);

/** Bytes that are not UTF-8: a lone continuation byte, an overlong '/', an encoded surrogate. */
const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88]];

/** Text-level damage to a valid JSON body: what JSON.stringify can never produce. */
const rawTransforms: ((json: string) => Uint8Array)[] = [
	(json) => utf8(json.replace(/(:\s*)(-?\d[\d.eE+-]*)/, '$1NaN')),
	(json) => utf8(json.replace(/(:\s*)(-?\d[\d.eE+-]*)/, '$1Infinity')),
	(json) => utf8(json.replace(/(:\s*)(-?\d[\d.eE+-]*)/, '$1-Infinity')),
	(json) => utf8(json.replace(/(:\s*)(-?\d[\d.eE+-]*)/, '$11e999')),
	(json) => utf8(json.replace(/(:\s*)(-?\d[\d.eE+-]*)/, '$10x10')),
	(json) => utf8(json.replace(/(:\s*)(-?\d[\d.eE+-]*)/, '$1-1e-999')),
	(json) => utf8(json.replace(/^\{/, '{"__proto__": {"polluted": true}, ')),
	(json) => utf8(json.replace(/^\{/, '{"constructor": {"prototype": {"polluted": true}}, ')),
	// Duplicate keys: the first copy of every top-level key is a wrong type.
	(json) => {
		try {
			const parsed = JSON.parse(json) as Record<string, unknown>;
			const dupes = Object.keys(parsed)
				.map((key) => `${JSON.stringify(key)}: [1, {"x": null}]`)
				.join(', ');
			return utf8(dupes ? json.replace(/^\{/, `{${dupes}, `) : json);
		} catch {
			return utf8(json);
		}
	},
	// Duplicate keys the other way round: the last copy wins in JSON.parse.
	(json) => utf8(json.replace(/\}$/, ', "name": 42, "logs": "x", "email": {}}')),
	(json) => utf8(`\ufeff${json}`),
	(json) => utf8(`${json} trailing`),
	(json) => utf8(json.slice(0, Math.max(1, Math.floor(json.length / 2)))),
	(json) => utf8(json.replace(/\}$/, ',}')),
	(json) => utf8(json.replace(/"/g, "'")),
	() => utf8(''),
	() => utf8('null'),
	() => utf8('true'),
	() => utf8('[]'),
	() => utf8('"a string"'),
	() => utf8('NaN'),
	() => utf8('{"a": 1}{"b": 2}'),
	() => utf8(`${'['.repeat(64)}${']'.repeat(64)}`),
	() => utf8(`${'['.repeat(65)}${']'.repeat(65)}`),
	() => utf8(`${'['.repeat(100_000)}`),
	() => utf8(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`),
	(json) => utf8(json.replace(/^\{/, `{"deep": ${'['.repeat(62)}${']'.repeat(62)}, `)),
	// Invalid UTF-8 inside a string value and outside any string.
	...INVALID_UTF8.map((bytes) => (json: string) => {
		const at = json.indexOf('"', json.indexOf(':'));
		if (at < 0) return new Uint8Array([...utf8(json), ...bytes]);
		return new Uint8Array([...utf8(json.slice(0, at + 1)), ...bytes, ...utf8(json.slice(at + 1))]);
	}),
	...INVALID_UTF8.map((bytes) => () => new Uint8Array([0x7b, ...bytes, 0x7d])),
	// UTF-16 is not UTF-8 either.
	(json) => new Uint8Array(Buffer.from(`\ufeff${json}`, 'utf16le'))
];

const CONTENT_TYPES = [
	'application/json',
	'application/json; charset=utf-8',
	'APPLICATION/JSON',
	'application/vnd.tora+json',
	'application/json; charset=latin1',
	'text/plain',
	'text/json',
	'application/x-www-form-urlencoded',
	'multipart/form-data; boundary=fuzz',
	'application/jsonp',
	'*/*',
	''
];

const contentTypeArbitrary = fc.oneof(
	{ arbitrary: fc.constant('application/json'), weight: 8 },
	{ arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 2 }
);

/** A header-safe string (fetch refuses control characters in header values). */
const headerSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, 'x');

const credentialArbitrary: fc.Arbitrary<{ kind: Credential; junk: string }> = fc.record({
	kind: fc.oneof(
		{ arbitrary: fc.constant<Credential>('jwt'), weight: 3 },
		{ arbitrary: fc.constant<Credential>('apiKey'), weight: 3 },
		{ arbitrary: fc.constant<Credential>('anonymous'), weight: 2 },
		{ arbitrary: fc.constant<Credential>('garbage'), weight: 1 }
	),
	junk: fc.oneof(
		fc.string({ maxLength: 80 }).map(headerSafe),
		fc.constantFrom(
			'tora_sk_',
			'tora_sk_' + 'A'.repeat(43),
			'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
			'a.b.c',
			'Bearer',
			'x'.repeat(4000)
		)
	)
});

function credentialHeaders(
	credential: { kind: Credential; junk: string },
	world: FuzzWorld
): Record<string, string> {
	switch (credential.kind) {
		case 'jwt':
			return { authorization: `Bearer ${world.ownerToken}` };
		case 'apiKey':
			return { 'x-api-key': world.apiKey };
		case 'anonymous':
			return {};
		case 'garbage':
			return credential.junk.length % 2
				? { 'x-api-key': credential.junk }
				: { authorization: `Bearer ${credential.junk}` };
	}
}

type BodyPlan =
	| { kind: 'none' }
	| { kind: 'mutated'; mutation: Mutation }
	| { kind: 'raw'; transform: number }
	| { kind: 'oversized'; bytes: number };

function bodyPlanArbitrary(hasBody: boolean, largeLimit: boolean): fc.Arbitrary<BodyPlan> {
	if (!hasBody) return fc.constant({ kind: 'none' });
	return fc.oneof(
		{
			arbitrary: fc.record({ kind: fc.constant('mutated' as const), mutation: mutationArbitrary }),
			weight: 10
		},
		{
			arbitrary: fc.record({
				kind: fc.constant('raw' as const),
				transform: fc.nat({ max: rawTransforms.length - 1 })
			}),
			weight: 5
		},
		{
			arbitrary: fc.record({
				kind: fc.constant('oversized' as const),
				// Just over the route's limit (64 KB, or 2 MB for log batches).
				bytes: fc.constant(largeLimit ? 2 * 1024 * 1024 + 10 : 64 * 1024 + 10)
			}),
			weight: 1
		},
		{ arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 }
	);
}

function buildBody(plan: BodyPlan, base: unknown): Uint8Array | undefined {
	switch (plan.kind) {
		case 'none':
			return undefined;
		case 'mutated': {
			const mutated = mutate(base, plan.mutation);
			return mutated === undefined ? undefined : utf8(JSON.stringify(mutated));
		}
		case 'raw':
			return rawTransforms[plan.transform](JSON.stringify(base ?? {}));
		case 'oversized': {
			const json = JSON.stringify({ ...(base as object), pad: 'x'.repeat(plan.bytes) });
			return utf8(json);
		}
	}
}

/** Every request the fuzzer sends to one route and method. */
export function requestArbitrary(route: Route, method: string, world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
	const params = fc.record(
		Object.fromEntries(route.paramNames.map((name) => [name, paramArbitrary(route, method, name, world)]))
	) as fc.Arbitrary<Record<string, string>>;
	const hasBody = method !== 'GET' && method !== 'HEAD';
	return fc
		.record({
			params,
			query: fc.oneof({ arbitrary: fc.constant(''), weight: 1 }, { arbitrary: queryArbitrary, weight: 1 }),
			credential: credentialArbitrary,
			contentType: contentTypeArbitrary,
			body: bodyPlanArbitrary(hasBody, route.path.endsWith('/logs/batch'))
		})
		.map(({ params, query, credential, contentType, body }) => {
			const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => params[name]);
			const headers: Record<string, string> = { ...credentialHeaders(credential, world) };
			const bytes = buildBody(body, template(route, method, world));
			if (bytes !== undefined && contentType) headers['content-type'] = contentType;
			const label = [
				`${method} ${path}${query ? `?${query.slice(0, 200)}` : ''}`,
				`credential=${credential.kind}`,
				`content-type=${contentType || '(none)'}`,
				`body=${body.kind === 'mutated' ? JSON.stringify(body.mutation).slice(0, 300) : JSON.stringify(body)}`,
				`bytes=${bytes ? Buffer.from(bytes.slice(0, 300)).toString('utf8') : '(none)'}`
			].join('\n  ');
			return { method, target: `${path}${query ? `?${query}` : ''}`, headers, body: bytes, label };
		});
}

/** The status each error code belongs to (ARCHITECTURE.md, Wire contract), 5xx left out. */
const CODE_FOR_STATUS: Record<number, string> = {
	400: 'VALIDATION_ERROR',
	401: 'UNAUTHENTICATED',
	403: 'FORBIDDEN',
	404: 'NOT_FOUND',
	405: 'METHOD_NOT_ALLOWED',
	409: 'CONFLICT',
	413: 'PAYLOAD_TOO_LARGE',
	429: 'RATE_LIMITED'
};

/** MLflow's error codes by status, as the /api/2.0/mlflow routes answer them. */
export const MLFLOW_CODES_FOR_STATUS: Record<number, string[]> = {
	400: ['INVALID_PARAMETER_VALUE', 'RESOURCE_ALREADY_EXISTS'],
	401: ['UNAUTHENTICATED'],
	403: ['PERMISSION_DENIED'],
	404: ['RESOURCE_DOES_NOT_EXIST', 'ENDPOINT_NOT_FOUND'],
	405: ['ENDPOINT_NOT_FOUND'],
	413: ['RESOURCE_LIMIT_EXCEEDED'],
	429: ['REQUEST_LIMIT_EXCEEDED']
};

/**
 * The contract of MLflow's routes: bare JSON messages on success, `{error_code, message}` on
 * failure. (A path or method no function declares is answered by the server's router, in Tora's
 * envelope.)
 */
export function mlflowContractViolation(status: number, text: string): string | undefined {
	let body: { error_code?: unknown; message?: unknown; status?: unknown; error?: unknown };
	try {
		body = JSON.parse(text);
	} catch {
		return `not JSON: ${text.slice(0, 200)}`;
	}
	if (status < 300)
		return body && typeof body === 'object' && !('error' in body)
			? undefined
			: `bad MLflow success: ${text.slice(0, 300)}`;
	// No function owns the path (an empty action) or the method: the server's router answers.
	if ((status === 404 || status === 405) && typeof body.error === 'object') return undefined;
	if (
		!MLFLOW_CODES_FOR_STATUS[status]?.includes(String(body.error_code)) ||
		typeof body.message !== 'string'
	) {
		return `bad MLflow error for ${status}: ${text.slice(0, 300)}`;
	}
	if (/\n\s+at\s|node_modules|\.ts:\d+/.test(body.message))
		return `error message leaks internals: ${body.message.slice(0, 300)}`;
	return undefined;
}

const isMlflowPath = (url: string) =>
	/^\/api\/2\.0\/mlflow(-artifacts)?\//.test(url ? new URL(url).pathname : '');

/** Why a response breaks the contract, or undefined when it keeps it. */
export function contractViolation(method: string, response: Response, text: string): string | undefined {
	const { status } = response;
	if (status >= 500) return `server error ${status}: ${text.slice(0, 500)}`;
	if (response.headers.get('x-content-type-options') !== 'nosniff') return 'no security headers';
	if (isMlflowPath(response.url) && method !== 'HEAD' && status !== 204)
		return mlflowContractViolation(status, text);
	if (method === 'HEAD' || status === 204) return text === '' ? undefined : 'body on a HEAD/204 response';
	const type = response.headers.get('content-type') ?? '';
	if (status === 200 && type.startsWith('text/csv')) return undefined;
	// A downloaded artifact: its bytes, never rendered.
	if (status === 200 && response.headers.get('content-disposition')?.startsWith('attachment'))
		return undefined;
	let body: { status?: unknown; data?: unknown; error?: unknown };
	try {
		body = JSON.parse(text);
	} catch {
		return `not JSON (${type}): ${text.slice(0, 200)}`;
	}
	if (status < 300) {
		return body.status === status && 'data' in body
			? undefined
			: `bad success envelope: ${text.slice(0, 300)}`;
	}
	const parsed = ErrorEnvelope.safeParse(body);
	if (
		!parsed.success ||
		parsed.data.status !== status ||
		parsed.data.error.code !== CODE_FOR_STATUS[status]
	) {
		return `bad error envelope for ${status}: ${text.slice(0, 300)}`;
	}
	if (/\n\s+at\s|node_modules|\.ts:\d+/.test(parsed.data.error.message)) {
		return `error message leaks internals: ${parsed.data.error.message.slice(0, 300)}`;
	}
	return undefined;
}

/** With or without a port, as a Host header carries it. */
const withPort = (host: fc.Arbitrary<string>) =>
	fc
		.tuple(host, fc.option(fc.integer({ min: 1, max: 65_535 })))
		.map(([name, port]) => (port === null ? name : `${name}:${port}`));

/** Host headers of names local mode was never told about: what a DNS-rebinding page sends. */
export const foreignHost: fc.Arbitrary<string> = withPort(
	fc.oneof(
		fc.domain().filter((name) => name !== 'localhost' && !name.endsWith('.localhost')),
		fc.constantFrom(
			'localhost.evil.example',
			'127.0.0.1.nip.io',
			'evil.example@localhost',
			'localhost@evil.example',
			'2130706433',
			'0x7f000001',
			'999.0.0.1',
			'[::1]evil',
			'local_host'
		)
	)
);

/** Host headers local mode answers: loopback names and IP address literals. */
export const localHost: fc.Arbitrary<string> = withPort(
	fc.oneof(
		fc.constant('localhost'),
		fc.domain().map((name) => `${name}.localhost`),
		fc.ipV4(),
		fc.ipV6().map((ip) => `[${ip}]`)
	)
);

/**
 * Site paths built from pieces that change what a path names once decoded: encoded and doubled
 * slashes, dot segments in every spelling, backslashes, NUL, double encoding — around the names of
 * the files Netlify reads and never serves.
 */
const SITE_PATH_PIECES = [
	'_headers',
	'_redirects',
	'_HEADERS',
	'%5fheaders',
	'%5Fredirects',
	'x',
	'.',
	'..',
	'%2e',
	'%2e%2e',
	'%2E.',
	'%2f',
	'%2F',
	'%5c',
	'\\',
	'%00',
	'%252f',
	'%255f',
	'%25',
	'%',
	''
];
export const hostileSitePath: fc.Arbitrary<string> = fc
	.array(fc.tuple(fc.constantFrom(...SITE_PATH_PIECES), fc.constantFrom('/', '')), {
		minLength: 1,
		maxLength: 6
	})
	.map((pieces) => `/${pieces.map(([piece, separator]) => piece + separator).join('')}`);

/** Every character a one-line label must not contain (C0, DEL, C1, line separators, bidi controls). */
export const labelControlCharacter: fc.Arbitrary<string> = fc
	.oneof(
		fc.integer({ min: 0x00, max: 0x1f }),
		fc.integer({ min: 0x7f, max: 0x9f }),
		fc.constantFrom(0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069)
	)
	.map((code) => String.fromCharCode(code));

/** Short strings dense in the characters the label rules and `trim()` care about. */
export const labelLikeText: fc.Arbitrary<string> = fc.string({
	unit: fc.oneof(
		labelControlCharacter,
		fc.constantFrom(' ', '\u00a0', '\ufeff', '\u200f', 'a', 'é', '🚀', 'ﺏ'),
		fc.string({ minLength: 1, maxLength: 1 })
	),
	maxLength: 12
});
