/**
 * Who may change whose membership, in one place. Reading is viewer+, experiments are editor+
 * (authorize.ts); beyond that:
 * - admins invite, re-role and remove members whose role is below admin, and grant only roles
 *   below admin;
 * - owners do all of that for any member and any grantable role, and alone delete the workspace
 *   and transfer ownership;
 * - ownership is never granted, only transferred, and a workspace always keeps an owner (the
 *   last owner check needs the locked workspace row, so it lives in the repository);
 * - every one of these changes needs a signed-in session (`requireSessionToChangeAccess` in
 *   auth.ts, called by each function): an API key can read members and invitations but never
 *   give anyone access, so a leaked key cannot buy its thief a membership that outlives it.
 */
import type { WorkspaceRole } from './contracts/common.ts';
import { manages, roleAtLeast } from './contracts/rules.ts';
import { forbidden } from './errors.ts';

const article = (role: WorkspaceRole) => (role === 'admin' || role === 'owner' ? 'an' : 'a');

/** Admins manage only roles below their own; owners manage everyone. */
function assertManages(actor: WorkspaceRole, role: WorkspaceRole, action: string): void {
	if (!roleAtLeast(actor, 'admin')) {
		throw forbidden(`This needs the admin role or higher; you are ${article(actor)} ${actor}.`);
	}
	if (manages(actor, role)) return;
	throw forbidden(
		`Only an owner can ${action} ${article(role)} ${role}; you are ${article(actor)} ${actor}.`
	);
}

export function assertCanChangeRole(actor: WorkspaceRole, current: WorkspaceRole, next: WorkspaceRole): void {
	assertManages(actor, current, 'change the role of');
	assertManages(actor, next, 'make someone');
}

export function assertCanRemove(actor: WorkspaceRole, target: WorkspaceRole): void {
	assertManages(actor, target, 'remove');
}

export function assertCanInvite(actor: WorkspaceRole, role: WorkspaceRole): void {
	assertManages(actor, role, 'invite');
}

export function assertCanRevoke(actor: WorkspaceRole, role: WorkspaceRole): void {
	assertManages(actor, role, 'revoke the invitation of');
}
