/**
 * Invitations of an email address to a workspace. Admins create, list and revoke them; the
 * invitee (matched on their lower-cased email) lists, accepts and declines them. The status is
 * the gate: only a `pending` invitation changes, in one conditional UPDATE, so of two concurrent
 * accepts (or an accept and a revoke) exactly one wins. A change that may not happen comes back
 * as a refusal (membership-errors.ts words it for the API).
 */
import { sql } from 'kysely';
import type { InvitationListQuery, InvitationStatus } from '../contracts/invitations.ts';
import type { GrantableRole } from '../contracts/workspaces.ts';
import type { Db } from '../db.ts';
import { refuseInvitation, refuseRevocation, type RoleRefusal } from '../membership-rules.ts';
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

export type InvitationRefusal =
	/** The workspace is gone, or the caller no longer belongs to it. */
	| { kind: 'workspace-not-found' }
	/** No such invitation, or (for the invitee) one addressed to someone else. */
	| { kind: 'invitation-not-found' }
	| RoleRefusal
	| { kind: 'already-member'; email: string }
	| { kind: 'already-invited'; email: string }
	| { kind: 'no-longer-pending'; status: InvitationStatus }
	/** Accepting, by someone who has joined the workspace since. */
	| { kind: 'invitee-already-member' };

export type InvitationChange = { kind: 'ok'; invitation: InvitationView } | InvitationRefusal;

async function findInvitation(db: Db, id: string): Promise<InvitationView | undefined> {
	return selectInvitations(db).where('i.id', '=', id).executeTakeFirst();
}

/** An invitation this transaction has just written (so it holds the row's lock). */
async function getWrittenInvitation(db: Db, id: string): Promise<InvitationView> {
	return selectInvitations(db).where('i.id', '=', id).executeTakeFirstOrThrow();
}

/** Invites an email (whether or not it has signed in yet), unless it is a member or already invited. */
export async function createInvitation(
	db: Db,
	input: { workspaceId: string; actorId: string; email: string; role: GrantableRole }
): Promise<InvitationChange> {
	return db.transaction().execute(async (tx): Promise<InvitationChange> => {
		const actor = await findRole(tx, input.workspaceId, input.actorId);
		if (!actor) return { kind: 'workspace-not-found' };
		const refusal = refuseInvitation(actor, input.role);
		if (refusal) return refusal;
		const member = await tx
			.selectFrom('workspace_members as m')
			.innerJoin('profiles as p', 'p.id', 'm.user_id')
			.select('m.user_id')
			.where('m.workspace_id', '=', input.workspaceId)
			.where('p.email', '=', input.email)
			.executeTakeFirst();
		if (member) return { kind: 'already-member', email: input.email };
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
		if (!created) return { kind: 'already-invited', email: input.email };
		return { kind: 'ok', invitation: await getWrittenInvitation(tx, created.id) };
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
): Promise<InvitationChange> {
	return db.transaction().execute(async (tx): Promise<InvitationChange> => {
		const actor = await findRole(tx, input.workspaceId, input.actorId);
		if (!actor) return { kind: 'workspace-not-found' };
		const invitation = await selectInvitations(tx)
			.where('i.id', '=', input.invitationId)
			.where('i.workspace_id', '=', input.workspaceId)
			.executeTakeFirst();
		if (!invitation) return { kind: 'invitation-not-found' };
		const refusal = refuseRevocation(actor, invitation.role);
		if (refusal) return refusal;
		const revoked = await tx
			.updateTable('invitations')
			.set({ status: 'revoked', responded_at: sql`now()` })
			.where('id', '=', input.invitationId)
			.where('status', '=', 'pending')
			.returning('id')
			.executeTakeFirst();
		// Re-read either way: a concurrent accept may have won the row since the first read.
		const current = await findInvitation(tx, input.invitationId);
		if (!current) return { kind: 'invitation-not-found' };
		if (!revoked) return { kind: 'no-longer-pending', status: current.status };
		return { kind: 'ok', invitation: current };
	});
}

/** Thrown inside the transaction to roll back an accepted invitation; carries the refusal. */
class InvitationRolledBack extends Error {
	constructor(readonly refusal: InvitationRefusal) {
		super(refusal.kind);
	}
}

/**
 * The invitee accepts or declines. Someone else's invitation is not found (we do not confirm it
 * exists); one that is no longer pending is refused. Accepting creates the membership in the
 * same transaction, and a refused membership rolls the answer back.
 */
export async function respondToInvitation(
	db: Db,
	input: { invitationId: string; userId: string; email: string; accept: boolean }
): Promise<InvitationChange> {
	try {
		return await db.transaction().execute(async (tx): Promise<InvitationChange> => {
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
				if (!existing) return { kind: 'invitation-not-found' };
				return { kind: 'no-longer-pending', status: existing.status };
			}
			if (input.accept) {
				const joined = await tx
					.insertInto('workspace_members')
					.values({ workspace_id: updated.workspace_id, user_id: input.userId, role: updated.role })
					.onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
					.returning('user_id')
					.executeTakeFirst();
				if (!joined) throw new InvitationRolledBack({ kind: 'invitee-already-member' });
			}
			return { kind: 'ok', invitation: await getWrittenInvitation(tx, input.invitationId) };
		});
	} catch (error) {
		if (error instanceof InvitationRolledBack) return error.refusal;
		throw error;
	}
}
