/**
 * Share links: made by an editor's session (never an API key), listed per workspace, revoked;
 * the token alone opens exactly what was shared — one run, a selection or a view — and its
 * series, nothing else. Unknown, malformed, revoked and expired tokens, a workspace with sharing
 * off and a deleted run are one identical 404; many unknown tokens from one client are a 429.
 * Anonymous links carry no creator, email, workspace or project name, host or git remote.
 * Roles per route: authorization.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { hashShareToken } from '../../functions/_lib/share-token.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes, matchRoute } from '../../server/routes.ts';
import { api, createKey, expectEnvelope, randomEmail, signIn } from '../support/api.ts';
import { withConfig } from '../support/config.ts';
import { addMember, createWorkspace, type User } from '../support/workspaces.ts';

let owner: User;
let editor: User;
let viewer: User;
let workspaceId: string;
let runId: string;
let otherRunId: string;
/** A run of another workspace of the owner's: no link of `workspaceId` may read it. */
let foreignRunId: string;

const WORKSPACE_NAME = `Secret Lab ${randomUUID().slice(0, 6)}`;
const PROJECT_NAME = `Project Nightingale ${randomUUID().slice(0, 6)}`;
const HOST = 'gpu-box-of-alice.internal';
const REMOTE = 'https://github.com/alice/secret-repo.git';

const logs = (pairs: [string, number, number | null][]) => ({
	logs: pairs.map(([name, value, step]) => ({
		name,
		msg_id: randomUUID(),
		value,
		step,
		metadata: { type: step === null ? 'result' : 'metric' }
	}))
});

async function run(name: string, inWorkspace = workspaceId, extra: Record<string, unknown> = {}) {
	const created = await api('POST', '/api/experiments', {
		token: owner.token,
		body: {
			name,
			workspaceId: inWorkspace,
			hyperparams: [{ key: 'lr', value: 0.01 }],
			tags: ['shared'],
			...extra
		}
	});
	expect(created.status).toBe(201);
	const id: string = created.body.data.id;
	const logged = await api('POST', `/api/experiments/${id}/logs/batch`, {
		token: owner.token,
		body: logs([
			['train/loss', 2, 0],
			['train/loss', 1, 1],
			['train/loss', 0.5, 2],
			['accuracy', 0.9, null]
		])
	});
	expect(logged.status).toBe(201);
	return id;
}

const share = (body: unknown, token = editor.token) => api('POST', '/api/share-links', { token, body });

async function shareOk(body: unknown): Promise<{ id: string; token: string; url: string }> {
	const result = await share(body);
	expect(result.status, JSON.stringify(result.body)).toBe(201);
	return result.body.data;
}

const open = (token: string) => api('GET', `/api/shared/${token}`);
const series = (token: string, body: unknown) => api('POST', `/api/shared/${token}/series`, { body });

/** The one 404 every failing token gets: same status, code and message. */
async function expectGone(token: string) {
	const result = await open(token);
	expectEnvelope(result, 404, 'NOT_FOUND');
	expect(result.body.error?.message).toBe('This share link does not exist or no longer works.');
	const read = await series(token, { experimentIds: [runId], metrics: ['train/loss'] });
	expectEnvelope(read, 404, 'NOT_FOUND');
	expect(read.body.error?.message).toBe(result.body.error?.message);
}

beforeAll(async () => {
	owner = await signIn(randomEmail('share-owner'));
	workspaceId = await createWorkspace(owner.token, WORKSPACE_NAME);
	[editor, viewer] = await Promise.all([
		addMember(owner.token, workspaceId, 'editor'),
		addMember(owner.token, workspaceId, 'viewer')
	]);
	runId = await run('shared run', workspaceId, { project: PROJECT_NAME });
	otherRunId = await run('unshared run');
	foreignRunId = await run('foreign run', await createWorkspace(owner.token, 'Elsewhere'));
	const context = await api('PUT', `/api/experiments/${runId}/context`, {
		token: owner.token,
		body: {
			host: HOST,
			cwd: '/home/alice/secret-repo',
			command: ['python', '/home/alice/secret-repo/train.py'],
			git: { commit: 'abcdef1234567', branch: 'alice/feature', remote: REMOTE, dirty: false }
		}
	});
	expect(context.status, JSON.stringify(context.body)).toBe(200);
	const notes = await api('PATCH', `/api/experiments/${runId}`, {
		token: owner.token,
		body: { notes: '## Findings\nloss goes down' }
	});
	expect(notes.status, JSON.stringify(notes.body)).toBe(200);
});

describe('making, listing and revoking links', () => {
	it('gives the token once, stores only its hash, and lists the link without it', async () => {
		const created = await shareOk({ experimentId: runId });
		expect(created.token).toMatch(/^tora_sh_[A-Za-z0-9_-]{43}$/);
		expect(created.url).toMatch(new RegExp(`/s/${created.token}$`));
		const stored = await getDb()
			.selectFrom('share_links')
			.selectAll()
			.where('id', '=', created.id)
			.executeTakeFirstOrThrow();
		expect(Buffer.from(stored.token_hash).equals(hashShareToken(created.token))).toBe(true);
		expect(JSON.stringify(stored)).not.toContain(created.token);

		const listed = await api('GET', `/api/share-links?workspaceId=${workspaceId}`, { token: viewer.token });
		expect(listed.status).toBe(200);
		expect(listed.body.data.sharing_enabled).toBe(true);
		const item = listed.body.data.items.find((link: { id: string }) => link.id === created.id);
		expect(item).toMatchObject({
			target: 'experiment',
			target_label: 'shared run',
			created_by_email: editor.email,
			state: 'active',
			view_count: 0
		});
		expect(JSON.stringify(listed.body)).not.toContain(created.token);
	});

	it('refuses API keys, viewers, non-members, mixed workspaces and bad bodies', async () => {
		const key = await createKey(editor.token, workspaceId);
		const byKey = await api('POST', '/api/share-links', { apiKey: key.key, body: { experimentId: runId } });
		expectEnvelope(byKey, 403, 'FORBIDDEN');
		expectEnvelope(await share({ experimentId: runId }, viewer.token), 403, 'FORBIDDEN');
		const outsider = await signIn(randomEmail('outsider'));
		expectEnvelope(await share({ experimentId: runId }, outsider.token), 404, 'NOT_FOUND');
		// The owner edits both workspaces, but a link belongs to one.
		expectEnvelope(
			await share({ experimentIds: [runId, foreignRunId] }, owner.token),
			400,
			'VALIDATION_ERROR'
		);
		// The editor is not in the other workspace: its run is as unknown as a random id.
		expectEnvelope(await share({ experimentIds: [runId, foreignRunId] }), 404, 'NOT_FOUND');
		expectEnvelope(await share({ experimentIds: [runId, randomUUID()] }), 404, 'NOT_FOUND');
		expectEnvelope(await share({ experimentId: runId, viewId: randomUUID() }), 400, 'VALIDATION_ERROR');
		expectEnvelope(await share({}), 400, 'VALIDATION_ERROR');
		expectEnvelope(
			await share({ experimentId: runId, expiresAt: '2001-01-01T00:00:00Z' }),
			400,
			'VALIDATION_ERROR'
		);
		expectEnvelope(
			await share({ experimentIds: Array.from({ length: 101 }, () => randomUUID()) }),
			400,
			'VALIDATION_ERROR'
		);
	});

	it('revokes: the token answers the same 404 as an unknown one, the list keeps the link', async () => {
		const created = await shareOk({ experimentId: runId });
		expect((await open(created.token)).status).toBe(200);
		expectEnvelope(
			await api('DELETE', `/api/share-links/${created.id}`, { token: viewer.token }),
			403,
			'FORBIDDEN'
		);
		const revoked = await api('DELETE', `/api/share-links/${created.id}`, { token: editor.token });
		expect(revoked.status).toBe(200);
		expect(revoked.body.data.state).toBe('revoked');
		await expectGone(created.token);
		await expectGone(`tora_sh_${'A'.repeat(43)}`);
		await expectGone('not-a-token');
		const listed = await api('GET', `/api/share-links?workspaceId=${workspaceId}`, { token: editor.token });
		expect(listed.body.data.items.find((link: { id: string }) => link.id === created.id)).toMatchObject({
			state: 'revoked',
			view_count: 1
		});
	});

	it('expires', async () => {
		const created = await shareOk({
			experimentId: runId,
			expiresAt: new Date(Date.now() + 3600_000).toISOString()
		});
		expect((await open(created.token)).status).toBe(200);
		await getDb()
			.updateTable('share_links')
			.set({ expires_at: new Date(Date.now() - 1000) })
			.where('id', '=', created.id)
			.execute();
		await expectGone(created.token);
	});

	it('stops every link while an admin has sharing off, and only a session may turn it', async () => {
		const created = await shareOk({ experimentId: runId });
		expectEnvelope(
			await api('PUT', `/api/workspaces/${workspaceId}/sharing`, {
				token: editor.token,
				body: { enabled: false }
			}),
			403,
			'FORBIDDEN'
		);
		const ownerKey = await createKey(owner.token, workspaceId);
		expectEnvelope(
			await api('PUT', `/api/workspaces/${workspaceId}/sharing`, {
				apiKey: ownerKey.key,
				body: { enabled: false }
			}),
			403,
			'FORBIDDEN'
		);
		const off = await api('PUT', `/api/workspaces/${workspaceId}/sharing`, {
			token: owner.token,
			body: { enabled: false }
		});
		expect(off.body.data).toEqual({ workspace_id: workspaceId, sharing_enabled: false });
		try {
			await expectGone(created.token);
			expectEnvelope(await share({ experimentId: runId }), 409, 'CONFLICT');
		} finally {
			await api('PUT', `/api/workspaces/${workspaceId}/sharing`, {
				token: owner.token,
				body: { enabled: true }
			});
		}
		expect((await open(created.token)).status).toBe(200);
	});

	it('stops a link whose run was deleted', async () => {
		const doomed = await run('doomed run');
		const created = await shareOk({ experimentId: doomed });
		expect((await open(created.token)).status).toBe(200);
		expect((await api('DELETE', `/api/experiments/${doomed}`, { token: owner.token })).status).toBe(200);
		await expectGone(created.token);
	});
});

describe('what a token opens', () => {
	it('one run: its hyperparameters, results, metrics, notes and context, and a view counted', async () => {
		const created = await shareOk({ experimentId: runId });
		const result = await open(created.token);
		expect(result.status).toBe(200);
		const data = result.body.data;
		expect(data).toMatchObject({
			target: 'experiment',
			anonymous: false,
			workspace: WORKSPACE_NAME,
			shared_by: editor.email,
			view: null
		});
		expect(data.experiments).toHaveLength(1);
		const [shared] = data.experiments;
		expect(shared).toMatchObject({
			id: runId,
			name: 'shared run',
			project: PROJECT_NAME,
			hyperparams: [{ key: 'lr', value: 0.01 }],
			results: [expect.objectContaining({ name: 'accuracy', value: 0.9 })],
			notes: '## Findings\nloss goes down'
		});
		expect(shared.metrics.map((m: { name: string }) => m.name)).toEqual(['train/loss']);
		expect(shared.context.host).toBe(HOST);
		// Never a member list, key, creator id or a link into the workspace's own pages.
		expect(JSON.stringify(data)).not.toMatch(/workspace_id|created_by|"url"|tora_sk_/);
		const link = await getDb()
			.selectFrom('share_links')
			.select(['view_count', 'last_viewed_at'])
			.where('id', '=', created.id)
			.executeTakeFirstOrThrow();
		expect(link.view_count).toBe(1);
		expect(link.last_viewed_at).not.toBeNull();
	});

	it('anonymous: no creator, email, workspace or project name, host or git remote anywhere', async () => {
		const created = await shareOk({ experimentId: runId, anonymous: true });
		const result = await open(created.token);
		expect(result.status).toBe(200);
		const text = JSON.stringify(result.body);
		for (const identifying of [
			editor.email,
			owner.email,
			WORKSPACE_NAME,
			PROJECT_NAME,
			HOST,
			REMOTE,
			'alice',
			editor.userId,
			owner.userId,
			workspaceId
		]) {
			expect(text).not.toContain(identifying);
		}
		expect(result.body.data).toMatchObject({ anonymous: true, workspace: null, shared_by: null });
		expect(result.body.data.experiments[0].context).toMatchObject({ host: null, git: null, cwd: null });
		const read = await series(created.token, { experimentIds: [runId], metrics: ['train/loss'] });
		expect(read.status).toBe(200);
		expect(JSON.stringify(read.body)).not.toContain(workspaceId);
	});

	it('series: only the shared runs, never another run of the workspace or elsewhere', async () => {
		const created = await shareOk({ experimentId: runId });
		const read = await series(created.token, {
			experimentIds: [runId, otherRunId, foreignRunId],
			metrics: ['train/loss']
		});
		expect(read.status).toBe(200);
		expect(read.body.data.experiment_ids).toEqual([runId]);
		expect(read.body.data.series).toHaveLength(1);
		expect(read.body.data.series[0]).toMatchObject({ experiment_id: runId, y: [2, 1, 0.5] });

		const outside = await series(created.token, { experimentIds: [otherRunId], metrics: ['train/loss'] });
		expect(outside.status).toBe(200);
		expect(outside.body.data.series).toEqual([]);
		const grouped = await series(created.token, {
			experimentIds: [runId],
			metrics: ['train/loss'],
			groupBy: 'creator'
		});
		expectEnvelope(grouped, 400, 'VALIDATION_ERROR');
	});

	it('a selection: its runs (deleted ones dropped) and their series', async () => {
		const extra = await run('selection extra');
		const created = await shareOk({ experimentIds: [runId, extra] });
		const result = await open(created.token);
		expect(result.body.data.target).toBe('experiments');
		expect(result.body.data.experiments.map((e: { id: string }) => e.id)).toEqual([runId, extra]);
		const read = await series(created.token, {
			experimentIds: [runId, extra, otherRunId],
			metrics: ['train/loss']
		});
		expect(read.body.data.experiment_ids.sort()).toEqual([runId, extra].sort());
		await api('DELETE', `/api/experiments/${extra}`, { token: owner.token });
		const after = await open(created.token);
		expect(after.body.data.experiments.map((e: { id: string }) => e.id)).toEqual([runId]);
	});

	it('a view: its settings and the runs its filter matches now', async () => {
		const tagged = await run('view match', workspaceId, { tags: ['for-view'] });
		const view = await api('POST', `/api/workspaces/${workspaceId}/views`, {
			token: editor.token,
			body: { name: `shared view ${randomUUID()}`, state: { filter: 'tag = "for-view"', sort: 'name' } }
		});
		expect(view.status).toBe(201);
		const created = await shareOk({ viewId: view.body.data.id });
		const result = await open(created.token);
		expect(result.status).toBe(200);
		expect(result.body.data.view.state).toEqual({ filter: 'tag = "for-view"', sort: 'name' });
		expect(result.body.data.experiments.map((e: { id: string }) => e.id)).toEqual([tagged]);
		const read = await series(created.token, { experimentIds: [tagged, runId], metrics: ['train/loss'] });
		expect(read.body.data.experiment_ids).toEqual([tagged]);
		await api('DELETE', `/api/workspaces/${workspaceId}/views/${view.body.data.id}`, { token: editor.token });
		await expectGone(created.token);
	});
});

const routes = await loadRoutes(functionsDir);

describe('guessing', () => {
	/** A call from its own client address, so this file's other 404s do not count against it. */
	async function openFrom(ip: string, token: string) {
		const url = new URL(`http://tora.test/api/shared/${token}`);
		const match = matchRoute(routes, 'GET', url.pathname);
		if (match.kind !== 'found') throw new Error('no shared route');
		return match.route.handler(new Request(url), { params: match.params, ip });
	}

	it('answers 429 once a client has tried too many unknown tokens; other clients go on', async () => {
		const created = await shareOk({ experimentId: runId });
		await withConfig({ TORA_AUTH_FAILURES_PER_IP: '3' }, async () => {
			for (let i = 0; i < 3; i++) expect((await openFrom('203.0.113.9', `tora_sh_${i}`)).status).toBe(404);
			const refused = await openFrom('203.0.113.9', created.token);
			expect(refused.status).toBe(429);
			expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
			expect((await openFrom('203.0.113.10', created.token)).status).toBe(200);
		});
	});
});
