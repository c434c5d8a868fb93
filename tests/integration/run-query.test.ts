/**
 * The query language checked against its model: a few hundred generated filters and sorts are
 * run through the real list endpoint (paging by cursor) and through evaluate.ts over the same
 * runs in memory; the ids and their order must be the same. Runs on PGlite, and on the
 * PostgreSQL server when the suite is pointed at one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatKey, type Key } from '../../functions/_lib/contracts/query/ast.ts';
import { compareRuns, matches } from '../../functions/_lib/contracts/query/evaluate.ts';
import { parseKey, parseQuery } from '../../functions/_lib/contracts/query/parse.ts';
import { api, signIn, type ApiResult } from '../support/api.ts';
import { createTeamWorkspace } from '../support/experiments.ts';
import {
	buildRunWorld,
	DAY_MS,
	pick,
	seeded,
	WORLD,
	WORLD_END,
	type RunWorld
} from '../support/run-world.ts';

let token: string;
let world: RunWorld;

beforeAll(async () => {
	const owner = await signIn();
	const other = await signIn();
	token = owner.token;
	const workspaceId = await createTeamWorkspace(owner.userId, 'Query world');
	world = await buildRunWorld(
		workspaceId,
		[
			[owner.userId, owner.email],
			[other.userId, other.email]
		],
		70,
		20261207
	);
}, 60_000);

/** Every page of a listing, following `next_cursor`. */
async function listIds(params: Record<string, string>): Promise<string[]> {
	const ids: string[] = [];
	let cursor: string | null = null;
	for (let page = 0; page < 100; page++) {
		const query: URLSearchParams = new URLSearchParams({
			...params,
			limit: '9',
			...(cursor ? { cursor } : {})
		});
		const result: ApiResult<{ items: Array<{ id: string }>; next_cursor: string | null }> = await api(
			'GET',
			`/api/workspaces/${world.workspaceId}/experiments?${query}`,
			{ token }
		);
		if (result.status !== 200) throw new Error(`${query}: ${result.status} ${JSON.stringify(result.body)}`);
		ids.push(...result.body.data.items.map((item) => item.id));
		cursor = result.body.data.next_cursor;
		if (!cursor) return ids;
	}
	throw new Error('more than 100 pages');
}

function modelIds(filter: string, sort: Key, order: 'asc' | 'desc'): string[] {
	const expr = parseQuery(filter);
	return world.runs
		.filter((run) => matches(expr, run))
		.sort((a, b) => compareRuns(sort, order, a, b))
		.map((run) => run.id);
}

// ---- a generator of queries over the world's vocabulary ----------------------------------------

const quote = (text: string) => JSON.stringify(text);

function atom(random: () => number): string {
	const day = new Date(WORLD_END - Math.floor(random() * 30) * DAY_MS).toISOString().slice(0, 10);
	const instant = new Date(WORLD_END - Math.floor(random() * 30 * DAY_MS)).toISOString();
	const number = () => pick(random, ['0.1', '0.3', '0.4', '0.5', '0.75', '0.9', '10', '3', '9']);
	const metric = () =>
		`metric.${quote(pick(random, WORLD.metrics))}.${pick(random, ['min', 'max', 'last', 'first', 'count', 'last_step'])}`;
	const choices: Array<() => string> = [
		() => `name = ${quote(pick(random, WORLD.names))}`,
		() => `name ~ ${quote(pick(random, ['res', 'SWEEP', '-1', 'ü', 'a_']))}`,
		() => `name in (${quote(pick(random, WORLD.names))}, ${quote(pick(random, WORLD.names) + '-3')})`,
		() => `description ~ ${quote(pick(random, ['ADAM', '50%', '_rate', 'sgd']))}`,
		() => `description = ""`,
		() => `tag = ${quote(pick(random, WORLD.tags))}`,
		() => `tag != ${quote(pick(random, WORLD.tags))}`,
		() => `tag in (${quote(pick(random, WORLD.tags))}, ${quote(pick(random, WORLD.tags))})`,
		() => `tag not in (${quote(pick(random, WORLD.tags))})`,
		() => `tag ~ ${quote(pick(random, ['BASE', 'run', 'g']))}`,
		() => `status = ${pick(random, ['running', 'finished', 'failed', 'crashed'])}`,
		() => `status in (crashed, failed)`,
		() => `status != running`,
		() => `created ${pick(random, ['<', '<=', '>', '>=', '=', '!='])} ${day}`,
		() => `updated ${pick(random, ['<', '>='])} ${instant}`,
		() => `duration ${pick(random, ['<', '>'])} ${pick(random, ['1h', '1d', '36h', '90000'])}`,
		() => `creator = ${quote(pick(random, world.emails).toUpperCase())}`,
		() => `creator != ${quote(pick(random, world.emails))}`,
		() => `creator ~ "example"`,
		() =>
			`project ${pick(random, ['=', '!=', '~'])} ${quote(pick(random, [...WORLD.projects, 'VISION', 'ü']))}`,
		() => `project in (${quote(pick(random, WORLD.projects))}, "nlp")`,
		() => `project not in (${quote(pick(random, WORLD.projects))})`,
		() => `has project`,
		() =>
			`hp.lr ${pick(random, ['<', '<=', '>', '>=', '=', '!='])} ${pick(random, ['1e-3', '0.01', '3e-4', '0.1'])}`,
		() => `hp.lr in (0.001, 0.0001, 1e-5)`,
		() => `hp.lr not in (0.1, 0.01)`,
		() => `hp.optimizer ${pick(random, ['=', '!='])} ${pick(random, WORLD.optimizers)}`,
		() => `hp.optimizer ~ ${quote(pick(random, ['ad', 'W', 'S']))}`,
		() => `hp.flag = ${pick(random, ['true', 'false'])}`,
		() => `hp.bs ${pick(random, ['=', '!='])} ${pick(random, ['32', '"32"', 'large', 'true'])}`,
		() => `hp.bs ${pick(random, ['<', '>='])} 64`,
		() =>
			`has ${pick(random, ['hp.bs', 'hp.flag', 'result.f1', 'metric."val/loss"', 'metric.acc.top1.last'])}`,
		() =>
			`result.${pick(random, WORLD.results)} ${pick(random, ['<', '<=', '>', '>=', '=', '!='])} ${number()}`,
		() => `result.acc in (0.5, 0.9)`,
		() => `${metric()} ${pick(random, ['<', '<=', '>', '>=', '=', '!='])} ${number()}`,
		() => `${metric()} not in (0.4, 3)`,
		() => `notes ~ ${quote(pick(random, ['w&b', 'STEP', '50%', '—']))}`,
		() => `notes ${pick(random, ['=', '!='])} ${quote(pick(random, [...WORLD.notes, '']))}`,
		() => `git.commit ${pick(random, ['=', '!='])} ${quote(pick(random, WORLD.commits))}`,
		() => `git.branch in (${quote(pick(random, WORLD.branches))}, "main")`,
		() => `git.remote ~ ${quote(pick(random, ['HTTPS', 'git@']))}`,
		() => `git.dirty ${pick(random, ['=', '!='])} ${pick(random, ['true', 'false'])}`,
		() => `host ${pick(random, ['=', '~', '!='])} ${quote(pick(random, [...WORLD.hosts, 'gpu']))}`,
		() => `gpu ${pick(random, ['=', '!=', '~'])} ${quote(pick(random, [...WORLD.gpus, 'a100', 'NVIDIA']))}`,
		() => `gpu not in (${quote(pick(random, WORLD.gpus))})`,
		() =>
			`${pick(random, ['cpus', 'memory'])} ${pick(random, ['<', '<=', '>', '>=', '=', '!='])} ${pick(random, ['8', '16', '16e9', '64000000000'])}`,
		() => `runtime ~ ${quote(pick(random, ['python', '3.11', 'NODE']))}`,
		() => `runtime = ${quote(pick(random, ['python 3.11.7', 'node 20.20.2', 'node']))}`,
		() => `command ~ ${quote(pick(random, ['--lr', 'a b', '-m train']))}`,
		() => `os = "Linux 6.1.0"`,
		() => `cwd != "/home/ana/proj"`,
		() =>
			`has ${pick(random, ['git.commit', 'git.branch', 'git.dirty', 'host', 'gpu', 'cpus', 'runtime', 'command'])}`
	];
	return pick(random, choices)();
}

function expression(random: () => number, depth: number): string {
	const roll = random();
	if (depth === 0 || roll < 0.4) return atom(random);
	if (roll < 0.55) return `not ${expression(random, depth - 1)}`;
	const joiner = roll < 0.8 ? 'and' : 'or';
	return `(${expression(random, depth - 1)} ${joiner} ${expression(random, depth - 1)})`;
}

const SORT_KEYS = [
	'created',
	'updated',
	'name',
	'description',
	'status',
	'duration',
	'creator',
	'project',
	'hp.lr',
	'hp.optimizer',
	'hp.bs',
	'hp.flag',
	'result.acc',
	'metric.loss.min',
	'metric."val/loss".last',
	'metric.loss.first',
	'metric."acc.top1".count',
	'metric.loss.last_step',
	'notes',
	'git.commit',
	'git.branch',
	'git.dirty',
	'host',
	'runtime',
	'command',
	'cpus',
	'memory'
];

describe('the query language against its model', () => {
	it('selects and orders as the model does, page by page', async () => {
		const random = seeded(7);
		let nonEmpty = 0;
		for (let i = 0; i < 400; i++) {
			const filter = expression(random, 3);
			const sort = pick(random, SORT_KEYS);
			const order = pick(random, ['asc', 'desc'] as const);
			const expected = modelIds(filter, parseKey(sort), order);
			if (expected.length > 0 && expected.length < world.runs.length) nonEmpty++;
			const actual = await listIds({ filter, sort, order });
			expect({ filter, sort, order, ids: actual }).toEqual({ filter, sort, order, ids: expected });
		}
		// The generator must produce selective queries, not just "everything" or "nothing".
		expect(nonEmpty).toBeGreaterThan(150);
	}, 240_000);

	it('sorts by every key in both directions over all runs', async () => {
		for (const sort of SORT_KEYS) {
			for (const order of ['asc', 'desc'] as const) {
				expect({ sort, order, ids: await listIds({ sort, order }) }).toEqual({
					sort,
					order,
					ids: modelIds('', parseKey(sort), order)
				});
			}
		}
	}, 60_000);

	it('narrows a sort index walk by a comparison of the sort key itself, and still applies the rest', async () => {
		// sortIndexBounds turns these into index bounds; mixed with other atoms (and an `or` that
		// must not become one) the pages must still be the model's.
		const random = seeded(11);
		const bounded: Array<[string, string[]]> = [
			['hp.lr', ['1e-3', '0.01', '3e-4']],
			['hp.bs', ['32', '64']],
			['result.acc', ['0.5', '0.75']],
			['metric.loss.min', ['0.3', '0.4']],
			['metric."val/loss".last', ['0.4', '0.9']]
		];
		for (const [key, values] of bounded)
			for (const op of ['<', '<=', '>', '>=', '='])
				for (const order of ['asc', 'desc'] as const) {
					const value = pick(random, values);
					const filter = pick(random, [
						`${key} ${op} ${value}`,
						`${key} ${op} ${value} and ${atom(random)}`,
						`${atom(random)} and (${key} ${op} ${value} or ${atom(random)})`
					]);
					expect({ filter, order, ids: await listIds({ filter, sort: key, order }) }).toEqual({
						filter,
						order,
						ids: modelIds(filter, parseKey(key), order)
					});
				}
	}, 120_000);

	it('refuses a sort by tag with a 400 naming sort, as the API does any bad key', async () => {
		for (const sort of ['tag', 'gpu', 'metric.', 'hp.lr <']) {
			const query = new URLSearchParams({ sort });
			const result = await api('GET', `/api/workspaces/${world.workspaceId}/experiments?${query}`, { token });
			expect([sort, result.status, Object.keys(result.body.error?.fields ?? {})]).toEqual([
				sort,
				400,
				['sort']
			]);
		}
	});

	it('writes keys that read back the same', () => {
		for (const sort of SORT_KEYS)
			expect(formatKey(parseKey(formatKey(parseKey(sort))))).toBe(formatKey(parseKey(sort)));
	});
});
