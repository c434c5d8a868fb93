/**
 * The workspace copied onto metric_series and results rows (migration 20261207140000) that the
 * sort indexes read: set from the run on every insert whatever the writer passed, and moved with
 * the run. A wrong copy would make runs vanish from (or leak into) sorted lists, so it is checked
 * here directly; the order itself is run-query.test.ts's model checker's.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { api, signIn } from '../support/api.ts';
import { createExperiment, createTeamWorkspace } from '../support/experiments.ts';

let token: string;
let ownerId: string;

beforeAll(async () => {
	const owner = await signIn();
	token = owner.token;
	ownerId = owner.userId;
});

async function copiedWorkspaces(experimentId: string) {
	const { rows } = await sql<{ kind: string; workspace_id: string }>`
		select 'series' as kind, workspace_id from metric_series where experiment_id = ${experimentId}::uuid
		union all
		select 'result', workspace_id from results where experiment_id = ${experimentId}::uuid
		order by kind
	`.execute(getDb());
	return rows;
}

describe('the workspace on series and results rows', () => {
	it('is the run’s, as logged through the API, and follows the run to another workspace', async () => {
		const first = await createTeamWorkspace(ownerId, 'Sort index A');
		const second = await createTeamWorkspace(ownerId, 'Sort index B');
		const run = await createExperiment({ token }, { name: 'copied', workspaceId: first });
		const logged = await api('POST', `/api/experiments/${run.id}/logs/batch`, {
			token,
			body: {
				logs: [
					{ name: 'loss', value: 0.5, step: 1, msg_id: randomUUID(), metadata: { type: 'metric' } },
					{ name: 'acc', value: 0.9, step: null, msg_id: randomUUID(), metadata: { type: 'result' } }
				]
			}
		});
		expect(logged.status).toBe(201);
		expect(await copiedWorkspaces(run.id)).toEqual([
			{ kind: 'result', workspace_id: first },
			{ kind: 'series', workspace_id: first }
		]);

		await getDb().updateTable('experiments').set({ workspace_id: second }).where('id', '=', run.id).execute();
		expect(await copiedWorkspaces(run.id)).toEqual([
			{ kind: 'result', workspace_id: second },
			{ kind: 'series', workspace_id: second }
		]);
	});

	it('ignores a workspace a writer passes, and one written later', async () => {
		const own = await createTeamWorkspace(ownerId, 'Sort index own');
		const foreign = await createTeamWorkspace(ownerId, 'Sort index foreign');
		const run = await createExperiment({ token }, { name: 'guarded', workspaceId: own });
		await getDb()
			.insertInto('metric_series')
			.values({ experiment_id: run.id, name: 'loss', workspace_id: foreign })
			.execute();
		await getDb()
			.insertInto('results')
			.values({ experiment_id: run.id, name: 'acc', value: 1, workspace_id: foreign })
			.execute();
		await getDb()
			.updateTable('metric_series')
			.set({ workspace_id: foreign })
			.where('experiment_id', '=', run.id)
			.execute();
		await getDb()
			.updateTable('results')
			.set({ workspace_id: foreign })
			.where('experiment_id', '=', run.id)
			.execute();
		expect(await copiedWorkspaces(run.id)).toEqual([
			{ kind: 'result', workspace_id: own },
			{ kind: 'series', workspace_id: own }
		]);
	});

	it('keeps experiment_params equal to the run’s hyperparameters through create, update and moves', async () => {
		const first = await createTeamWorkspace(ownerId, 'Params A');
		const second = await createTeamWorkspace(ownerId, 'Params B');
		const run = await createExperiment(
			{ token },
			{
				name: 'params',
				workspaceId: first,
				hyperparams: [
					{ key: 'lr', value: 0.001 },
					{ key: 'optimizer', value: 'adam' },
					{ key: 'amp', value: true },
					{ key: 'eager', value: false }
				]
			}
		);
		const params = async () =>
			(
				await sql<{
					workspace_id: string;
					key: string;
					kind: number;
					number_value: number;
					text_value: string;
				}>`
					select workspace_id, key, kind, number_value, text_value from experiment_params
					where experiment_id = ${run.id}::uuid order by key
				`.execute(getDb())
			).rows;
		expect(await params()).toEqual([
			{ workspace_id: first, key: 'amp', kind: 2, number_value: 1, text_value: '' },
			{ workspace_id: first, key: 'eager', kind: 2, number_value: 0, text_value: '' },
			{ workspace_id: first, key: 'lr', kind: 0, number_value: 0.001, text_value: '' },
			{ workspace_id: first, key: 'optimizer', kind: 1, number_value: 0, text_value: 'adam' }
		]);

		const patched = await api('PATCH', `/api/experiments/${run.id}`, {
			token,
			body: { hyperparams: [{ key: 'lr', value: 0.1 }] }
		});
		expect(patched.status).toBe(200);
		await getDb().updateTable('experiments').set({ workspace_id: second }).where('id', '=', run.id).execute();
		expect(await params()).toEqual([
			{ workspace_id: second, key: 'lr', kind: 0, number_value: 0.1, text_value: '' }
		]);
	});
});
