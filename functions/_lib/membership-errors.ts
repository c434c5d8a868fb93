/**
 * The API's answer to a refused membership or invitation change: the repositories say what
 * happened (member.repository.ts, invitation.repository.ts, membership-rules.ts), this decides
 * the status and words the message, always the same way for the same refusal.
 */
import type { WorkspaceRole } from './contracts/common.ts';
import { conflict, forbidden, notFound, type ApiError } from './errors.ts';
import type { ManagingAction, RoleRefusal } from './membership-rules.ts';
import type { InvitationRefusal } from './repositories/invitation.repository.ts';
import type { MembershipRefusal } from './repositories/member.repository.ts';

const withArticle = (role: WorkspaceRole) => `${role === 'admin' || role === 'owner' ? 'an' : 'a'} ${role}`;

/** How the 403 names what an admin tried to do to a role only an owner manages. */
const ACTION_TEXT: Record<ManagingAction, string> = {
	'change-role': 'change the role of',
	grant: 'make someone',
	remove: 'remove',
	invite: 'invite',
	revoke: 'revoke the invitation of'
};

function roleRefusalMessage(refusal: RoleRefusal): string {
	const you = `you are ${withArticle(refusal.actor)}`;
	if (refusal.kind === 'needs-admin') return `This needs the admin role or higher; ${you}.`;
	return `Only an owner can ${ACTION_TEXT[refusal.action]} ${withArticle(refusal.role)}; ${you}.`;
}

export function membershipError(refusal: MembershipRefusal | InvitationRefusal): ApiError {
	switch (refusal.kind) {
		case 'workspace-not-found':
			return notFound('Workspace');
		case 'member-not-found':
			return notFound('Member');
		case 'invitation-not-found':
			return notFound('Invitation');
		case 'needs-admin':
		case 'needs-owner':
			return forbidden(roleRefusalMessage(refusal));
		case 'only-owner-transfers':
			return forbidden('Only an owner can transfer ownership.');
		case 'personal-owner-stays':
			return conflict(
				refusal.self
					? 'You cannot leave or step down from your personal workspace.'
					: 'The user of a personal workspace always stays its owner.'
			);
		case 'only-owner':
			return conflict(
				refusal.self
					? 'You are the only owner: transfer ownership to another member (or delete the workspace) first.'
					: 'This is the only owner: a workspace must always have one.'
			);
		case 'owner-required':
			return conflict('A workspace must always have an owner; transfer ownership first.');
		case 'personal-workspace-kept':
			return conflict('You cannot leave your personal workspace.');
		case 'personal-workspace-not-transferable':
			return conflict('A personal workspace cannot be transferred; create a workspace to share instead.');
		case 'already-member':
			return conflict(`${refusal.email} is already a member of this workspace.`);
		case 'already-invited':
			return conflict(
				`${refusal.email} already has a pending invitation to this workspace; revoke it first.`
			);
		case 'no-longer-pending':
			return conflict(`This invitation is no longer pending: it was ${refusal.status}.`);
		case 'invitee-already-member':
			return conflict('You are already a member of this workspace; decline the invitation instead.');
	}
}

/**
 * The outcome of a membership or invitation change when it is the `done` kind; otherwise the
 * refusal, thrown as its API error. Each change has exactly one kind that is not a refusal.
 */
export function unlessRefused<O extends { kind: string }, K extends O['kind']>(
	outcome: O,
	done: K
): Extract<O, { kind: K }> {
	if (outcome.kind !== done)
		throw membershipError(outcome as unknown as MembershipRefusal | InvitationRefusal);
	return outcome as Extract<O, { kind: K }>;
}
