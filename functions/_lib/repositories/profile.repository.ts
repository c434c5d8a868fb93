import { sql } from 'kysely';
import type { Db } from '../db.ts';

export interface Profile {
	id: string;
	email: string;
}

/** Local mode sign-in: the profile for an email, created on first sign-in. */
export async function upsertProfileByEmail(db: Db, email: string): Promise<Profile> {
	return db
		.insertInto('profiles')
		.values({ id: sql<string>`gen_random_uuid()`, email })
		.onConflict((oc) => oc.column('email').doUpdateSet({ email: (eb) => eb.ref('excluded.email') }))
		.returning(['id', 'email'])
		.executeTakeFirstOrThrow();
}

/** `released-<profile id>@email-released.invalid`: lower-case, unique, and never deliverable. */
const RELEASED_EMAIL_PREFIX = 'released-';
const RELEASED_EMAIL_DOMAIN = '@email-released.invalid';

/**
 * Just-in-time profile from a verified token (`sub`, `email`); keeps the email current.
 *
 * An email belongs to one profile at a time, and the latest verified token to claim it wins. A
 * token may bring an email that another profile still holds: that account was deleted and the
 * address registered again (a new `sub`), or its owner changed address and someone else took the
 * old one. The other profile then lets go of the address: its email becomes a placeholder under
 * the reserved `.invalid` domain, which no confirmed sign-in can ever claim. Nothing else moves:
 * memberships, keys and experiments stay with their user id, so the new user starts with only
 * the invitations addressed to the email, and the old identity keeps what it had but no longer
 * matches anything sent to that address.
 */
export async function upsertProfile(db: Db, profile: Profile): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		try {
			await db.transaction().execute(async (tx) => {
				await tx
					.updateTable('profiles')
					.set({
						email: sql<string>`${RELEASED_EMAIL_PREFIX}::text || id::text || ${RELEASED_EMAIL_DOMAIN}::text`
					})
					.where('email', '=', profile.email)
					.where('id', '<>', profile.id)
					.execute();
				await tx
					.insertInto('profiles')
					.values(profile)
					.onConflict((oc) =>
						oc
							.column('id')
							.doUpdateSet({ email: (eb) => eb.ref('excluded.email') })
							.where('profiles.email', '<>', (eb) => eb.ref('excluded.email'))
					)
					.execute();
			});
			return;
		} catch (error) {
			// Two identities claiming one address at the same instant: the loser's insert meets the
			// winner's committed row; trying again releases it like any other holder.
			const { code, constraint_name } = error as { code?: string; constraint_name?: string };
			if (attempt === 3 || code !== '23505' || constraint_name !== 'profiles_email_key') throw error;
		}
	}
}

/**
 * The user's personal workspace, created with them as owner on first use. Safe under concurrent
 * first requests: the unique personal_owner_id makes one insert win and the other read it.
 */
export async function ensurePersonalWorkspace(db: Db, userId: string): Promise<string> {
	const existing = await db
		.selectFrom('workspaces')
		.select('id')
		.where('personal_owner_id', '=', userId)
		.executeTakeFirst();
	if (existing) return existing.id;
	return db.transaction().execute(async (tx) => {
		const created = await tx
			.insertInto('workspaces')
			.values({ name: 'Personal', personal_owner_id: userId, created_by: userId })
			.onConflict((oc) => oc.column('personal_owner_id').doNothing())
			.returning('id')
			.executeTakeFirst();
		if (!created) {
			const winner = await tx
				.selectFrom('workspaces')
				.select('id')
				.where('personal_owner_id', '=', userId)
				.executeTakeFirstOrThrow();
			return winner.id;
		}
		await tx
			.insertInto('workspace_members')
			.values({ workspace_id: created.id, user_id: userId, role: 'owner' })
			.execute();
		return created.id;
	});
}

export async function countPendingInvitations(db: Db, email: string): Promise<number> {
	const row = await db
		.selectFrom('invitations')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('email', '=', email)
		.where('status', '=', 'pending')
		.executeTakeFirstOrThrow();
	return Number(row.count);
}
