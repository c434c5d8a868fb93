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

/** Just-in-time profile from a verified token (`sub`, `email`); keeps the email current. */
export async function upsertProfile(db: Db, profile: Profile): Promise<void> {
	await db
		.insertInto('profiles')
		.values(profile)
		.onConflict((oc) =>
			oc
				.column('id')
				.doUpdateSet({ email: (eb) => eb.ref('excluded.email') })
				.where('profiles.email', '<>', (eb) => eb.ref('excluded.email'))
		)
		.execute();
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
