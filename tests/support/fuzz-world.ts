/**
 * The fuzzer's world: a single server in this process (the real app over real HTTP), one owner
 * with a team workspace, experiments with data, a member and an invitation, plus a checksum of
 * every row that belongs to that world, to prove a rejected write changed nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { sql } from 'kysely';
import { getDb } from '../../functions/_lib/db.ts';
import { createApp, type AppOptions } from '../../server/app.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes, type Route } from '../../server/routes.ts';
import { api, createKey, randomEmail, signIn } from './api.ts';
import { addMember, createWorkspace, invite } from './workspaces.ts';

export interface RunningServer {
	origin: string;
	server: Server;
	close(): Promise<void>;
}

/**
 * The single server's app on a free port in 9400–9499 (the range our test servers use), sharing
 * this process's function modules and database pool.
 */
export async function startInProcessServer(
	options: Partial<AppOptions> = {}
): Promise<RunningServer & { routes: Route[] }> {
	const routes = options.routes ?? (await loadRoutes(functionsDir));
	const server = createApp({ ...options, routes });
	const start = 9400 + Math.floor(Math.random() * 100);
	for (let i = 0; i < 100; i++) {
		const port = 9400 + ((start - 9400 + i) % 100);
		const listening = await new Promise<boolean>((resolve) => {
			const onError = () => resolve(false);
			server.once('error', onError);
			server.listen(port, '127.0.0.1', () => {
				server.off('error', onError);
				resolve(true);
			});
		});
		if (listening) {
			return {
				origin: `http://127.0.0.1:${port}`,
				server,
				routes,
				close: () =>
					new Promise<void>((resolve) => {
						server.closeAllConnections();
						server.close(() => resolve());
					})
			};
		}
	}
	throw new Error('no free port in 9400-9499');
}

export interface FuzzWorld {
	ownerId: string;
	ownerToken: string;
	/** The owner's unscoped API key. */
	apiKey: string;
	workspaceId: string;
	personalWorkspaceId: string;
	/** In the team workspace, with metric points and a result. */
	experimentId: string;
	/** Referenced by `experimentId`. */
	otherExperimentId: string;
	/** A viewer of the team workspace. */
	memberId: string;
	/** A pending invitation of the team workspace. */
	invitationId: string;
	/** A live share link's token to `experimentId` and `otherExperimentId`. */
	shareToken: string;
}

function expectStatus(result: { status: number; body: unknown }, status: number, what: string) {
	if (result.status !== status) throw new Error(`${what}: ${result.status} ${JSON.stringify(result.body)}`);
}

export async function buildFuzzWorld(): Promise<FuzzWorld> {
	const owner = await signIn(randomEmail('fuzz-owner'));
	const workspaceId = await createWorkspace(owner.token, 'Fuzz');
	const me = await api('GET', '/api/me', { token: owner.token });
	const { key } = await createKey(owner.token);
	const experiment = await api('POST', '/api/experiments', {
		token: owner.token,
		body: { name: 'fuzz target', workspaceId, tags: ['fuzz'], hyperparams: [{ key: 'lr', value: 0.1 }] }
	});
	expectStatus(experiment, 201, 'experiment');
	const other = await api('POST', '/api/experiments', {
		token: owner.token,
		body: { name: 'fuzz other', workspaceId }
	});
	expectStatus(other, 201, 'other experiment');
	const experimentId = experiment.body.data.id;
	const otherExperimentId = other.body.data.id;
	expectStatus(
		await api('POST', `/api/experiments/${experimentId}/logs/batch`, {
			token: owner.token,
			body: {
				logs: [0, 1, 2].map((step) => ({
					name: 'train/loss',
					msg_id: randomUUID(),
					value: 1 / (step + 1),
					step,
					metadata: null
				}))
			}
		}),
		201,
		'logs'
	);
	expectStatus(
		await api('POST', `/api/experiments/${experimentId}/references`, {
			token: owner.token,
			body: { referencedId: otherExperimentId }
		}),
		201,
		'reference'
	);
	const shared = await api('POST', '/api/share-links', {
		token: owner.token,
		body: { experimentIds: [experimentId, otherExperimentId] }
	});
	expectStatus(shared, 201, 'share link');
	const member = await addMember(owner.token, workspaceId, 'viewer');
	const invitationId = await invite(owner.token, workspaceId, randomEmail('fuzz-invitee'), 'editor');
	return {
		ownerId: owner.userId,
		ownerToken: owner.token,
		apiKey: key,
		workspaceId,
		personalWorkspaceId: me.body.data.personalWorkspaceId,
		experimentId,
		otherExperimentId,
		memberId: member.userId,
		invitationId,
		shareToken: shared.body.data.token
	};
}

/**
 * A checksum of every row the world's owner can reach: their workspaces, memberships,
 * invitations, keys (without `last_used_at`, which a successful read may bump), experiments,
 * references, series, points, rollups and results, and the profiles of the fuzzer's own emails.
 */
export async function worldChecksum(world: FuzzWorld): Promise<string> {
	const result = await sql<{ checksum: string }>`
		with ws as (
			select w.* from workspaces w
			where w.id in (select workspace_id from workspace_members where user_id = ${world.ownerId})
				or w.created_by = ${world.ownerId} or w.personal_owner_id = ${world.ownerId}
		),
		ex as (select e.* from experiments e where e.workspace_id in (select id from ws)),
		se as (select s.* from metric_series s where s.experiment_id in (select id from ex)),
		parts as (
			select 'workspaces' as part, (select count(*) from ws)::text ||
				coalesce((select string_agg(md5(ws::text), '' order by ws.id) from ws), '') as value
			union all select 'members', coalesce((select string_agg(md5(m::text), '' order by m.workspace_id, m.user_id)
				from workspace_members m where m.workspace_id in (select id from ws)), '')
			union all select 'invitations', coalesce((select string_agg(md5(i::text), '' order by i.id)
				from invitations i where i.workspace_id in (select id from ws)), '')
			union all select 'api_keys', coalesce((select string_agg(md5(concat_ws(',', k.id, k.name, k.prefix,
				k.workspace_id, k.revoked_at)), '' order by k.id) from api_keys k where k.user_id = ${world.ownerId}), '')
			union all select 'experiments', coalesce((select string_agg(md5(ex::text), '' order by ex.id) from ex), '')
			union all select 'references', coalesce((select string_agg(md5(r::text), '' order by r.experiment_id, r.referenced_id)
				from experiment_references r where r.experiment_id in (select id from ex)
					or r.referenced_id in (select id from ex)), '')
			union all select 'series', coalesce((select string_agg(md5(se::text), '' order by se.id) from se), '')
			union all select 'points', (select count(*)::text || coalesce(sum(p.step)::text, '') || coalesce(sum(p.value)::text, '')
				from metric_points p where p.series_id in (select id from se))
			union all select 'rollups', (select count(*)::text || coalesce(sum(r.point_count)::text, '')
				from metric_rollups r where r.series_id in (select id from se))
			union all select 'results', coalesce((select string_agg(md5(r::text), '' order by r.experiment_id, r.name)
				from results r where r.experiment_id in (select id from ex)), '')
			union all select 'result_messages', (select count(*)::text from result_messages m
				where m.experiment_id in (select id from ex))
			union all select 'fuzz_profiles', (select count(*)::text from profiles where email like '%@fuzz.test')
		)
		select md5(string_agg(part || '=' || value, ';' order by part)) as checksum from parts
	`.execute(getDb());
	return result.rows[0].checksum;
}
