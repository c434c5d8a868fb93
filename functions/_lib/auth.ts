/**
 * Who is calling: an API key (`x-api-key`, or a `tora_sk_` bearer) or a bearer JWT. Any
 * credential that is present but wrong is a 401 — there is no anonymous fallback.
 */
import type { Db } from './db.ts';
import { ApiError, forbidden, unauthenticated } from './errors.ts';
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
	// Checked on every request, cached or not: a key stops working at its expiry to the millisecond.
	if (owner.expiresAt && owner.expiresAt.getTime() <= Date.now()) {
		throw unauthenticated(
			`API key expired at ${owner.expiresAt.toISOString()}; create a new one under Settings → API keys.`
		);
	}
	await touchApiKey(db, owner);
	return {
		userId: owner.userId,
		email: owner.email,
		via: 'api_key',
		keyId: owner.keyId,
		keyWorkspaceId: owner.workspaceId
	};
}

/**
 * Whether a request's credentials are good, exactly as the handlers would decide (the same
 * `authenticate`). Only a 401 means "not good": a database or JWKS outage is not the caller's
 * fault, so it lets the request through to the handler, which answers it with its own 503.
 */
export async function credentialsAreValid(req: Request, db: Db): Promise<boolean> {
	try {
		await authenticate(req, db);
		return true;
	} catch (error) {
		if (error instanceof ApiError && error.status === 401) return false;
		return true;
	}
}

/**
 * Key management, and anything that changes who may see a workspace, needs a signed-in session:
 * a leaked key must not be able to give anyone (its thief included) access that outlives it.
 */
export function requireSession(principal: Principal, action = 'This action'): void {
	if (principal.via !== 'jwt') {
		throw forbidden(`${action} needs a signed-in session; API keys cannot do it.`);
	}
}

/** Inviting, changing roles, removing members, handing over ownership: who may see a workspace. */
export function requireSessionToChangeAccess(principal: Principal): void {
	requireSession(principal, 'Changing who can access a workspace');
}
