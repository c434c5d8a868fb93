import { describe, expect, it } from 'vitest';
import { membershipError } from './membership-errors.ts';
import { refuseInvitation, refuseRemoval, refuseRevocation, refuseRoleChange } from './membership-rules.ts';

describe('membership rules', () => {
	it('let owners manage every role and admins only the roles below admin', () => {
		expect(refuseRoleChange('owner', 'admin', 'viewer')).toBeUndefined();
		expect(refuseRoleChange('admin', 'viewer', 'editor')).toBeUndefined();
		expect(refuseRemoval('owner', 'owner')).toBeUndefined();
		expect(refuseInvitation('admin', 'editor')).toBeUndefined();
		expect(refuseRevocation('owner', 'admin')).toBeUndefined();
	});

	it('refuse an admin touching an admin, whether as the current or the new role', () => {
		expect(refuseRoleChange('admin', 'admin', 'viewer')).toEqual({
			kind: 'needs-owner',
			actor: 'admin',
			action: 'change-role',
			role: 'admin'
		});
		expect(refuseRoleChange('admin', 'viewer', 'admin')).toMatchObject({ action: 'grant', role: 'admin' });
		expect(refuseRemoval('admin', 'owner')).toMatchObject({ kind: 'needs-owner', action: 'remove' });
		expect(refuseInvitation('admin', 'admin')).toMatchObject({ kind: 'needs-owner', action: 'invite' });
		expect(refuseRevocation('admin', 'admin')).toMatchObject({ kind: 'needs-owner', action: 'revoke' });
	});

	it('refuse editors and viewers anything, before looking at the role concerned', () => {
		expect(refuseRoleChange('editor', 'viewer', 'viewer')).toEqual({ kind: 'needs-admin', actor: 'editor' });
		expect(refuseInvitation('viewer', 'viewer')).toEqual({ kind: 'needs-admin', actor: 'viewer' });
	});
});

describe('membershipError', () => {
	it('words role refusals as 403s naming the role needed and the caller’s role', () => {
		const needsOwner = membershipError(refuseRevocation('admin', 'admin')!);
		expect(needsOwner.status).toBe(403);
		expect(needsOwner.message).toBe('Only an owner can revoke the invitation of an admin; you are an admin.');
		expect(membershipError({ kind: 'needs-admin', actor: 'viewer' }).message).toBe(
			'This needs the admin role or higher; you are a viewer.'
		);
	});

	it('tells the caller about their own ownership differently from someone else’s', () => {
		const own = membershipError({ kind: 'only-owner', self: true });
		const other = membershipError({ kind: 'only-owner', self: false });
		expect([own.status, other.status]).toEqual([409, 409]);
		expect(own.message).toMatch(/^You are the only owner/);
		expect(other.message).toMatch(/^This is the only owner/);
	});

	it('hides what the caller may not see behind 404s and reports stale invitations as 409s', () => {
		expect(membershipError({ kind: 'workspace-not-found' }).message).toBe('Workspace not found');
		expect(membershipError({ kind: 'invitation-not-found' }).status).toBe(404);
		const stale = membershipError({ kind: 'no-longer-pending', status: 'revoked' });
		expect([stale.status, stale.message]).toEqual([
			409,
			'This invitation is no longer pending: it was revoked.'
		]);
	});
});
