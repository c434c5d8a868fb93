import { describe, expect, it } from 'vitest';
import {
	canDelete,
	canEditDetails,
	canInvite,
	canLeave,
	canRemove,
	canRevokeInvitation,
	canTransfer,
	grantableRoles,
	roleChoices,
	transferTargets
} from './permissions';

const me = 'me';
const team = (role: 'owner' | 'admin' | 'editor' | 'viewer') => ({ role, personal: false });
const member = (user_id: string, role: 'owner' | 'admin' | 'editor' | 'viewer') => ({ user_id, role });

describe('workspace details', () => {
	it('lets admins and owners rename, not editors or viewers', () => {
		expect(
			(['owner', 'admin', 'editor', 'viewer'] as const).map((role) => canEditDetails(team(role)))
		).toEqual([true, true, false, false]);
	});
});

describe('invitations', () => {
	it('lets admins invite below admin and owners invite admins too', () => {
		expect(grantableRoles('owner')).toEqual(['admin', 'editor', 'viewer']);
		expect(grantableRoles('admin')).toEqual(['editor', 'viewer']);
		expect(grantableRoles('editor')).toEqual([]);
		expect(grantableRoles('viewer')).toEqual([]);
		expect([canInvite(team('owner')), canInvite(team('admin')), canInvite(team('editor'))]).toEqual([
			true,
			true,
			false
		]);
	});

	it('keeps invitations to admin for owners to revoke', () => {
		expect(canRevokeInvitation(team('admin'), 'editor')).toBe(true);
		expect(canRevokeInvitation(team('admin'), 'admin')).toBe(false);
		expect(canRevokeInvitation(team('owner'), 'admin')).toBe(true);
		expect(canRevokeInvitation(team('viewer'), 'viewer')).toBe(false);
	});
});

describe('role changes and removal', () => {
	it('lets admins manage editors and viewers only', () => {
		const ws = team('admin');
		expect(roleChoices(ws, member('a', 'viewer'), me)).toEqual(['editor', 'viewer']);
		expect(roleChoices(ws, member('a', 'admin'), me)).toEqual([]);
		expect(roleChoices(ws, member('a', 'owner'), me)).toEqual([]);
		expect(canRemove(ws, member('a', 'editor'), me)).toBe(true);
		expect(canRemove(ws, member('a', 'admin'), me)).toBe(false);
	});

	it('lets owners manage everyone, other owners included', () => {
		const ws = team('owner');
		expect(roleChoices(ws, member('a', 'editor'), me)).toEqual(['admin', 'editor', 'viewer']);
		expect(roleChoices(ws, member('a', 'owner'), me)).toEqual(['owner', 'admin', 'editor', 'viewer']);
		expect(canRemove(ws, member('a', 'admin'), me)).toBe(true);
		expect(canRemove(ws, member('a', 'owner'), me)).toBe(true);
	});

	it('never offers controls on yourself or to editors and viewers', () => {
		expect(roleChoices(team('owner'), member(me, 'owner'), me)).toEqual([]);
		expect(canRemove(team('owner'), member(me, 'owner'), me)).toBe(false);
		expect(roleChoices(team('editor'), member('a', 'viewer'), me)).toEqual([]);
		expect(canRemove(team('viewer'), member('a', 'viewer'), me)).toBe(false);
	});

	it('never touches the owner of a personal workspace', () => {
		const ws = { role: 'admin' as const, personal: true };
		expect(roleChoices({ role: 'owner', personal: true }, member('a', 'editor'), me)).toEqual([
			'admin',
			'editor',
			'viewer'
		]);
		expect(roleChoices(ws, member('a', 'owner'), me)).toEqual([]);
		expect(canRemove({ role: 'owner', personal: true }, member('a', 'owner'), me)).toBe(false);
	});
});

describe('leaving, transfer and deletion', () => {
	it('lets anyone leave but the last owner and the personal workspace user', () => {
		expect(canLeave(team('viewer'), [member('a', 'owner'), member(me, 'viewer')])).toBe(true);
		expect(canLeave(team('owner'), [member(me, 'owner'), member('a', 'admin')])).toBe(false);
		expect(canLeave(team('owner'), [member(me, 'owner'), member('a', 'owner')])).toBe(true);
		expect(canLeave({ role: 'owner', personal: true }, [member(me, 'owner')])).toBe(false);
		expect(canLeave({ role: 'editor', personal: true }, [member('a', 'owner'), member(me, 'editor')])).toBe(
			true
		);
	});

	it('keeps transfer and deletion to owners of shared workspaces', () => {
		expect([canTransfer(team('owner')), canDelete(team('owner'))]).toEqual([true, true]);
		expect([canTransfer(team('admin')), canDelete(team('admin'))]).toEqual([false, false]);
		const personal = { role: 'owner' as const, personal: true };
		expect([canTransfer(personal), canDelete(personal)]).toEqual([false, false]);
	});

	it('offers ownership to members who are not already owners', () => {
		const members = [member(me, 'owner'), member('b', 'owner'), member('c', 'viewer'), member('d', 'admin')];
		expect(transferTargets(members, me).map((m) => m.user_id)).toEqual(['c', 'd']);
	});
});
