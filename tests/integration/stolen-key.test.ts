/**
 * A leaked API key cannot give anyone access. The story: an attacker with their own account
 * steals the owner's key (scoped to the team workspace, or unscoped) and tries every way a key
 * could turn into lasting access — inviting themself (as admin or as viewer), promoting or
 * removing members, revoking the owner's invitations, handing over ownership, minting keys. Each
 * step answers 403 to the key. Once the owner revokes the key it is a 401, and the attacker is
 * left with nothing: no membership, no invitation, no key, no view of the workspace.
 */
import { describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { api, createKey, expectEnvelope, randomEmail, signIn } from '../support/api.ts';
import { addMember, createWorkspace, invite } from '../support/workspaces.ts';

describe('a stolen API key', () => {
	for (const scope of ['scoped to the workspace', 'unscoped'] as const) {
		it(`(${scope}) cannot give its thief access, and is worthless once revoked`, async () => {
			const owner = await signIn(randomEmail('owner'));
			const workspaceId = await createWorkspace(owner.token, 'Crown jewels');
			const editor = await addMember(owner.token, workspaceId, 'editor');
			const admin = await addMember(owner.token, workspaceId, 'admin');
			const pendingInvitation = await invite(owner.token, workspaceId, randomEmail('colleague'), 'viewer');
			const stolen = await createKey(owner.token, scope === 'unscoped' ? undefined : workspaceId);
			const attacker = await signIn(randomEmail('attacker'));

			// The key works for what keys are for: reading and writing experiments, reading members.
			expect(
				(await api('GET', `/api/workspaces/${workspaceId}/members`, { apiKey: stolen.key })).status
			).toBe(200);

			const attempts: Array<[string, string, string, unknown?]> = [
				[
					'invite the attacker as admin',
					'POST',
					`/api/workspaces/${workspaceId}/invitations`,
					{ email: attacker.email, role: 'admin' }
				],
				[
					'invite the attacker as viewer',
					'POST',
					`/api/workspaces/${workspaceId}/invitations`,
					{ email: attacker.email, role: 'viewer' }
				],
				[
					'promote the editor to admin',
					'PATCH',
					`/api/workspaces/${workspaceId}/members/${editor.userId}`,
					{ role: 'admin' }
				],
				['remove the admin', 'DELETE', `/api/workspaces/${workspaceId}/members/${admin.userId}`],
				[
					'revoke the owner’s invitation',
					'DELETE',
					`/api/workspaces/${workspaceId}/invitations/${pendingInvitation}`
				],
				[
					'hand the workspace to the admin',
					'POST',
					`/api/workspaces/${workspaceId}/transfer`,
					{ userId: admin.userId }
				],
				['mint a key of its own', 'POST', '/api/api-keys', { name: 'backdoor' }],
				['list the owner’s keys', 'GET', '/api/api-keys'],
				['revoke a key (covering its tracks)', 'DELETE', `/api/api-keys/${stolen.id}`]
			];
			for (const [what, method, path, body] of attempts) {
				const result = await api(method, path, { apiKey: stolen.key, body });
				expect({ what, status: result.status }).toEqual({ what, status: 403 });
				expectEnvelope(result, 403, 'FORBIDDEN');
				expect(result.body.error!.message).toMatch(/signed-in session/);
			}

			// The owner notices and revokes the key: it is dead everywhere.
			expect((await api('DELETE', `/api/api-keys/${stolen.id}`, { token: owner.token })).status).toBe(200);
			for (const [method, path] of [
				['GET', '/api/me'],
				['GET', `/api/workspaces/${workspaceId}`],
				['GET', `/api/workspaces/${workspaceId}/members`],
				['POST', `/api/workspaces/${workspaceId}/invitations`]
			] as const) {
				const body = method === 'POST' ? { email: attacker.email, role: 'admin' } : undefined;
				expectEnvelope(await api(method, path, { apiKey: stolen.key, body }), 401, 'UNAUTHENTICATED');
			}

			// The attacker's own session sees nothing of the workspace and has nothing to accept.
			expectEnvelope(
				await api('GET', `/api/workspaces/${workspaceId}`, { token: attacker.token }),
				404,
				'NOT_FOUND'
			);
			const theirWorkspaces = await api('GET', '/api/workspaces', { token: attacker.token });
			expect(theirWorkspaces.body.data.map((w: { id: string }) => w.id)).not.toContain(workspaceId);
			expect((await api('GET', '/api/invitations', { token: attacker.token })).body.data).toEqual([]);
			expect((await api('GET', '/api/api-keys', { token: attacker.token })).body.data).toEqual([]);

			// And the workspace is as the owner left it.
			const db = getDb();
			const members = await db
				.selectFrom('workspace_members')
				.select(['user_id', 'role'])
				.where('workspace_id', '=', workspaceId)
				.orderBy('role')
				.execute();
			expect(members).toEqual(
				expect.arrayContaining([
					{ user_id: owner.userId, role: 'owner' },
					{ user_id: editor.userId, role: 'editor' },
					{ user_id: admin.userId, role: 'admin' }
				])
			);
			expect(members).toHaveLength(3);
			const invitations = await db
				.selectFrom('invitations')
				.select(['id', 'email', 'status'])
				.where('workspace_id', '=', workspaceId)
				.where('status', '=', 'pending')
				.execute();
			expect(invitations.map((i) => i.id)).toEqual([pendingInvitation]);
			const ownersKeys = await db
				.selectFrom('api_keys')
				.select('name')
				.where('user_id', '=', owner.userId)
				.execute();
			expect(ownersKeys.map((k) => k.name)).not.toContain('backdoor');
		});
	}
});
