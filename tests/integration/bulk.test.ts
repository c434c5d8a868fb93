/**
 * Bulk actions and list counts, checked against the query language's model (evaluate.ts): a
 * filter selects exactly the runs `matches` says, for tagging, untagging, deleting and counting.
 * Ids of other workspaces' runs are ignored; refusals change nothing. Roles: authorization.test.ts.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { matches } from '../../functions/_lib/contracts/query/evaluate.ts';
import { parseQuery } from '../../functions/_lib/contracts/query/parse.ts';
import { MAX_TAGS } from '../../functions/_lib/contracts/rules.ts';
import { MAX_BULK_MATCHES } from '../../functions/_lib/contracts/views.ts';
import { getDb } from '../../functions/_lib/db.ts';
import { api, expectEnvelope, signIn } from '../support/api.ts';
import { createExperiment, createTeamWorkspace } from '../support/experiments.ts';
import { buildRunWorld, type RunWorld } from '../support/run-world.ts';

let token: string;
let ownerId: string;
let world: RunWorld;

beforeAll(async () => {
	const owner = await signIn();
	const other = await signIn();
	token = owner.token;
	ownerId = owner.userId;
	const workspaceId = await createTeamWorkspace(owner.userId, 'Bulk world');
	const creators: Array<[string, string]> = [
		[owner.userId, owner.email],
		[other.userId, other.email]
	];
	world = await buildRunWorld(workspaceId, creators, 60, 20261208);
}, 60_000);

/** None of these reads `updated` or matches tags by pattern: tagging must not change what they select. */
const FILTERS = [
	'',
	'hp.lr < 1e-3',
	'status = crashed or result.f1 >= 0.9',
	'tag = baseline and not hp.optimizer = adam',
	'metric."val/loss".min < 0.3',
	'name ~ "sweep"',
	'has hp.bs and hp.bs >= 64',
	'hp.optimizer = nothing-like-this'
];

const bulk = (workspaceId: string, body: unknown) =>
	api('POST', `/api/workspaces/${workspaceId}/experiments/bulk`, { token, body });

const modelIds = (filter: string) =>
	world.runs
		.filter((run) => matches(parseQuery(filter), run))
		.map((run) => run.id)
		.sort();

async function taggedIds(workspaceId: string, tag: string): Promise<string[]> {
	const rows = await getDb()
		.selectFrom('experiments')
		.select('id')
		.where('workspace_id', '=', workspaceId)
		.where(sql<boolean>`${tag} = any(tags)`)
		.orderBy('id')
		.execute();
	return rows.map((row) => row.id);
}

describe('bulk actions', () => {
	it('tags and untags exactly the runs a filter selects, as the model does', async () => {
		for (const [index, filter] of FILTERS.entries()) {
			const mark = `mark-${index}`;
			const expected = modelIds(filter);
			const added = await bulk(world.workspaceId, { filter, action: 'add-tags', tags: [mark] });
			expect(added.body.data, filter).toEqual({ matched: expected.length, changed: expected.length });
			expect(await taggedIds(world.workspaceId, mark), filter).toEqual(expected);
			// Again: nothing left to change.
			const again = await bulk(world.workspaceId, { filter, action: 'add-tags', tags: [mark] });
			expect(again.body.data).toEqual({ matched: expected.length, changed: 0 });
			const removed = await bulk(world.workspaceId, {
				filter,
				action: 'remove-tags',
				tags: [mark.toUpperCase()]
			});
			expect(removed.body.data).toEqual({ matched: expected.length, changed: expected.length });
			expect(await taggedIds(world.workspaceId, mark)).toEqual([]);
		}
	});

	it('counts the runs a filter selects, only when asked', async () => {
		for (const filter of FILTERS) {
			const query = new URLSearchParams({ filter, limit: '5', count: 'true' });
			const counted = await api('GET', `/api/workspaces/${world.workspaceId}/experiments?${query}`, {
				token
			});
			expect(counted.body.data.total, filter).toBe(modelIds(filter).length);
			expect(counted.body.data.items.length).toBe(Math.min(5, modelIds(filter).length));
		}
		const plain = await api('GET', `/api/workspaces/${world.workspaceId}/experiments?limit=5`, { token });
		expect(plain.status).toBe(200);
		expect('total' in plain.body.data).toBe(false);
		const narrowed = await api(
			'GET',
			`/api/workspaces/${world.workspaceId}/experiments?status=failed&count=true`,
			{
				token
			}
		);
		expect(narrowed.body.data.total).toBe(world.runs.filter((run) => run.status === 'failed').length);
		expectEnvelope(
			await api('GET', `/api/workspaces/${world.workspaceId}/experiments?count=yes`, { token }),
			400,
			'VALIDATION_ERROR'
		);
	});

	it('adds tags after the run’s own, once, and acts by ids within the workspace only', async () => {
		const space = await createTeamWorkspace(ownerId, 'By ids');
		const elsewhere = await createTeamWorkspace(ownerId, 'Elsewhere');
		const run = await createExperiment({ token }, { name: 'r', workspaceId: space, tags: ['keep', 'GPU'] });
		const foreign = await createExperiment({ token }, { name: 'f', workspaceId: elsewhere, tags: ['x'] });
		const added = await bulk(space, {
			ids: [run.id, foreign.id],
			action: 'add-tags',
			tags: ['new', 'gpu', 'z']
		});
		expect(added.body.data).toEqual({ matched: 1, changed: 1 });
		const after = await api('GET', `/api/experiments/${run.id}`, { token });
		expect(after.body.data.tags).toEqual(['keep', 'GPU', 'new', 'z']);
		expect((await api('GET', `/api/experiments/${foreign.id}`, { token })).body.data.tags).toEqual(['x']);
		// Deleting by id: the foreign run is neither deleted nor counted.
		const deleted = await bulk(space, { ids: [foreign.id], action: 'delete' });
		expect(deleted.body.data).toEqual({ matched: 0, changed: 0 });
		expect((await api('GET', `/api/experiments/${foreign.id}`, { token })).status).toBe(200);
	});

	it('refuses, changing nothing, when runs would pass the tag limit', async () => {
		const space = await createTeamWorkspace(ownerId, 'Full tags');
		const full = Array.from({ length: MAX_TAGS - 1 }, (_, i) => `t${i}`);
		const [a, b, c] = await Promise.all([
			createExperiment({ token }, { name: 'a', workspaceId: space, tags: full }),
			createExperiment({ token }, { name: 'b', workspaceId: space, tags: full }),
			createExperiment({ token }, { name: 'c', workspaceId: space, tags: [] })
		]);
		const refused = await bulk(space, { ids: [a.id, b.id, c.id], action: 'add-tags', tags: ['x', 'y'] });
		expectEnvelope(refused, 409, 'CONFLICT');
		expect(refused.body.error?.message).toMatch(/^2 runs would have more than 50 tags/);
		expect(await taggedIds(space, 'x')).toEqual([]);
		const fits = await bulk(space, { ids: [a.id, b.id, c.id], action: 'add-tags', tags: ['x'] });
		expect(fits.body.data).toEqual({ matched: 3, changed: 3 });
	});

	it('deletes the runs a filter selects, with what they hold', async () => {
		const space = await createTeamWorkspace(ownerId, 'Delete world');
		const small = await buildRunWorld(space, [[ownerId, 'x@example.test']], 25, 7);
		const filter = 'hp.lr >= 0.01 or status = failed';
		const doomed = small.runs.filter((run) => matches(parseQuery(filter), run)).map((run) => run.id);
		expect(doomed.length).toBeGreaterThan(0);
		const deleted = await bulk(space, { filter, action: 'delete' });
		expect(deleted.body.data).toEqual({ matched: doomed.length, changed: doomed.length });
		const left = await getDb()
			.selectFrom('experiments')
			.select('id')
			.where('workspace_id', '=', space)
			.execute();
		expect(left.map((row) => row.id).sort()).toEqual(
			small.runs
				.filter((run) => !doomed.includes(run.id))
				.map((run) => run.id)
				.sort()
		);
		const orphans = await getDb()
			.selectFrom('metric_series')
			.select('id')
			.where('experiment_id', 'in', doomed)
			.execute();
		expect(orphans).toEqual([]);
	});

	it(`refuses a filter matching more than ${MAX_BULK_MATCHES} runs before changing any`, async () => {
		const space = await createTeamWorkspace(ownerId, 'Too many');
		await sql`
			insert into experiments (workspace_id, name, tags)
			select ${space}::uuid, 'run ' || i, '{}' from generate_series(1, ${MAX_BULK_MATCHES + 1}) as i
		`.execute(getDb());
		const refused = await bulk(space, { filter: 'name ~ "run"', action: 'add-tags', tags: ['big'] });
		expectEnvelope(refused, 409, 'CONFLICT');
		expect(refused.body.error?.message).toMatch(/narrow the filter/);
		expect(await taggedIds(space, 'big')).toEqual([]);
		const narrowed = await bulk(space, { filter: 'name = "run 7"', action: 'add-tags', tags: ['big'] });
		expect(narrowed.body.data).toEqual({ matched: 1, changed: 1 });
	});

	it('checks the body: ids or filter, tags for tag actions, filter syntax with its column', async () => {
		const id = world.runs[0].id;
		const cases: Array<[unknown, string]> = [
			[{ action: 'delete' }, '_'],
			[{ ids: [id], filter: '', action: 'delete' }, '_'],
			[{ ids: [id], action: 'add-tags' }, 'tags'],
			[{ ids: [id], action: 'delete', tags: ['a'] }, 'tags'],
			[{ ids: [], action: 'delete' }, 'ids'],
			[{ ids: [id], action: 'rename' }, 'action'],
			[{ ids: [id], action: 'add-tags', tags: ['bad\u0007tag'] }, 'tags.0']
		];
		for (const [body, field] of cases) {
			const result = await bulk(world.workspaceId, body);
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error?.fields ?? {}), JSON.stringify(body)).toContain(field);
		}
		const syntax = await bulk(world.workspaceId, { filter: 'hp.lr <', action: 'delete' });
		expect(syntax.body.error?.fields?.filter?.[0]).toMatch(/^col 8: /);
		expect((await getDb().selectFrom('experiments').select('id').where('id', '=', id).execute()).length).toBe(
			1
		);
	});
});
