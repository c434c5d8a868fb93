/**
 * Who may change whose membership, in one place. Reading is viewer+, experiments are editor+
 * (authorize.ts); beyond that:
 * - admins invite, re-role and remove members whose role is below admin, and grant only roles
 *   below admin;
 * - owners do all of that for any member and any grantable role, and alone delete the workspace
 *   and transfer ownership;
 * - ownership is never granted, only transferred, and a workspace always keeps an owner (the
 *   last owner check needs the locked workspace row, so it lives in the repository);
 * - every one of these changes needs a signed-in session (the `session: 'changes access'` access
 *   of each function's declaration): an API key can read members and invitations but never give
 *   anyone access, so a leaked key cannot buy its thief a membership that outlives it.
 *
 * The rules answer with a refusal, or `undefined` when the change is allowed; the repositories
 * pass refusals on and membership-errors.ts words them for the API.
 */
import type { WorkspaceRole } from './contracts/common.ts';
import { manages, roleAtLeast } from './contracts/rules.ts';

/** What the actor tried to do to a member (or an invitation) holding, or given, a role. */
export type ManagingAction = 'change-role' | 'grant' | 'remove' | 'invite' | 'revoke';

export type RoleRefusal =
	/** Editors and viewers manage nobody. */
	| { kind: 'needs-admin'; actor: WorkspaceRole }
	/** Admins manage only roles below admin. */
	| { kind: 'needs-owner'; actor: WorkspaceRole; action: ManagingAction; role: WorkspaceRole };

function refuseManaging(
	actor: WorkspaceRole,
	role: WorkspaceRole,
	action: ManagingAction
): RoleRefusal | undefined {
	if (!roleAtLeast(actor, 'admin')) return { kind: 'needs-admin', actor };
	return manages(actor, role) ? undefined : { kind: 'needs-owner', actor, action, role };
}

export function refuseRoleChange(
	actor: WorkspaceRole,
	current: WorkspaceRole,
	next: WorkspaceRole
): RoleRefusal | undefined {
	return refuseManaging(actor, current, 'change-role') ?? refuseManaging(actor, next, 'grant');
}

export const refuseRemoval = (actor: WorkspaceRole, target: WorkspaceRole) =>
	refuseManaging(actor, target, 'remove');

export const refuseInvitation = (actor: WorkspaceRole, role: WorkspaceRole) =>
	refuseManaging(actor, role, 'invite');

export const refuseRevocation = (actor: WorkspaceRole, role: WorkspaceRole) =>
	refuseManaging(actor, role, 'revoke');
