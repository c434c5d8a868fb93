import type { Db } from '../db.ts';
import { generateApiKey } from '../api-key-secret.ts';

export interface ApiKeySummary {
	id: string;
	name: string;
	prefix: string;
	workspace_id: string | null;
	created_at: Date;
	last_used_at: Date | null;
	revoked_at: Date | null;
}

const summaryColumns = [
	'id',
	'name',
	'prefix',
	'workspace_id',
	'created_at',
	'last_used_at',
	'revoked_at'
] as const;

export async function createApiKey(
	db: Db,
	input: { userId: string; name: string; workspaceId: string | null }
): Promise<ApiKeySummary & { key: string }> {
	const { key, prefix, hash } = generateApiKey();
	const row = await db
		.insertInto('api_keys')
		.values({
			user_id: input.userId,
			workspace_id: input.workspaceId,
			name: input.name,
			prefix,
			key_hash: hash
		})
		.returning(summaryColumns)
		.executeTakeFirstOrThrow();
	return { ...row, key };
}

export async function listApiKeys(db: Db, userId: string): Promise<ApiKeySummary[]> {
	return db
		.selectFrom('api_keys')
		.select(summaryColumns)
		.where('user_id', '=', userId)
		.orderBy('created_at', 'desc')
		.orderBy('id')
		.execute();
}

/** Revokes one of the user's keys; revoking twice keeps the first revocation time. */
export async function revokeApiKey(
	db: Db,
	userId: string,
	keyId: string
): Promise<ApiKeySummary | undefined> {
	await db
		.updateTable('api_keys')
		.set({ revoked_at: new Date() })
		.where('id', '=', keyId)
		.where('user_id', '=', userId)
		.where('revoked_at', 'is', null)
		.execute();
	return db
		.selectFrom('api_keys')
		.select(summaryColumns)
		.where('id', '=', keyId)
		.where('user_id', '=', userId)
		.executeTakeFirst();
}

export interface ApiKeyOwner {
	keyId: string;
	userId: string;
	email: string;
	workspaceId: string | null;
	revoked: boolean;
	lastUsedAt: Date | null;
}

export async function findApiKeyByHash(db: Db, hash: Buffer): Promise<ApiKeyOwner | undefined> {
	const row = await db
		.selectFrom('api_keys as k')
		.innerJoin('profiles as p', 'p.id', 'k.user_id')
		.select(['k.id', 'k.user_id', 'p.email', 'k.workspace_id', 'k.revoked_at', 'k.last_used_at'])
		.where('k.key_hash', '=', hash)
		.executeTakeFirst();
	if (!row) return undefined;
	return {
		keyId: row.id,
		userId: row.user_id,
		email: row.email,
		workspaceId: row.workspace_id,
		revoked: row.revoked_at !== null,
		lastUsedAt: row.last_used_at
	};
}

/** Records use at most once a minute per key, so authentication rarely writes. */
export async function touchApiKey(db: Db, keyId: string): Promise<void> {
	await db
		.updateTable('api_keys')
		.set({ last_used_at: new Date() })
		.where('id', '=', keyId)
		.where((eb) =>
			eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(Date.now() - 60_000))])
		)
		.execute();
}
