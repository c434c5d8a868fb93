import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { api, createKey, expectEnvelope, randomEmail, signIn } from '../support/api.ts';
import { configure } from '../support/config.ts';
import {
	ACTORS,
	addMember,
	buildFixture,
	createWorkspace,
	invite,
	row,
	runCell,
	type Fixture,
	type MatrixRow
} from '../support/workspaces.ts';

// Concurrency tests need more than the default single connection, or transactions could never overlap.
configure({ TORA_DB_POOL_MAX: '4' });

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invitations = (f: Fixture) => `/api/workspaces/${f.workspaceId}/invitations`;
/** An invitation the fixture's owner sends to a new address, for calls that would consume it. */
const freshInvitation = (f: Fixture, role: 'admin' | 'viewer' = 'viewer') =>
	invite(f.owner.token, f.workspaceId, randomEmail('invitee'), role);

/** Columns follow ACTORS, as in workspaces.test.ts. */
// prettier-ignore
const MATRIX: MatrixRow[] = [
	//                                                         anon bad  rev  other non  view edit admin owner
	row('GET /api/workspaces/:id/invitations',                [401, 401, 401, 403, 404, 403, 403, 200, 200], async (f) => ({ method: 'GET', path: invitations(f) })),
	row('POST /api/workspaces/:id/invitations (viewer)',      [401, 401, 401, 403, 404, 403, 403, 201, 201], async (f) => ({ method: 'POST', path: invitations(f), body: { email: randomEmail('new'), role: 'viewer' } })),
	row('POST /api/workspaces/:id/invitations (admin)',       [401, 401, 401, 403, 404, 403, 403, 403, 201], async (f) => ({ method: 'POST', path: invitations(f), body: { email: randomEmail('new'), role: 'admin' } })),
	row('DELETE …/invitations/:invitationId (viewer)',        [401, 401, 401, 403, 404, 403, 403, 200, 200], async (f) => ({ method: 'DELETE', path: `${invitations(f)}/${await freshInvitation(f)}` })),
	row('DELETE …/invitations/:invitationId (admin)',         [401, 401, 401, 403, 404, 403, 403, 403, 200], async (f) => ({ method: 'DELETE', path: `${invitations(f)}/${await freshInvitation(f, 'admin')}` })),
	row('GET /api/invitations',                               [401, 401, 401, 403, 200, 200, 200, 200, 200], async () => ({ method: 'GET', path: '/api/invitations' })),
	row("POST /api/invitations/:id/accept (someone else's)",  [401, 401, 401, 403, 404, 404, 404, 404, 404], async (f) => ({ method: 'POST', path: `/api/invitations/${await freshInvitation(f)}/accept` })),
	row("POST /api/invitations/:id/decline (someone else's)", [401, 401, 401, 403, 404, 404, 404, 404, 404], async (f) => ({ method: 'POST', path: `/api/invitations/${await freshInvitation(f)}/decline` }))
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
});

describe('inviting', () => {
	it('invites an email that has never signed in, stored lower-case, with the inviter named', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token, 'Lab');
		const email = randomEmail('Never.Seen');
		const created = await api('POST', `/api/workspaces/${id}/invitations`, {
			token: owner.token,
			body: { email: `  ${email.toUpperCase()} `, role: 'editor' }
		});
		expect(created.body).toEqual({
			status: 201,
			data: {
				id: expect.stringMatching(UUID),
				workspace_id: id,
				workspace_name: 'Lab',
				email: email.toLowerCase(),
				role: 'editor',
				status: 'pending',
				invited_by: owner.userId,
				invited_by_email: owner.email,
				created_at: expect.stringMatching(ISO),
				responded_at: null
			}
		});
		// The invitee signs in for the first time and finds it waiting.
		const invitee = await signIn(email);
		const received = await api('GET', '/api/invitations', { token: invitee.token });
		expect(received.body.data).toEqual([created.body.data]);
		expect((await api('GET', '/api/me', { token: invitee.token })).body.data.pendingInvitations).toBe(1);
	});

	it('refuses a duplicate pending invitation and an existing member (409), but re-invites after a revoke', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const member = await addMember(owner.token, id, 'viewer');
		const email = randomEmail();
		const first = await invite(owner.token, id, email, 'viewer');
		const duplicate = await api('POST', `/api/workspaces/${id}/invitations`, {
			token: owner.token,
			body: { email: email.toUpperCase(), role: 'editor' }
		});
		expectEnvelope(duplicate, 409, 'CONFLICT');
		expect(duplicate.body.error!.message).toMatch(/already has a pending invitation/);
		const existing = await api('POST', `/api/workspaces/${id}/invitations`, {
			token: owner.token,
			body: { email: member.email, role: 'editor' }
		});
		expectEnvelope(existing, 409, 'CONFLICT');
		expect(existing.body.error!.message).toBe(`${member.email} is already a member of this workspace.`);
		const self = await api('POST', `/api/workspaces/${id}/invitations`, {
			token: owner.token,
			body: { email: owner.email, role: 'viewer' }
		});
		expectEnvelope(self, 409, 'CONFLICT');

		expect(
			(await api('DELETE', `/api/workspaces/${id}/invitations/${first}`, { token: owner.token })).status
		).toBe(200);
		expect(await invite(owner.token, id, email, 'editor')).not.toBe(first);
	});

	it('rejects bad emails, roles, unknown fields and non-UUID ids with 400 naming the field', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const post = (body: unknown) =>
			api('POST', `/api/workspaces/${id}/invitations`, { token: owner.token, body });
		const cases: Array<[unknown, string]> = [
			[{ email: 'not-an-email', role: 'viewer' }, 'email'],
			[{ email: `${'a'.repeat(250)}@example.test`, role: 'viewer' }, 'email'],
			[{ email: "x'; drop table invitations;--@example.test", role: 'viewer' }, 'email'],
			[{ email: randomEmail(), role: 'owner' }, 'role'],
			[{ email: randomEmail(), role: 'root' }, 'role'],
			[{ email: randomEmail() }, 'role'],
			[{ email: randomEmail(), role: 'viewer', workspaceId: id }, '_']
		];
		for (const [body, field] of cases) {
			const result = await post(body);
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields ?? { _: [] }), JSON.stringify(body)).toEqual([field]);
		}
		const ownerRole = await post({ email: randomEmail(), role: 'owner' });
		expect(ownerRole.body.error!.fields!.role[0]).toMatch(/transfer/);

		for (const [method, path, field] of [
			['GET', '/api/workspaces/nope/invitations', 'id'],
			['DELETE', `/api/workspaces/${id}/invitations/nope`, 'invitationId'],
			['POST', '/api/invitations/nope/accept', 'id'],
			['POST', '/api/invitations/12345/decline', 'id']
		]) {
			const result = await api(method, path, { token: owner.token });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields!), path).toEqual([field]);
		}
		const status = await api('GET', `/api/workspaces/${id}/invitations?status=maybe`, { token: owner.token });
		expectEnvelope(status, 400, 'VALIDATION_ERROR');
		expect(status.body.error!.fields).toHaveProperty('status');
	});

	it('lists pending invitations by default, and any status on request', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const pending = await invite(owner.token, id, randomEmail(), 'viewer');
		const revoked = await invite(owner.token, id, randomEmail(), 'editor');
		await api('DELETE', `/api/workspaces/${id}/invitations/${revoked}`, { token: owner.token });
		const declinedBy = await signIn();
		const declined = await invite(owner.token, id, declinedBy.email, 'viewer');
		await api('POST', `/api/invitations/${declined}/decline`, { token: declinedBy.token });

		const ids = async (query: string) =>
			(await api('GET', `/api/workspaces/${id}/invitations${query}`, { token: owner.token })).body.data.map(
				(i: { id: string }) => i.id
			);
		expect(await ids('')).toEqual([pending]);
		expect(await ids('?status=revoked')).toEqual([revoked]);
		expect(await ids('?status=declined')).toEqual([declined]);
		expect(await ids('?status=all')).toEqual([declined, revoked, pending]);
	});
});

describe('answering invitations', () => {
	it('accepting makes the invitee a member with the invited role, once', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token, 'Joinable');
		const invitee = await signIn();
		const invitationId = await invite(owner.token, id, invitee.email, 'editor');
		expectEnvelope(await api('GET', `/api/workspaces/${id}`, { token: invitee.token }), 404, 'NOT_FOUND');

		const accepted = await api('POST', `/api/invitations/${invitationId}/accept`, { token: invitee.token });
		expect(accepted.status).toBe(200);
		expect(accepted.body.data).toMatchObject({
			id: invitationId,
			workspace_id: id,
			workspace_name: 'Joinable',
			role: 'editor',
			status: 'accepted',
			responded_at: expect.stringMatching(ISO)
		});
		const workspace = await api('GET', `/api/workspaces/${id}`, { token: invitee.token });
		expect(workspace.body.data).toMatchObject({ role: 'editor', member_count: 2 });
		expect((await api('GET', '/api/invitations', { token: invitee.token })).body.data).toEqual([]);

		for (const action of ['accept', 'decline']) {
			const again = await api('POST', `/api/invitations/${invitationId}/${action}`, { token: invitee.token });
			expectEnvelope(again, 409, 'CONFLICT');
			expect(again.body.error!.message).toBe('This invitation is no longer pending: it was accepted.');
		}
		const revoke = await api('DELETE', `/api/workspaces/${id}/invitations/${invitationId}`, {
			token: owner.token
		});
		expectEnvelope(revoke, 409, 'CONFLICT');
	});

	it('declining leaves the invitee outside; a revoked invitation cannot be accepted', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const invitee = await signIn();
		const declinedId = await invite(owner.token, id, invitee.email, 'viewer');
		const declined = await api('POST', `/api/invitations/${declinedId}/decline`, { token: invitee.token });
		expect(declined.body.data).toMatchObject({ id: declinedId, status: 'declined' });
		expectEnvelope(await api('GET', `/api/workspaces/${id}`, { token: invitee.token }), 404, 'NOT_FOUND');

		const revokedId = await invite(owner.token, id, invitee.email, 'viewer');
		const revoked = await api('DELETE', `/api/workspaces/${id}/invitations/${revokedId}`, {
			token: owner.token
		});
		expect(revoked.body.data).toMatchObject({
			id: revokedId,
			status: 'revoked',
			responded_at: expect.any(String)
		});
		const late = await api('POST', `/api/invitations/${revokedId}/accept`, { token: invitee.token });
		expectEnvelope(late, 409, 'CONFLICT');
		expect(late.body.error!.message).toMatch(/revoked/);
	});

	it("hides someone else's invitation (404) and an invitation to an unknown id", async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const invitee = await signIn();
		const invitationId = await invite(owner.token, id, invitee.email, 'viewer');
		const intruder = await signIn();
		const stolen = await api('POST', `/api/invitations/${invitationId}/accept`, { token: intruder.token });
		expectEnvelope(stolen, 404, 'NOT_FOUND');
		expect(stolen.body.error!.message).toBe('Invitation not found');
		expectEnvelope(
			await api('POST', '/api/invitations/00000000-0000-4000-8000-000000000000/accept', {
				token: invitee.token
			}),
			404,
			'NOT_FOUND'
		);
		// An invitation in another workspace cannot be revoked through this one.
		const otherWorkspace = await createWorkspace(owner.token);
		expectEnvelope(
			await api('DELETE', `/api/workspaces/${otherWorkspace}/invitations/${invitationId}`, {
				token: owner.token
			}),
			404,
			'NOT_FOUND'
		);
		expect((await api('GET', '/api/invitations', { token: invitee.token })).body.data).toHaveLength(1);
	});

	it('needs a signed-in session to list or answer invitations', async () => {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const invitee = await signIn();
		const invitationId = await invite(owner.token, id, invitee.email, 'viewer');
		const { key } = await createKey(invitee.token);
		const byKey = await api('POST', `/api/invitations/${invitationId}/accept`, { apiKey: key });
		expectEnvelope(byKey, 403, 'FORBIDDEN');
		expect(byKey.body.error!.message).toMatch(/signed-in session/);
	});
});

describe('invitations under concurrency', () => {
	async function pendingInvitation() {
		const owner = await signIn();
		const id = await createWorkspace(owner.token);
		const invitee = await signIn();
		const invitationId = await invite(owner.token, id, invitee.email, 'editor');
		return { owner, id, invitee, invitationId };
	}

	async function memberships(workspaceId: string, userId: string): Promise<number> {
		const rows = await getDb()
			.selectFrom('workspace_members')
			.select('role')
			.where('workspace_id', '=', workspaceId)
			.where('user_id', '=', userId)
			.execute();
		return rows.length;
	}

	it('two accepts at once: one 200, one 409, one membership', async () => {
		const { id, invitee, invitationId } = await pendingInvitation();
		const results = await Promise.all(
			[1, 2].map(() => api('POST', `/api/invitations/${invitationId}/accept`, { token: invitee.token }))
		);
		expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
		expectEnvelope(
			results.find((r) => r.status === 409)!,
			409,
			'CONFLICT'
		);
		expect(await memberships(id, invitee.userId)).toBe(1);
	});

	it('accept and decline at once: exactly one wins', async () => {
		const { id, invitee, invitationId } = await pendingInvitation();
		const [accept, decline] = await Promise.all(
			['accept', 'decline'].map((action) =>
				api('POST', `/api/invitations/${invitationId}/${action}`, { token: invitee.token })
			)
		);
		expect([accept.status, decline.status].sort()).toEqual([200, 409]);
		expect(await memberships(id, invitee.userId)).toBe(accept.status === 200 ? 1 : 0);
	});

	it('accept and revoke at once: exactly one wins, and a membership exists only if the accept won', async () => {
		const { owner, id, invitee, invitationId } = await pendingInvitation();
		const [accept, revoke] = await Promise.all([
			api('POST', `/api/invitations/${invitationId}/accept`, { token: invitee.token }),
			api('DELETE', `/api/workspaces/${id}/invitations/${invitationId}`, { token: owner.token })
		]);
		expect([accept.status, revoke.status].sort()).toEqual([200, 409]);
		expect(await memberships(id, invitee.userId)).toBe(accept.status === 200 ? 1 : 0);
	});
});
