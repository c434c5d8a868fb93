/**
 * Which membership controls to show, mirroring the README's role matrix (the server's
 * membership-rules.ts decides; this only hides what would be refused). Admins manage members
 * below admin; owners manage everyone; ownership only moves by transfer; a personal workspace
 * keeps its user as owner and cannot be deleted, transferred or left by that user.
 */
import type { WorkspaceRole } from '$contracts/common';
// The same role order and `manages` rule the server's membership-rules.ts enforces.
import { manages, roleAtLeast } from '$contracts/rules';
import type { GrantableRole } from '$contracts/workspaces';

export type WorkspaceFacts = { role: WorkspaceRole; personal: boolean };
export type MemberFacts = { user_id: string; role: WorkspaceRole };

const grantable: GrantableRole[] = ['admin', 'editor', 'viewer'];

function isAdmin(role: WorkspaceRole) {
	return roleAtLeast(role, 'admin');
}

/** Roles `actor` may grant by invitation or role change; empty for editors and viewers. */
export function grantableRoles(actor: WorkspaceRole): GrantableRole[] {
	return grantable.filter((role) => manages(actor, role));
}

/** Renaming and describing a workspace is an admin's job (PATCH /api/workspaces/:id). */
export function canEditDetails(workspace: WorkspaceFacts): boolean {
	return isAdmin(workspace.role);
}

export function canInvite(workspace: WorkspaceFacts): boolean {
	return isAdmin(workspace.role);
}

/** Admins see and revoke invitations; only owners revoke invitations to admin. */
export function canRevokeInvitation(workspace: WorkspaceFacts, invitedRole: GrantableRole): boolean {
	return manages(workspace.role, invitedRole);
}

/**
 * Others only: your own role changes by leaving or transferring. The personal workspace's user
 * (its only possible owner) is never re-roled or removed.
 */
function managesMember(workspace: WorkspaceFacts, member: MemberFacts, myId: string): boolean {
	if (member.user_id === myId) return false;
	if (workspace.personal && member.role === 'owner') return false;
	return manages(workspace.role, member.role);
}

/** The roles the role select offers for `member`; empty means no select. */
export function roleChoices(workspace: WorkspaceFacts, member: MemberFacts, myId: string): WorkspaceRole[] {
	if (!managesMember(workspace, member, myId)) return [];
	const choices: WorkspaceRole[] = grantableRoles(workspace.role);
	// An owner's current role stays listed so the select can show it; picking another demotes.
	return member.role === 'owner' ? ['owner', ...choices] : choices;
}

export function canRemove(workspace: WorkspaceFacts, member: MemberFacts, myId: string): boolean {
	return managesMember(workspace, member, myId);
}

/** The last owner must transfer first; the user of a personal workspace never leaves it. */
export function canLeave(workspace: WorkspaceFacts, members: readonly MemberFacts[]): boolean {
	if (workspace.role !== 'owner') return true;
	if (workspace.personal) return false;
	return members.filter((member) => member.role === 'owner').length > 1;
}

export function canTransfer(workspace: WorkspaceFacts): boolean {
	return workspace.role === 'owner' && !workspace.personal;
}

export function canDelete(workspace: WorkspaceFacts): boolean {
	return workspace.role === 'owner' && !workspace.personal;
}

/** Members who could receive ownership: everyone but me and the current owners. */
export function transferTargets<M extends MemberFacts>(members: readonly M[], myId: string): M[] {
	return members.filter((member) => member.user_id !== myId && member.role !== 'owner');
}
