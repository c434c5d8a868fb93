import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { api, createKey, expectEnvelope, randomEmail, signIn } from '../support/api.ts';
import { configure } from '../support/config.ts';
import { connect } from '../support/databases.ts';
import {
	ACTORS,
	addMember,
	buildFixture,
	createWorkspace,
	invite,
	row,
	runCell,
	type Fixture,
	type GrantedRole,
	type MatrixRow
} from '../support/workspaces.ts';

// Concurrency tests need more than the default single connection, or transactions could never overlap.
configure({ TORA_DB_POOL_MAX: '4' });

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const testDatabase = () => ({
	url: process.env.DATABASE_URL!,
	embedded: Boolean(process.env.TORA_TEST_EMBEDDED)
});

const ws = (f: Fixture) => `/api/workspaces/${f.workspaceId}`;
const members = (f: Fixture) => `${ws(f)}/members`;
/** `actor` sets `target`'s role in workspace `id` (role is a string: unknown ones are sent too). */
const setRole = (id: string, actor: { token: string }, target: { userId: string }, role: string) =>
	api('PATCH', `/api/workspaces/${id}/members/${target.userId}`, { token: actor.token, body: { role } });
/** The path of a member who joins just for one call, so the call cannot change the shared fixture. */
const freshMember = async (f: Fixture, role: GrantedRole) =>
	`${members(f)}/${(await addMember(f.owner.token, f.workspaceId, role)).userId}`;

/**
 * Who may do what. Columns follow ACTORS: anonymous, an unknown key, a revoked key, the owner's
 * key scoped to another workspace, a signed-in non-member, then each role. Targets that a
 * successful call would change are made fresh for each call.
 */
// prettier-ignore
const MATRIX: MatrixRow[] = [
	//                                              anon bad  rev  other non  view edit admin owner
	row('GET /api/workspaces',                     [401, 401, 401, 200, 200, 200, 200, 200, 200], async () => ({ method: 'GET', path: '/api/workspaces' })),
	row('POST /api/workspaces',                    [401, 401, 401, 403, 201, 201, 201, 201, 201], async () => ({ method: 'POST', path: '/api/workspaces', body: { name: 'New' } })),
	row('GET /api/workspaces/:id',                 [401, 401, 401, 403, 404, 200, 200, 200, 200], async (f) => ({ method: 'GET', path: ws(f) })),
	row('PATCH /api/workspaces/:id',               [401, 401, 401, 403, 404, 403, 403, 200, 200], async (f) => ({ method: 'PATCH', path: ws(f), body: { description: 'edited' } })),
	row('DELETE /api/workspaces/:id',              [401, 401, 401, 403, 404, 403, 403, 403, 200], async (f) => ({ method: 'DELETE', path: ws(f) }), { destructive: true }),
	row('POST /api/workspaces/:id/leave',          [401, 401, 401, 403, 404, 200, 200, 200, 409], async (f) => ({ method: 'POST', path: `${ws(f)}/leave` }), { destructive: true }),
	row('POST /api/workspaces/:id/transfer',       [401, 401, 401, 403, 404, 403, 403, 403, 200], async (f) => ({ method: 'POST', path: `${ws(f)}/transfer`, body: { userId: f.admin.userId } }), { destructive: true }),
	row('GET /api/workspaces/:id/members',         [401, 401, 401, 403, 404, 200, 200, 200, 200], async (f) => ({ method: 'GET', path: members(f) })),
	row('PATCH …/members/:userId viewer → editor', [401, 401, 401, 403, 404, 403, 403, 200, 200], async (f) => ({ method: 'PATCH', path: await freshMember(f, 'viewer'), body: { role: 'editor' } })),
	row('PATCH …/members/:userId viewer → admin',  [401, 401, 401, 403, 404, 403, 403, 403, 200], async (f) => ({ method: 'PATCH', path: await freshMember(f, 'viewer'), body: { role: 'admin' } })),
	row('PATCH …/members/:userId admin → editor',  [401, 401, 401, 403, 404, 403, 403, 403, 200], async (f) => ({ method: 'PATCH', path: await freshMember(f, 'admin'), body: { role: 'editor' } })),
	row('DELETE …/members/:userId (an editor)',    [401, 401, 401, 403, 404, 403, 403, 200, 200], async (f) => ({ method: 'DELETE', path: await freshMember(f, 'editor') })),
	row('DELETE …/members/:userId (an admin)',     [401, 401, 401, 403, 404, 403, 403, 403, 200], async (f) => ({ method: 'DELETE', path: await freshMember(f, 'admin') }))
];

let shared: Fixture;
beforeAll(async () => {
	shared = await buildFixture();
});

describe('role matrix', () => {
	for (const matrixRow of MATRIX) {
		it(matrixRow.name, async () => {
			const mismatches = await Promise.all(ACTORS.map((actor) => runCell(matrixRow, actor, shared)));
			expect(mismatches.filter(Boolean)).toEqual([]);
		});
	}

	it('left the shared fixture intact', async () => {
		const list = await api('GET', members(shared), { token: shared.viewer.token });
		const roles = Object.fromEntries(
			list.body.data.map((m: { user_id: string; role: string }) => [m.user_id, m.role])
		);
		expect(roles[shared.owner.userId]).toBe('owner');
		expect(roles[shared.admin.userId]).toBe('admin');
		expect(roles[shared.editor.userId]).toBe('editor');
		expect(roles[shared.viewer.userId]).toBe('viewer');
	});
});

describe('creating and listing workspaces', () => {
	it('creates one the way the Python SDK does (API key, description null) with the caller as owner', async () => {
		const user = await signIn();
		const { key } = await createKey(user.token);
		const created = await api('POST', '/api/workspaces', {
			apiKey: key,
			body: { name: '  Research  ', description: null }
		});
		expect(created.status).toBe(201);
		expect(created.body).toEqual({
			status: 201,
			data: {
				id: expect.stringMatching(UUID),
				name: 'Research',
				description: '',
				role: 'owner',
				member_count: 1,
				personal: false,
				created_at: expect.stringMatching(ISO),
				updated_at: expect.stringMatching(ISO)
			}
		});
		const fetched = await api('GET', `/api/workspaces/${created.body.data.id}`, { token: user.token });
		expect(fetched.body.data).toEqual(created.body.data);
	});

	it('lists the personal workspace first, then by name, with role and member count', async () => {
		const user = await signIn();
		const other = await signIn();
		const zeta = await createWorkspace(user.token, 'zeta');
		const alpha = await createWorkspace(other.token, 'Alpha');
		const invitationId = await invite(other.token, alpha, user.email, 'editor');
		expect((await api('POST', `/api/invitations/${invitationId}/accept`, { token: user.token })).status).toBe(
			200
		);
		const list = await api('GET', '/api/workspaces', { token: user.token });
		expect(list.status).toBe(200);
		expect(
			list.body.data.map((w: Record<string, unknown>) => [w.name, w.role, w.member_count, w.personal])
		).toEqual([
			['Personal', 'owner', 1, true],
			['Alpha', 'editor', 2, false],
			['zeta', 'owner', 1, false]
		]);
		expect(list.body.data[2].id).toBe(zeta);
	});

	it('creates the personal workspace on first use, even for a user only ever seen through a key', async () => {
		const user = await signIn();
		await getDb().deleteFrom('workspaces').where('personal_owner_id', '=', user.userId).execute();
		const { key } = await createKey(user.token);
		const list = await api('GET', '/api/workspaces', { apiKey: key });
		expect(list.body.data).toHaveLength(1);
		expect(list.body.data[0]).toMatchObject({ name: 'Personal', role: 'owner', personal: true });
	});

	it('shows a key scoped to one workspace only that workspace, and it cannot create others', async () => {
		const user = await signIn();
		const team = await createWorkspace(user.token, 'Scoped');
		await createWorkspace(user.token, 'Elsewhere');
		const { key } = await createKey(user.token, team);
		const list = await api('GET', '/api/workspaces', { apiKey: key });
		expect(list.body.data.map((w: { id: string }) => w.id)).toEqual([team]);
		const create = await api('POST', '/api/workspaces', { apiKey: key, body: { name: 'Escape' } });
		expectEnvelope(create, 403, 'FORBIDDEN');
		expect(create.body.error!.message).toMatch(/limited to one workspace/);
	});
});

describe('bad input', () => {
	const post = async (body: unknown) =>
		api('POST', '/api/workspaces', { token: (await signIn()).token, body });

	it('rejects names that are empty, blank, too long (in characters) or not strings, naming the field', async () => {
		for (const name of ['', '   ', 'x'.repeat(256), 'x'.repeat(10_000), '🚀'.repeat(256), 42, null]) {
			const result = await post({ name });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields!)).toEqual(['name']);
		}
		const missing = await post({ description: 'no name' });
		expectEnvelope(missing, 400, 'VALIDATION_ERROR');
		expect(missing.body.error!.fields).toHaveProperty('name');
		const long = await post({ name: 'x'.repeat(10_000) });
		expect(long.body.error!.fields!.name).toEqual(['must be at most 255 characters']);
	});

	it("accepts emoji and other scripts up to 255 characters (the SDK's limit), counted as characters", async () => {
		for (const name of ['🚀'.repeat(255), 'x'.repeat(255), '東京 チーム 👩‍🔬', 'Ünïcødé — “quotes”']) {
			const result = await post({ name });
			expect(result.status, name).toBe(201);
			expect(result.body.data.name).toBe(name);
		}
	});

	it('stores SQL fragments and markup verbatim', async () => {
		const user = await signIn();
		for (const name of [
			"Robert'); DROP TABLE workspaces;--",
			"' OR '1'='1",
			'$$; select pg_sleep(10); $$',
			'<script>alert(1)</script>'
		]) {
			const created = await api('POST', '/api/workspaces', {
				token: user.token,
				body: { name, description: `${name} -- \\x00` }
			});
			expect(created.status, name).toBe(201);
			const fetched = await api('GET', `/api/workspaces/${created.body.data.id}`, { token: user.token });
			expect(fetched.body.data).toMatchObject({ name, description: `${name} -- \\x00` });
		}
	});

	it('rejects unknown fields, over-long descriptions, and an empty PATCH', async () => {
		const unknown = await post({ name: 'ok', owner: 'me' });
		expectEnvelope(unknown, 400, 'VALIDATION_ERROR');
		expect(unknown.body.error!.message).toBe('Invalid request body');
		const description = await post({ name: 'ok', description: 'd'.repeat(2001) });
		expectEnvelope(description, 400, 'VALIDATION_ERROR');
		expect(description.body.error!.fields).toHaveProperty('description');

		const user = await signIn();
		const id = await createWorkspace(user.token);
		const empty = await api('PATCH', `/api/workspaces/${id}`, { token: user.token, body: {} });
		expectEnvelope(empty, 400, 'VALIDATION_ERROR');
		const sneaky = await api('PATCH', `/api/workspaces/${id}`, {
			token: user.token,
			body: { name: 'ok', personal_owner_id: user.userId }
		});
		expectEnvelope(sneaky, 400, 'VALIDATION_ERROR');
		const renamed = await api('PATCH', `/api/workspaces/${id}`, {
			token: user.token,
			body: { name: ' Renamed ', description: null }
		});
		expect(renamed.status).toBe(200);
		expect(renamed.body.data).toMatchObject({ name: 'Renamed', description: '', role: 'owner' });
		expect(Date.parse(renamed.body.data.updated_at)).toBeGreaterThanOrEqual(
			Date.parse(renamed.body.data.created_at)
		);
	});

	it('answers a non-UUID path parameter with 400 naming it, before touching the database', async () => {
		const { token } = await signIn();
		const id = await createWorkspace(token);
		const cases: Array<[string, string, string, unknown?]> = [
			['GET', '/api/workspaces/not-a-uuid', 'id'],
			['PATCH', "/api/workspaces/1' or '1'='1", 'id', { name: 'x' }],
			['POST', '/api/workspaces/123/leave', 'id'],
			['POST', '/api/workspaces/abc/transfer', 'id', { userId: id }],
			['GET', '/api/workspaces/abc/members', 'id'],
			['PATCH', `/api/workspaces/${id}/members/nobody`, 'userId', { role: 'viewer' }],
			['DELETE', `/api/workspaces/${id}/members/nobody`, 'userId']
		];
		for (const [method, path, field, body] of cases) {
			const result = await api(method, path, { token, body });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields!), `${method} ${path}`).toEqual([field]);
		}
	});

	it('answers unknown but well-formed ids with 404, never revealing whether a workspace exists', async () => {
		const { token } = await signIn();
		const missing = '00000000-0000-4000-8000-000000000000';
		expectEnvelope(await api('GET', `/api/workspaces/${missing}`, { token }), 404, 'NOT_FOUND');
		const someoneElses = await createWorkspace((await signIn()).token);
		const hidden = await api('GET', `/api/workspaces/${someoneElses}`, { token });
		expectEnvelope(hidden, 404, 'NOT_FOUND');
		expect(hidden.body.error!.message).toBe('Workspace not found');
	});
});

describe('members and roles', () => {
	it('lists members by role then email with their emails and join times', async () => {
		const owner = await signIn(randomEmail('zz-owner'));
		const id = await createWorkspace(owner.token);
		const viewer = await addMember(owner.token, id, 'viewer');
		const admin = await addMember(owner.token, id, 'admin');
		const list = await api('GET', `/api/workspaces/${id}/members`, { token: viewer.token });
		expect(list.status).toBe(200);
		expect(list.body.data).toEqual([
			{ user_id: owner.userId, email: owner.email, role: 'owner', joined_at: expect.stringMatching(ISO) },
			{ user_id: admin.userId, email: admin.email, role: 'admin', joined_at: expect.stringMatching(ISO) },
			{ user_id: viewer.userId, email: viewer.email, role: 'viewer', joined_at: expect.stringMatching(ISO) }
		]);
	});

	it('changes roles within the rules and returns the member', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const admin = await addMember(owner.token, id, 'admin');
		const viewer = await addMember(owner.token, id, 'viewer');
		const promoted = await setRole(id, admin, viewer, 'editor');
		expect(promoted.body).toEqual({
			status: 200,
			data: {
				user_id: viewer.userId,
				email: viewer.email,
				role: 'editor',
				joined_at: expect.stringMatching(ISO)
			}
		});
		const again = await setRole(id, admin, viewer, 'editor');
		expect(again.body.data.role).toBe('editor');

		const adminSelf = await setRole(id, admin, admin, 'viewer');
		expectEnvelope(adminSelf, 403, 'FORBIDDEN');
		expect(adminSelf.body.error!.message).toBe(
			'Only an owner can change the role of an admin; you are an admin.'
		);
		const makeAdmin = await setRole(id, admin, viewer, 'admin');
		expect(makeAdmin.body.error!.message).toBe('Only an owner can make someone an admin; you are an admin.');

		const demoted = await setRole(id, owner, admin, 'viewer');
		expect(demoted.body.data.role).toBe('viewer');
		// The demoted admin has lost the right straight away.
		expectEnvelope(await setRole(id, admin, viewer, 'viewer'), 403, 'FORBIDDEN');
	});

	it('never grants ownership through a role change', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const admin = await addMember(owner.token, id, 'admin');
		const result = await setRole(id, owner, admin, 'owner');
		expectEnvelope(result, 400, 'VALIDATION_ERROR');
		expect(result.body.error!.fields!.role[0]).toMatch(/transfer/);
		const bogus = await setRole(id, owner, admin, 'superuser');
		expect(bogus.body.error!.fields!.role).toEqual(['must be admin, editor or viewer']);
	});

	it('refuses to let the only owner step down', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const result = await setRole(id, owner, owner, 'admin');
		expectEnvelope(result, 409, 'CONFLICT');
		expect(result.body.error!.message).toMatch(/only owner/);
	});

	it('removes members: they lose access at once; removing yourself or a non-member is refused', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const editor = await addMember(owner.token, id, 'editor');
		const removed = await api('DELETE', `/api/workspaces/${id}/members/${editor.userId}`, {
			token: owner.token
		});
		expect(removed.body).toEqual({
			status: 200,
			data: {
				user_id: editor.userId,
				email: editor.email,
				role: 'editor',
				joined_at: expect.stringMatching(ISO)
			}
		});
		expectEnvelope(await api('GET', `/api/workspaces/${id}`, { token: editor.token }), 404, 'NOT_FOUND');
		const again = await api('DELETE', `/api/workspaces/${id}/members/${editor.userId}`, {
			token: owner.token
		});
		expectEnvelope(again, 404, 'NOT_FOUND');
		expect(again.body.error!.message).toBe('Member not found');
		const self = await api('DELETE', `/api/workspaces/${id}/members/${owner.userId}`, { token: owner.token });
		expectEnvelope(self, 400, 'VALIDATION_ERROR');
		expect(self.body.error!.message).toMatch(/leave/);
	});
});

describe('leaving, transferring, deleting', () => {
	it('lets a member leave, but not the last owner and not anyone from their personal workspace', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const viewer = await addMember(owner.token, id, 'viewer');
		const left = await api('POST', `/api/workspaces/${id}/leave`, { token: viewer.token });
		expect(left.body).toEqual({
			status: 200,
			data: {
				user_id: viewer.userId,
				email: viewer.email,
				role: 'viewer',
				joined_at: expect.stringMatching(ISO)
			}
		});
		expectEnvelope(
			await api('POST', `/api/workspaces/${id}/leave`, { token: viewer.token }),
			404,
			'NOT_FOUND'
		);

		const lastOwner = await api('POST', `/api/workspaces/${id}/leave`, { token: owner.token });
		expectEnvelope(lastOwner, 409, 'CONFLICT');
		expect(lastOwner.body.error!.message).toMatch(/only owner.*transfer/);

		const personal = (await api('GET', '/api/me', { token: owner.token })).body.data.personalWorkspaceId;
		const leavePersonal = await api('POST', `/api/workspaces/${personal}/leave`, { token: owner.token });
		expectEnvelope(leavePersonal, 409, 'CONFLICT');
		expect(leavePersonal.body.error!.message).toBe('You cannot leave your personal workspace.');
	});

	it('transfers ownership atomically; the previous owner becomes admin and may then leave', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const editor = await addMember(owner.token, id, 'editor');
		const outsider = await signIn();

		const toStranger = await api('POST', `/api/workspaces/${id}/transfer`, {
			token: owner.token,
			body: { userId: outsider.userId }
		});
		expectEnvelope(toStranger, 404, 'NOT_FOUND');
		const toSelf = await api('POST', `/api/workspaces/${id}/transfer`, {
			token: owner.token,
			body: { userId: owner.userId }
		});
		expectEnvelope(toSelf, 400, 'VALIDATION_ERROR');
		expect(toSelf.body.error!.fields).toHaveProperty('userId');
		const { key } = await createKey(owner.token);
		const byKey = await api('POST', `/api/workspaces/${id}/transfer`, {
			apiKey: key,
			body: { userId: editor.userId }
		});
		expectEnvelope(byKey, 403, 'FORBIDDEN');
		expect(byKey.body.error!.message).toMatch(/signed-in session/);

		const transferred = await api('POST', `/api/workspaces/${id}/transfer`, {
			token: owner.token,
			body: { userId: editor.userId }
		});
		expect(transferred.status).toBe(200);
		expect(transferred.body.data).toMatchObject({ id, role: 'admin', member_count: 2 });
		const list = await api('GET', `/api/workspaces/${id}/members`, { token: editor.token });
		expect(list.body.data.map((m: { user_id: string; role: string }) => [m.user_id, m.role])).toEqual([
			[editor.userId, 'owner'],
			[owner.userId, 'admin']
		]);
		expectEnvelope(
			await api('POST', `/api/workspaces/${id}/leave`, { token: editor.token }),
			409,
			'CONFLICT'
		);
		expect((await api('POST', `/api/workspaces/${id}/leave`, { token: owner.token })).status).toBe(200);
	});

	it('refuses to transfer or delete a personal workspace (409)', async () => {
		const owner = await signIn();
		const personal = (await api('GET', '/api/me', { token: owner.token })).body.data.personalWorkspaceId;
		const admin = await addMember(owner.token, personal, 'admin');
		const transfer = await api('POST', `/api/workspaces/${personal}/transfer`, {
			token: owner.token,
			body: { userId: admin.userId }
		});
		expectEnvelope(transfer, 409, 'CONFLICT');
		expect(transfer.body.error!.message).toMatch(/personal workspace cannot be transferred/);
		const deleted = await api('DELETE', `/api/workspaces/${personal}`, { token: owner.token });
		expectEnvelope(deleted, 409, 'CONFLICT');
		expect(deleted.body.error!.message).toMatch(/personal workspace cannot be deleted/);
		expect((await api('GET', `/api/workspaces/${personal}`, { token: admin.token })).status).toBe(200);
	});

	it('deletes a workspace with its members and invitations', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const viewer = await addMember(owner.token, id, 'viewer');
		const invitee = await signIn();
		await invite(owner.token, id, invitee.email, 'editor');
		const deleted = await api('DELETE', `/api/workspaces/${id}`, { token: owner.token });
		expect(deleted.body).toEqual({ status: 200, data: { id } });
		expectEnvelope(await api('GET', `/api/workspaces/${id}`, { token: viewer.token }), 404, 'NOT_FOUND');
		expect((await api('GET', '/api/invitations', { token: invitee.token })).body.data).toEqual([]);
		const db = getDb();
		const left = await Promise.all([
			db.selectFrom('workspace_members').select('user_id').where('workspace_id', '=', id).execute(),
			db.selectFrom('invitations').select('id').where('workspace_id', '=', id).execute()
		]);
		expect(left).toEqual([[], []]);
		expectEnvelope(await api('DELETE', `/api/workspaces/${id}`, { token: owner.token }), 404, 'NOT_FOUND');
	});
});

describe('the owner invariant under concurrency', () => {
	/** Two owners: the API never makes a second one (ownership only moves), so the row is set directly. */
	async function twoOwners() {
		const first = await signIn();
		const id = await createWorkspace(first.token);
		const second = await addMember(first.token, id, 'admin');
		await getDb()
			.updateTable('workspace_members')
			.set({ role: 'owner' })
			.where('workspace_id', '=', id)
			.where('user_id', '=', second.userId)
			.execute();
		return { id, first, second };
	}

	async function owners(id: string): Promise<string[]> {
		const rows = await getDb()
			.selectFrom('workspace_members')
			.select('user_id')
			.where('workspace_id', '=', id)
			.where('role', '=', 'owner')
			.execute();
		return rows.map((r) => r.user_id);
	}

	it('two owners leaving at once: exactly one succeeds and one owner remains', async () => {
		const { id, first, second } = await twoOwners();
		const results = await Promise.all(
			[first, second].map((user) => api('POST', `/api/workspaces/${id}/leave`, { token: user.token }))
		);
		expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
		const loser = results.find((r) => r.status === 409)!;
		expectEnvelope(loser, 409, 'CONFLICT');
		expect(await owners(id)).toHaveLength(1);
	});

	it('two owners stepping down at once: exactly one succeeds and one owner remains', async () => {
		const { id, first, second } = await twoOwners();
		const results = await Promise.all([first, second].map((user) => setRole(id, user, user, 'admin')));
		expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
		expect(await owners(id)).toHaveLength(1);
	});

	it('two owners demoting each other at once: the second is no longer an owner (403)', async () => {
		const { id, first, second } = await twoOwners();
		const results = await Promise.all([
			setRole(id, first, second, 'admin'),
			setRole(id, second, first, 'admin')
		]);
		expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
		expect(await owners(id)).toHaveLength(1);
	});

	it('the database itself refuses to remove or demote the last owner, or a personal workspace’s user', async () => {
		const db = getDb();
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const removeAll = db.deleteFrom('workspace_members').where('workspace_id', '=', id);
		await expect(removeAll.execute()).rejects.toMatchObject({ constraint_name: 'workspace_owner_required' });
		await expect(
			db.updateTable('workspace_members').set({ role: 'viewer' }).where('workspace_id', '=', id).execute()
		).rejects.toMatchObject({ constraint_name: 'workspace_owner_required' });
		expect(await owners(id)).toEqual([owner.userId]);

		const personal = (await api('GET', '/api/me', { token: owner.token })).body.data.personalWorkspaceId;
		const coOwner = await addMember(owner.token, personal, 'admin');
		await db
			.updateTable('workspace_members')
			.set({ role: 'owner' })
			.where('workspace_id', '=', personal)
			.where('user_id', '=', coOwner.userId)
			.execute();
		await expect(
			db
				.deleteFrom('workspace_members')
				.where('workspace_id', '=', personal)
				.where('user_id', '=', owner.userId)
				.execute()
		).rejects.toMatchObject({ constraint_name: 'personal_workspace_owner_required' });
		// Deleting the workspace itself takes its owners with it.
		await db.deleteFrom('workspaces').where('id', '=', id).execute();
		expect(await owners(id)).toEqual([]);
	});

	it('two concurrent transactions each removing one of the last two owners: exactly one commits', async () => {
		const { id, first, second } = await twoOwners();
		// Two pools, so the transactions are on different connections. On the PostgreSQL server
		// they overlap; on PGlite they are serialised. Either way the database must refuse one.
		const pools = [1, 2].map(() => connect(testDatabase(), 1));
		const removeOwner = (pool: (typeof pools)[number], userId: string) =>
			pool.begin(async (tx) => {
				await tx`delete from workspace_members where workspace_id = ${id} and user_id = ${userId}`;
				await new Promise((resolve) => setTimeout(resolve, 50));
			});
		try {
			const commits = await Promise.allSettled([
				removeOwner(pools[0], first.userId),
				removeOwner(pools[1], second.userId)
			]);
			expect(commits.map((c) => c.status).sort()).toEqual(['fulfilled', 'rejected']);
			const failure = commits.find((c) => c.status === 'rejected') as PromiseRejectedResult;
			expect(failure.reason).toMatchObject({ constraint_name: 'workspace_owner_required' });
			expect(await owners(id)).toHaveLength(1);
		} finally {
			await Promise.all(pools.map((pool) => pool.end()));
		}
	});
});
