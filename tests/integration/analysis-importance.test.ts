/**
 * `POST /api/analysis/importance` against the real handler and database: a seeded sweep in which
 * the learning rate decides the target; the answer is exactly the pure analysis of the runs as
 * written (targets from the series summaries and results); runs chosen by id or by a workspace
 * and filter; unreadable ids absent; a bad target or filter is a 400 naming the field; a caller
 * who may not list the workspace's runs is refused exactly as the runs list refuses them; above
 * the run bound a deterministic sample is read, and the answer says so. Roles: authorization.test.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseImportance, type RunRow } from '../../functions/_lib/analysis/importance.ts';
import { MAX_IMPORTANCE_RUNS } from '../../functions/_lib/contracts/analysis.ts';
import { getDb } from '../../functions/_lib/db.ts';
import { api, createKey, expectEnvelope } from '../support/api.ts';
import {
	addMember,
	createTeamWorkspace,
	insertMetric,
	insertResult,
	signInWithWorkspace,
	type TestUser
} from '../support/experiments.ts';
import { seeded } from '../support/run-world.ts';

const PATH = '/api/analysis/importance';
const RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2];

interface SweepRun {
	id: string;
	params: Record<string, number | string>;
	loss: number | null;
	accuracy: number;
}

let owner: TestUser;
let workspaceId: string;
let sweep: SweepRun[];

/**
 * 40 runs whose best validation loss is decided by how far lr is from 1e-3 (a valley on a log
 * scale), plus noise; batch, optimizer and seed decide nothing; epochs is the same everywhere.
 * Three more runs never logged val/loss. Written straight to the tables, as their endpoints store them.
 */
async function buildSweep(): Promise<SweepRun[]> {
	const random = seeded(2024);
	const runs: SweepRun[] = [];
	for (let i = 0; i < 43; i++) {
		const lr = RATES[i % RATES.length];
		const params = {
			lr,
			batch: [32, 64, 128][Math.floor(random() * 3)],
			optimizer: random() < 0.5 ? 'adam' : 'sgd',
			seed: i,
			epochs: 10
		};
		const distance = Math.abs(Math.log10(lr) + 3);
		const { id } = await getDb()
			.insertInto('experiments')
			.values({
				workspace_id: workspaceId,
				name: `sweep ${i}`,
				created_by: owner.userId,
				hyperparams: Object.entries(params).map(([key, value]) => ({ key, value }))
			})
			.returning('id')
			.executeTakeFirstOrThrow();
		const loss = i < 40 ? 0.5 + 0.3 * distance + 0.02 * random() : null;
		if (loss !== null) {
			await insertMetric(id, {
				name: 'val/loss',
				count: 100,
				first: 0,
				last: 99,
				min: loss,
				max: loss + 1,
				lastValue: loss + 0.01
			});
		}
		const accuracy = 0.9 - 0.1 * distance + 0.01 * random();
		await insertResult(id, 'accuracy', accuracy);
		runs.push({ id, params, loss, accuracy });
	}
	return runs;
}

/** The runs in the order the repository reads them (md5 of the id), as the analysis takes them. */
function asRead(runs: SweepRun[], target: (run: SweepRun) => number | null): RunRow[] {
	const md5 = (id: string) => createHash('md5').update(id).digest('hex');
	return [...runs]
		.sort((a, b) => (md5(a.id) < md5(b.id) ? -1 : md5(a.id) > md5(b.id) ? 1 : 0))
		.map((run) => ({ params: run.params, target: target(run) }));
}

const analyse = (body: unknown, credentials: { token?: string; apiKey?: string } = { token: owner.token }) =>
	api('POST', PATH, { ...credentials, body });

beforeAll(async () => {
	owner = await signInWithWorkspace();
	workspaceId = await createTeamWorkspace(owner.userId, 'Importance sweep');
	sweep = await buildSweep();
});

describe('POST /api/analysis/importance', () => {
	it("ranks lr first over a workspace's runs, exactly as the analysis of the stored runs", async () => {
		const result = await analyse({ workspaceId, target: 'metric."val/loss".min' });
		expect(result.status).toBe(200);
		const data = result.body.data;
		expect(data).toMatchObject({
			target: 'metric.val/loss.min',
			runs_matched: 43,
			sampled: false,
			runs_used: 40,
			runs_without_target: 3,
			forest_runs: 40,
			note: null,
			left_out: [{ key: 'epochs', reason: 'constant' }]
		});
		expect(data.parameters[0]).toMatchObject({ key: 'lr', kind: 'log', runs_used: 40 });
		expect(data.parameters[0].importance).toBeGreaterThan(0.6);
		expect(data.parameters.map((p: { key: string }) => p.key).sort()).toEqual([
			'batch',
			'lr',
			'optimizer',
			'seed'
		]);

		const expected = analyseImportance(asRead(sweep, (run) => run.loss));
		expect(data.parameters).toEqual(
			expected.parameters.map(({ runsUsed, ...parameter }) => ({ ...parameter, runs_used: runsUsed }))
		);
		expect(data.out_of_bag_r2).toBe(expected.outOfBagR2);

		// The same request, the same answer.
		expect((await analyse({ workspaceId, target: 'metric."val/loss".min' })).body.data).toEqual(data);
	});

	it('reads results as targets, and only the parameters asked for', async () => {
		const result = await analyse({ workspaceId, target: 'result.accuracy', params: ['seed', 'lr'] });
		expect(result.status).toBe(200);
		expect(result.body.data).toMatchObject({
			target: 'result.accuracy',
			runs_used: 43,
			runs_without_target: 0
		});
		expect(result.body.data.parameters.map((p: { key: string }) => p.key)).toEqual(['lr', 'seed']);
		const expected = analyseImportance(
			asRead(sweep, (run) => run.accuracy),
			{ params: ['seed', 'lr'] }
		);
		expect(result.body.data.parameters.map((p: { importance: number }) => p.importance)).toEqual(
			expected.parameters.map((p) => p.importance)
		);
	});

	it('narrows a workspace by a filter', async () => {
		const result = await analyse({
			workspaceId,
			filter: 'hp.optimizer = adam',
			target: 'metric."val/loss".min'
		});
		expect(result.status).toBe(200);
		const adam = sweep.filter((run) => run.params.optimizer === 'adam');
		expect(result.body.data.runs_matched).toBe(adam.length);
		expect(result.body.data.runs_used).toBe(adam.filter((run) => run.loss !== null).length);
		// Within the filter the optimizer is constant.
		expect(result.body.data.left_out).toContainEqual({ key: 'optimizer', reason: 'constant' });
	});

	it('reads runs by id, leaving out those the caller may not read', async () => {
		const stranger = await signInWithWorkspace();
		const { id: hidden } = await getDb()
			.insertInto('experiments')
			.values({ workspace_id: stranger.personalWorkspaceId, name: 'not yours', hyperparams: [] })
			.returning('id')
			.executeTakeFirstOrThrow();
		await insertResult(hidden, 'accuracy', 0.99);
		const chosen = sweep.slice(0, 20);
		const ids = [...chosen.map((run) => run.id), hidden, randomUUID()];
		const result = await analyse({ experimentIds: ids, target: 'result.accuracy' });
		expect(result.status).toBe(200);
		expect(result.body.data).toMatchObject({ runs_matched: 20, runs_used: 20 });
		expect(result.body.data.parameters.map((p: { importance: number }) => p.importance)).toEqual(
			analyseImportance(asRead(chosen, (run) => run.accuracy)).parameters.map((p) => p.importance)
		);

		// A key scoped to another workspace reads none of them: nothing to say, and it says so.
		const scopedElsewhere = await createKey(owner.token, owner.personalWorkspaceId);
		const scoped = await analyse(
			{ experimentIds: ids, target: 'result.accuracy' },
			{ apiKey: scopedElsewhere.key }
		);
		expect(scoped.status).toBe(200);
		expect(scoped.body.data).toMatchObject({
			runs_matched: 0,
			runs_used: 0,
			parameters: [],
			note: 'No run has a value for the target.'
		});
	});

	it('refuses a target that is not a metric aggregate or a result, naming the field', async () => {
		for (const [target, message] of [
			['name', /^must be metric\.<name>\.<last\|min\|max\|first\|count\|last_step> or result\.<name>$/],
			['hp.lr', /^must be metric/],
			['tag', /^must be metric/],
			['metric.', /^col \d+: /],
			['metric."val/loss".median', /^col \d+: unknown aggregate 'median'/],
			['', /^col 1: /]
		] as const) {
			const result = await analyse({ workspaceId, target });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields!)).toEqual(['target']);
			expect(result.body.error!.fields!.target[0]).toMatch(message);
		}
		expectEnvelope(await analyse({ workspaceId }), 400, 'VALIDATION_ERROR');
	});

	it('refuses a malformed filter with its column, as the runs list does', async () => {
		const filter = 'hp.lr < and';
		const result = await analyse({ workspaceId, filter, target: 'result.accuracy' });
		expectEnvelope(result, 400, 'VALIDATION_ERROR');
		const list = await api(
			'GET',
			`/api/workspaces/${workspaceId}/experiments?filter=${encodeURIComponent(filter)}`,
			{
				token: owner.token
			}
		);
		expectEnvelope(list, 400, 'VALIDATION_ERROR');
		expect(result.body.error!.fields).toEqual({ filter: list.body.error!.fields!.filter });
		expect(result.body.error!.fields!.filter[0]).toMatch(/^col \d+: /);
	});

	it('needs exactly one of experimentIds and workspaceId, and bounded lists', async () => {
		const id = sweep[0].id;
		const cases: Array<[unknown, string]> = [
			[{ target: 'result.accuracy' }, '_'],
			[{ experimentIds: [id], workspaceId, target: 'result.accuracy' }, '_'],
			[{ experimentIds: [id], filter: 'hp.lr > 0', target: 'result.accuracy' }, 'filter'],
			[{ experimentIds: [], target: 'result.accuracy' }, 'experimentIds'],
			[{ experimentIds: ['not-a-uuid'], target: 'result.accuracy' }, 'experimentIds.0'],
			[
				{ experimentIds: Array.from({ length: 1001 }, () => randomUUID()), target: 'result.accuracy' },
				'experimentIds'
			],
			[{ workspaceId, target: 'result.accuracy', params: [] }, 'params'],
			[
				{ workspaceId, target: 'result.accuracy', params: Array.from({ length: 51 }, (_, i) => `p${i}`) },
				'params'
			],
			[{ workspaceId, target: 'result.accuracy', extra: 1 }, '_']
		];
		for (const [body, field] of cases) {
			const result = await analyse(body);
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect([JSON.stringify(body).slice(0, 80), Object.keys(result.body.error!.fields!)]).toEqual([
				JSON.stringify(body).slice(0, 80),
				[field]
			]);
		}
	});

	it("refuses a workspace's runs to whoever the runs list refuses, with the same status", async () => {
		const outsider = await signInWithWorkspace();
		const viewer = await signInWithWorkspace();
		await addMember(workspaceId, viewer.userId, 'viewer');
		const keyElsewhere = await createKey(owner.token, owner.personalWorkspaceId);
		const body = { workspaceId, target: 'result.accuracy' };
		const listStatus = async (credentials: { token?: string; apiKey?: string }) =>
			(await api('GET', `/api/workspaces/${workspaceId}/experiments`, credentials)).status;

		const asOutsider = await analyse(body, { token: outsider.token });
		expectEnvelope(asOutsider, 404, 'NOT_FOUND');
		expect(await listStatus({ token: outsider.token })).toBe(404);

		const asKeyElsewhere = await analyse(body, { apiKey: keyElsewhere.key });
		expectEnvelope(asKeyElsewhere, 403, 'FORBIDDEN');
		expect(await listStatus({ apiKey: keyElsewhere.key })).toBe(403);

		const asViewer = await analyse(body, { token: viewer.token });
		expect(asViewer.status).toBe(200);
		expect(asViewer.body.data.runs_matched).toBe(43);
		expect(await listStatus({ token: viewer.token })).toBe(200);

		// A workspace that does not exist is the same 404.
		expectEnvelope(await analyse({ ...body, workspaceId: randomUUID() }), 404, 'NOT_FOUND');
	});

	it(`reads a deterministic sample of ${MAX_IMPORTANCE_RUNS} runs above that, and says so`, async () => {
		const big = await createTeamWorkspace(owner.userId, 'Big sweep');
		const total = MAX_IMPORTANCE_RUNS + 3;
		// x decides the score; noise is a scrambled number that decides nothing.
		await sql`
			insert into experiments (workspace_id, name, hyperparams)
			select ${big}::uuid, 'big ' || i, jsonb_build_array(
				jsonb_build_object('key', 'x', 'value', (i % 97) / 97.0),
				jsonb_build_object('key', 'noise', 'value', ((i * 7919) % 1009) / 1009.0))
			from generate_series(1, ${total}) as i
		`.execute(getDb());
		await sql`
			insert into results (experiment_id, name, value)
			select e.id, 'score', 2 * (e.hyperparams_by_key ->> 'x')::float8 from experiments e where e.workspace_id = ${big}::uuid
		`.execute(getDb());
		const result = await analyse({ workspaceId: big, target: 'result.score' });
		expect(result.status).toBe(200);
		expect(result.body.data).toMatchObject({
			runs_matched: total,
			sampled: true,
			runs_used: MAX_IMPORTANCE_RUNS,
			note: `Analysed a deterministic sample of ${MAX_IMPORTANCE_RUNS} of the ${total} matching runs.`
		});
		expect(result.body.data.parameters.map((p: { key: string }) => p.key)).toEqual(['x', 'noise']);
		expect((await analyse({ workspaceId: big, target: 'result.score' })).body.data).toEqual(result.body.data);
	});
});
