/**
 * Set-up for experiment tests. Memberships, extra workspaces, metric summaries and results are
 * written straight into the database: their own endpoints are tested elsewhere, and these rows
 * are exactly what those endpoints store.
 */
import { randomUUID } from 'node:crypto';
import { getDb } from '../../functions/_lib/db.ts';
import type { WorkspaceRole } from '../../functions/_lib/contracts/common.ts';
import { api, signIn } from './api.ts';

export interface TestUser {
	token: string;
	userId: string;
	email: string;
	personalWorkspaceId: string;
}

export async function signInWithWorkspace(): Promise<TestUser> {
	const user = await signIn();
	const me = await api('GET', '/api/me', { token: user.token });
	if (me.status !== 200) throw new Error(`GET /api/me failed: ${JSON.stringify(me.body)}`);
	return { ...user, personalWorkspaceId: me.body.data.personalWorkspaceId };
}

export async function addMember(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
	await getDb()
		.insertInto('workspace_members')
		.values({ workspace_id: workspaceId, user_id: userId, role })
		.onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
		.execute();
}

export async function removeMember(workspaceId: string, userId: string): Promise<void> {
	await getDb()
		.deleteFrom('workspace_members')
		.where('workspace_id', '=', workspaceId)
		.where('user_id', '=', userId)
		.execute();
}

/** A shared (non-personal) workspace owned by `ownerId`; one transaction, as a workspace needs an owner. */
export async function createTeamWorkspace(ownerId: string, name = 'Team'): Promise<string> {
	return getDb()
		.transaction()
		.execute(async (tx) => {
			const { id } = await tx
				.insertInto('workspaces')
				.values({ name, created_by: ownerId })
				.returning('id')
				.executeTakeFirstOrThrow();
			await tx
				.insertInto('workspace_members')
				.values({ workspace_id: id, user_id: ownerId, role: 'owner' })
				.execute();
			return id;
		});
}

export interface Credentials {
	token?: string;
	apiKey?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createExperiment(auth: Credentials, body: Record<string, unknown>): Promise<any> {
	const result = await api('POST', '/api/experiments', { ...auth, body });
	if (result.status !== 201) throw new Error(`experiment creation failed: ${JSON.stringify(result.body)}`);
	return result.body.data;
}

export async function insertMetric(
	experimentId: string,
	metric: {
		name: string;
		count: number;
		first: number;
		last: number;
		min: number;
		max: number;
		lastValue: number;
		/** The value at the lowest step; unknown (null) when left out. */
		firstValue?: number;
	}
): Promise<void> {
	await getDb()
		.insertInto('metric_series')
		.values({
			experiment_id: experimentId,
			name: metric.name,
			point_count: metric.count,
			first_step: metric.first,
			last_step: metric.last,
			min_value: metric.min,
			max_value: metric.max,
			last_value: metric.lastValue,
			first_value: metric.firstValue ?? null,
			first_logged_at: new Date(),
			last_logged_at: new Date()
		})
		.execute();
}

export async function insertResult(experimentId: string, name: string, value: number): Promise<void> {
	await getDb()
		.insertInto('results')
		.values({ experiment_id: experimentId, name, value, msg_id: randomUUID() })
		.execute();
}

/** Follows `next_cursor` to the end; fails the test on any non-200 page. */
export async function listAll(
	token: string,
	workspaceId: string,
	params: Record<string, string>
): Promise<{ pages: string[][]; ids: string[] }> {
	const pages: string[][] = [];
	let cursor: string | null = null;
	do {
		const query = new URLSearchParams(params);
		if (cursor) query.set('cursor', cursor);
		const result = await api('GET', `/api/workspaces/${workspaceId}/experiments?${query}`, { token });
		if (result.status !== 200) throw new Error(`list failed: ${JSON.stringify(result.body)}`);
		pages.push(result.body.data.items.map((item: { id: string }) => item.id));
		cursor = result.body.data.next_cursor;
		if (pages.length > 1000) throw new Error('paging does not end');
	} while (cursor);
	return { pages, ids: pages.flat() };
}
