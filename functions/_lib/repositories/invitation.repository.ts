/**
 * Invitations of an email address to a workspace. Admins create, list and revoke them; the
 * invitee (matched on their lower-cased email) lists, accepts and declines them. The status is
 * the gate: only a `pending` invitation changes, in one conditional UPDATE, so of two concurrent
 * accepts (or an accept and a revoke) exactly one wins.
 */
import { sql } from 'kysely';
import type { InvitationListQuery, InvitationStatus } from '../contracts/invitations.ts';
import type { GrantableRole } from '../contracts/workspaces.ts';
import type { Db } from '../db.ts';
import { conflict, notFound } from '../errors.ts';
import { assertCanInvite, assertCanRevoke } from '../membership-rules.ts';
import { findRole } from './workspace.repository.ts';

export interface InvitationView {
	id: string;
	workspace_id: string;
	workspace_name: string;
	email: string;
	role: GrantableRole;
	status: InvitationStatus;
	invited_by: string | null;
	invited_by_email: string | null;
	created_at: Date;
	responded_at: Date | null;
}

function selectInvitations(db: Db) {
	return db
		.selectFrom('invitations as i')
		.innerJoin('workspaces as w', 'w.id', 'i.workspace_id')
		.leftJoin('profiles as p', 'p.id', 'i.invited_by')
		.select([
			'i.id',
			'i.workspace_id',
			'w.name as workspace_name',
			'i.email',
			'i.role',
			'i.status',
			'i.invited_by',
			'p.email as invited_by_email',
			'i.created_at',
			'i.responded_at'
		]);
}

async function getInvitation(db: Db, id: string): Promise<InvitationView> {
	const invitation = await selectInvitations(db).where('i.id', '=', id).executeTakeFirst();
	if (!invitation) throw notFound('Invitation');
	return invitation;
}

function alreadyResponded(status: InvitationStatus) {
	return conflict(`This invitation is no longer pending: it was ${status}.`);
}

/** Invites an email (whether or not it has signed in yet); members and duplicates are 409s. */
export async function createInvitation(
	db: Db,
	input: { workspaceId: string; actorId: string; email: string; role: GrantableRole }
): Promise<InvitationView> {
	return db.transaction().execute(async (tx) => {
		const actor = await findRole(tx, input.workspaceId, input.actorId);
		if (!actor) throw notFound('Workspace');
		assertCanInvite(actor, input.role);
		const member = await tx
			.selectFrom('workspace_members as m')
			.innerJoin('profiles as p', 'p.id', 'm.user_id')
			.select('m.user_id')
			.where('m.workspace_id', '=', input.workspaceId)
			.where('p.email', '=', input.email)
			.executeTakeFirst();
		if (member) throw conflict(`${input.email} is already a member of this workspace.`);
		const created = await tx
			.insertInto('invitations')
			.values({
				workspace_id: input.workspaceId,
				email: input.email,
				role: input.role,
				invited_by: input.actorId
			})
			.onConflict((oc) => oc.columns(['workspace_id', 'email']).where('status', '=', 'pending').doNothing())
			.returning('id')
			.executeTakeFirst();
		if (!created) {
			throw conflict(`${input.email} already has a pending invitation to this workspace; revoke it first.`);
		}
		return getInvitation(tx, created.id);
	});
}

/** A workspace's invitations, newest first: pending ones unless another status (or all) is asked. */
export async function listWorkspaceInvitations(
	db: Db,
	workspaceId: string,
	status: InvitationListQuery['status']
): Promise<InvitationView[]> {
	let query = selectInvitations(db)
		.where('i.workspace_id', '=', workspaceId)
		.orderBy('i.created_at', 'desc')
		.orderBy('i.id', 'desc');
	if (status !== 'all') query = query.where('i.status', '=', status);
	return query.execute();
}

/** Pending invitations addressed to this (lower-cased) email, newest first. */
export async function listReceivedInvitations(db: Db, email: string): Promise<InvitationView[]> {
	return selectInvitations(db)
		.where('i.email', '=', email)
		.where('i.status', '=', 'pending')
		.orderBy('i.created_at', 'desc')
		.orderBy('i.id', 'desc')
		.execute();
}

export async function revokeInvitation(
	db: Db,
	input: { workspaceId: string; actorId: string; invitationId: string }
): Promise<InvitationView> {
	return db.transaction().execute(async (tx) => {
		const actor = await findRole(tx, input.workspaceId, input.actorId);
		if (!actor) throw notFound('Workspace');
		const invitation = await selectInvitations(tx)
			.where('i.id', '=', input.invitationId)
			.where('i.workspace_id', '=', input.workspaceId)
			.executeTakeFirst();
		if (!invitation) throw notFound('Invitation');
		assertCanRevoke(actor, invitation.role);
		const revoked = await tx
			.updateTable('invitations')
			.set({ status: 'revoked', responded_at: sql`now()` })
			.where('id', '=', input.invitationId)
			.where('status', '=', 'pending')
			.returning('id')
			.executeTakeFirst();
		// Re-read either way: a concurrent accept may have won the row since the first read.
		const current = await getInvitation(tx, input.invitationId);
		if (!revoked) throw alreadyResponded(current.status);
		return current;
	});
}

/**
 * The invitee accepts or declines. Someone else's invitation is a 404 (we do not confirm it
 * exists); one that is no longer pending is a 409. Accepting creates the membership in the same
 * transaction.
 */
export async function respondToInvitation(
	db: Db,
	input: { invitationId: string; userId: string; email: string; accept: boolean }
): Promise<InvitationView> {
	return db.transaction().execute(async (tx) => {
		const updated = await tx
			.updateTable('invitations')
			.set({ status: input.accept ? 'accepted' : 'declined', responded_at: sql`now()` })
			.where('id', '=', input.invitationId)
			.where('email', '=', input.email)
			.where('status', '=', 'pending')
			.returning(['workspace_id', 'role'])
			.executeTakeFirst();
		if (!updated) {
			const existing = await tx
				.selectFrom('invitations')
				.select('status')
				.where('id', '=', input.invitationId)
				.where('email', '=', input.email)
				.executeTakeFirst();
			if (!existing) throw notFound('Invitation');
			throw alreadyResponded(existing.status);
		}
		if (input.accept) {
			const joined = await tx
				.insertInto('workspace_members')
				.values({ workspace_id: updated.workspace_id, user_id: input.userId, role: updated.role })
				.onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
				.returning('user_id')
				.executeTakeFirst();
			if (!joined) {
				throw conflict('You are already a member of this workspace; decline the invitation instead.');
			}
		}
		return getInvitation(tx, input.invitationId);
	});
}
