/**
 * The query box's suggestions: names come from the workspace_keys catalog that triggers keep as
 * runs are created, edited and logged to (a name once used stays); values come from the newest
 * runs. Roles: authorization.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEY_VALUES_RUNS } from '../../functions/_lib/contracts/views.ts';
import { getDb } from '../../functions/_lib/db.ts';
import { api, expectEnvelope } from '../support/api.ts';
import {
	createExperiment,
	createTeamWorkspace,
	signInWithWorkspace,
	type TestUser
} from '../support/experiments.ts';

let owner: TestUser;
let workspaceId: string;

beforeAll(async () => {
	owner = await signInWithWorkspace();
	workspaceId = await createTeamWorkspace(owner.userId, 'Keys');
});

const keys = async (id = workspaceId) => {
	const result = await api('GET', `/api/workspaces/${id}/keys`, { token: owner.token });
	expect(result.status).toBe(200);
	return result.body.data as { hyperparams: string[]; metrics: string[]; results: string[]; tags: string[] };
};
const values = (key: string) =>
	api('GET', `/api/workspaces/${workspaceId}/keys?values=${encodeURIComponent(key)}`, { token: owner.token });

const entry = (name: string, value: number, step: number | null, type = 'metric') => ({
	name,
	msg_id: randomUUID(),
	value,
	step,
	metadata: { type }
});

async function log(experimentId: string, logs: unknown[]) {
	const result = await api('POST', `/api/experiments/${experimentId}/logs/batch`, {
		token: owner.token,
		body: { logs }
	});
	expect(result.status).toBe(201);
}

describe('autocomplete keys', () => {
	it('catalogs names as runs are created, edited and logged to, and keeps them after a delete', async () => {
		expect(await keys()).toEqual({ hyperparams: [], metrics: [], results: [], tags: [] });
		const run = await createExperiment(
			{ token: owner.token },
			{
				name: 'first',
				workspaceId,
				hyperparams: [
					{ key: 'lr', value: 0.1 },
					{ key: 'Opt', value: 'adam' }
				],
				tags: ['b', 'A']
			}
		);
		expect(await keys()).toEqual({ hyperparams: ['Opt', 'lr'], metrics: [], results: [], tags: ['A', 'b'] });

		await log(run.id, [entry('val/loss', 0.5, 0), entry('acc', 0.9, null, 'result')]);
		await log(run.id, [entry('train/loss', 0.4, 1), entry('val/loss', 0.3, 1)]);
		const edited = await api('PATCH', `/api/experiments/${run.id}`, {
			token: owner.token,
			body: { hyperparams: [{ key: 'dropout', value: 0.2 }], tags: ['c'] }
		});
		expect(edited.status).toBe(200);
		expect(await keys()).toEqual({
			hyperparams: ['Opt', 'dropout', 'lr'],
			metrics: ['train/loss', 'val/loss'],
			results: ['acc'],
			tags: ['A', 'b', 'c']
		});

		expect((await api('DELETE', `/api/experiments/${run.id}`, { token: owner.token })).status).toBe(200);
		expect((await keys()).metrics).toEqual(['train/loss', 'val/loss']);
	});

	it('keeps each workspace to its own names', async () => {
		await createExperiment(
			{ token: owner.token },
			{
				name: 'private',
				workspaceId: owner.personalWorkspaceId,
				hyperparams: [{ key: 'secret_hp', value: 1 }]
			}
		);
		expect((await keys()).hyperparams).not.toContain('secret_hp');
		expect((await keys(owner.personalWorkspaceId)).hyperparams).toContain('secret_hp');
	});

	it('lists the values of a key among the newest runs, most frequent first, typed as logged', async () => {
		const space = await createTeamWorkspace(owner.userId, 'Values');
		const base = Date.UTC(2026, 0, 1);
		const runs: Array<
			[Record<string, string | number | boolean>, string[], 'running' | 'finished' | 'failed']
		> = [
			[{ optimizer: 'adam', lr: 0.001 }, ['gpu'], 'running'],
			[{ optimizer: 'adam', lr: 0.01 }, ['gpu', 'sweep'], 'finished'],
			[{ optimizer: 'sgd', lr: '0.01' }, [], 'failed'],
			[{ optimizer: true }, ['sweep'], 'finished']
		];
		await getDb()
			.insertInto('experiments')
			.values(
				runs.map(([hp, tags, status], i) => ({
					workspace_id: space,
					name: `run ${i}`,
					tags,
					status,
					hyperparams: Object.entries(hp).map(([key, value]) => ({ key, value })),
					created_at: new Date(base + i * 1000),
					// The running run was last seen long ago: it shows as crashed.
					last_seen_at: new Date(base)
				}))
			)
			.execute();
		const of = async (key: string) => {
			const result = await api('GET', `/api/workspaces/${space}/keys?values=${encodeURIComponent(key)}`, {
				token: owner.token
			});
			expect(result.status).toBe(200);
			return result.body.data.values;
		};
		// adam twice, then the others in jsonb's order (strings before booleans).
		expect(await of('hp.optimizer')).toEqual(['adam', 'sgd', true]);
		expect(new Set(await of('hp.lr'))).toEqual(new Set([0.001, 0.01, '0.01']));
		expect(await of('hp.missing')).toEqual([]);
		expect((await of('tag')).slice(0, 2).sort()).toEqual(['gpu', 'sweep']);
		expect((await of('tag')).length).toBe(2);
		expect(new Set(await of('status'))).toEqual(new Set(['crashed', 'finished', 'failed']));
		expect((await of('status'))[0]).toBe('finished');
	});

	it('looks at the newest runs only', async () => {
		const space = await createTeamWorkspace(owner.userId, 'Window');
		const run = (age: number, value: string) => ({
			workspace_id: space,
			name: `${value} ${age}`,
			hyperparams: [{ key: 'era', value }],
			created_at: new Date(Date.UTC(2026, 0, 1) - age * 1000)
		});
		const newest = Array.from({ length: KEY_VALUES_RUNS }, (_, i) => run(i, 'new'));
		await getDb()
			.insertInto('experiments')
			.values([run(KEY_VALUES_RUNS + 5, 'old'), ...newest])
			.execute();
		const result = await api('GET', `/api/workspaces/${space}/keys?values=hp.era`, { token: owner.token });
		expect(result.body.data).toEqual({ values: ['new'] });
		// The name is in the catalog all the same.
		expect((await keys(space)).hyperparams).toEqual(['era']);
	});

	it('refuses keys without listed values, naming the column of a syntax error', async () => {
		const metric = await values('metric.loss.min');
		expectEnvelope(metric, 400, 'VALIDATION_ERROR');
		expect(metric.body.error?.fields?.values?.[0]).toMatch(/hp\.<name>/);
		const broken = await values('hp.');
		expectEnvelope(broken, 400, 'VALIDATION_ERROR');
		expect(broken.body.error?.fields?.values?.[0]).toMatch(/^col 1: /);
	});
});
