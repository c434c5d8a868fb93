/**
 * Who is calling: an API key (`x-api-key`, or a `tora_sk_` bearer) or a bearer JWT. Any
 * credential that is present but wrong is a 401 — there is no anonymous fallback.
 */
import type { Db } from './db.ts';
import { forbidden, unauthenticated } from './errors.ts';
import { hashApiKey, looksLikeApiKey } from './api-key-secret.ts';
import { findApiKey, touchApiKey } from './repositories/api-key.repository.ts';
import { upsertProfile } from './repositories/profile.repository.ts';
import { verifyAccessToken } from './tokens.ts';

export interface Principal {
	userId: string;
	email: string;
	via: 'jwt' | 'api_key';
	/** Set for API keys; a scoped key may act only in this workspace. */
	keyId?: string;
	keyWorkspaceId?: string | null;
}

/** Profiles already upserted by this process (sub + email), so a verified JWT costs no write. */
const knownProfiles = new Set<string>();

export async function authenticate(req: Request, db: Db): Promise<Principal> {
	const apiKey = req.headers.get('x-api-key');
	const authorization = req.headers.get('authorization');
	if (apiKey !== null) return authenticateApiKey(db, apiKey.trim());
	if (authorization === null) {
		throw unauthenticated('Sign in, or send an API key in the x-api-key header.');
	}
	const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
	if (!match) throw unauthenticated('Authorization header must be "Bearer <token>".');
	const token = match[1];
	if (looksLikeApiKey(token)) return authenticateApiKey(db, token);
	const verified = await verifyAccessToken(token);
	const cacheKey = `${verified.userId} ${verified.email}`;
	if (!knownProfiles.has(cacheKey)) {
		await upsertProfile(db, { id: verified.userId, email: verified.email });
		if (knownProfiles.size > 10_000) knownProfiles.clear();
		knownProfiles.add(cacheKey);
	}
	return { userId: verified.userId, email: verified.email, via: 'jwt' };
}

async function authenticateApiKey(db: Db, key: string): Promise<Principal> {
	if (!looksLikeApiKey(key)) throw unauthenticated('API key is malformed: Tora keys start with "tora_sk_".');
	const owner = await findApiKey(db, hashApiKey(key));
	if (!owner || owner.revoked) throw unauthenticated('API key is invalid or has been revoked.');
	await touchApiKey(db, owner);
	return {
		userId: owner.userId,
		email: owner.email,
		via: 'api_key',
		keyId: owner.keyId,
		keyWorkspaceId: owner.workspaceId
	};
}

/** Key management and similar account actions need a signed-in session, not a script's key. */
export function requireSession(principal: Principal): void {
	if (principal.via !== 'jwt') {
		throw forbidden('This action needs a signed-in session; API keys cannot perform it.');
	}
}
