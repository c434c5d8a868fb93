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
	expires_at: Date | null;
}

const summaryColumns = [
	'id',
	'name',
	'prefix',
	'workspace_id',
	'created_at',
	'last_used_at',
	'revoked_at',
	'expires_at'
] as const;

export async function createApiKey(
	db: Db,
	input: { userId: string; name: string; workspaceId: string | null; expiresAt: Date | null }
): Promise<ApiKeySummary & { key: string }> {
	const { key, prefix, hash } = generateApiKey();
	const row = await db
		.insertInto('api_keys')
		.values({
			user_id: input.userId,
			workspace_id: input.workspaceId,
			name: input.name,
			prefix,
			key_hash: hash,
			expires_at: input.expiresAt
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
	forgetApiKey(keyId);
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
	/** Null: the key never expires. */
	expiresAt: Date | null;
	lastUsedAt: Date | null;
}

async function findApiKeyByHash(db: Db, hash: Buffer): Promise<ApiKeyOwner | undefined> {
	const row = await db
		.selectFrom('api_keys as k')
		.innerJoin('profiles as p', 'p.id', 'k.user_id')
		.select([
			'k.id',
			'k.user_id',
			'p.email',
			'k.workspace_id',
			'k.revoked_at',
			'k.expires_at',
			'k.last_used_at'
		])
		.where('k.key_hash', '=', hash)
		.executeTakeFirst();
	if (!row) return undefined;
	return {
		keyId: row.id,
		userId: row.user_id,
		email: row.email,
		workspaceId: row.workspace_id,
		revoked: row.revoked_at !== null,
		expiresAt: row.expires_at,
		lastUsedAt: row.last_used_at
	};
}

/**
 * Verified keys are remembered for `API_KEY_CACHE_TTL_MS`, so a script's steady stream of
 * requests costs no key lookup. Revoking through this process forgets the key at once; another
 * process (another Netlify function instance) may accept a revoked key until its entry expires,
 * so the TTL bounds how long a revocation takes to reach everywhere. Unknown keys are never
 * cached, so a new key works immediately. Least recently used entries go first beyond the cap.
 * An entry never outlives its key's expiry (and the caller checks the expiry on every use too).
 */
export const API_KEY_CACHE_TTL_MS = 10_000;
const API_KEY_CACHE_MAX = 10_000;
const keyCache = new Map<string, { owner: ApiKeyOwner; staleAt: number }>();
/** Bumped by every revocation, so a lookup that raced one does not cache what it read before it. */
let revocations = 0;

export async function findApiKey(db: Db, hash: Buffer): Promise<ApiKeyOwner | undefined> {
	const cacheKey = hash.toString('base64');
	const cached = keyCache.get(cacheKey);
	const now = Date.now();
	if (cached && cached.staleAt > now) {
		// Re-inserting moves the entry to the end of the Map's order: most recently used.
		keyCache.delete(cacheKey);
		keyCache.set(cacheKey, cached);
		return cached.owner;
	}
	keyCache.delete(cacheKey);
	const generation = revocations;
	const owner = await findApiKeyByHash(db, hash);
	if (owner && !owner.revoked && generation === revocations) {
		if (keyCache.size >= API_KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
		const keyExpiry = owner.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
		keyCache.set(cacheKey, { owner, staleAt: Math.min(now + API_KEY_CACHE_TTL_MS, keyExpiry) });
	}
	return owner;
}

/** Drops a key from this process's cache (revocation). */
function forgetApiKey(keyId: string): void {
	revocations++;
	for (const [cacheKey, entry] of keyCache) {
		if (entry.owner.keyId === keyId) keyCache.delete(cacheKey);
	}
}

const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Records use at most once a minute per key, so authentication rarely writes: the owner (cached
 * or fresh) carries when we last recorded it.
 */
export async function touchApiKey(db: Db, owner: ApiKeyOwner): Promise<void> {
	const now = new Date();
	if (owner.lastUsedAt && now.getTime() - owner.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
	owner.lastUsedAt = now;
	await db
		.updateTable('api_keys')
		.set({ last_used_at: now })
		.where('id', '=', owner.keyId)
		.where((eb) =>
			eb.or([
				eb('last_used_at', 'is', null),
				eb('last_used_at', '<', new Date(now.getTime() - LAST_USED_RESOLUTION_MS))
			])
		)
		.execute();
}
