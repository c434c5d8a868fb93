/**
 * Bearer JWTs. Supabase mode verifies Supabase Auth's tokens (HS256 with the project's JWT
 * secret, or its JWKS); local mode mints and verifies its own with a per-install secret. Both go
 * through `verifyAccessToken`, so there is one verification path with the same checks: a valid
 * signature, `exp`, the issuer (`tora-local`, or `${SUPABASE_URL}/auth/v1`), `aud` exactly
 * `authenticated`, `role: authenticated`, not an anonymous sign-in, a UUID `sub` and an email.
 * Supabase signs more than user sessions with the same secret (the `service_role` key, anonymous
 * users, tokens for other audiences): only a signed-in user with an email is a Tora user.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { enabledAuthSetup, getConfig } from './config.ts';
import { ApiError, unauthenticated } from './errors.ts';

export const LOCAL_TOKEN_TTL_SECONDS = 60 * 60;
const LOCAL_ISSUER = 'tora-local';
const AUDIENCE = 'authenticated';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface VerifiedToken {
	userId: string;
	email: string;
}

let localSecret: Uint8Array | undefined;

/**
 * Local mode's signing secret: `TORA_JWT_SECRET`, or one generated on first use and kept in the
 * data directory so sessions survive restarts.
 */
export function localJwtSecret(): Uint8Array {
	if (localSecret) return localSecret;
	const { localJwtSecret: configured, dataDir } = getConfig();
	if (configured) return (localSecret = new TextEncoder().encode(configured));
	const dir = dataDir ?? '.tora';
	const file = join(dir, 'local-jwt-secret');
	let secret: string;
	try {
		secret = readFileSync(file, 'utf8').trim();
	} catch {
		mkdirSync(dir, { recursive: true });
		secret = randomBytes(32).toString('base64url');
		writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
	}
	return (localSecret = new TextEncoder().encode(secret));
}

export async function mintLocalToken(user: VerifiedToken): Promise<{ token: string; expiresAt: Date }> {
	const expiresAt = new Date(Date.now() + LOCAL_TOKEN_TTL_SECONDS * 1000);
	const token = await new SignJWT({ email: user.email, role: 'authenticated' })
		.setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
		.setSubject(user.userId)
		.setIssuer(LOCAL_ISSUER)
		.setAudience(AUDIENCE)
		.setIssuedAt()
		.setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
		.sign(localJwtSecret());
	return { token, expiresAt };
}

const jwksByUrl = new Map<string, JWTVerifyGetKey>();

function supabaseKey(supabaseUrl: string, jwtSecret: string | undefined): Uint8Array | JWTVerifyGetKey {
	if (jwtSecret) return new TextEncoder().encode(jwtSecret);
	const url = `${supabaseUrl}/auth/v1/.well-known/jwks.json`;
	let jwks = jwksByUrl.get(url);
	if (!jwks) jwksByUrl.set(url, (jwks = createRemoteJWKSet(new URL(url))));
	return jwks;
}

export async function verifyAccessToken(token: string): Promise<VerifiedToken> {
	const setup = enabledAuthSetup();
	let payload;
	try {
		if (setup.mode === 'local') {
			({ payload } = await jwtVerify(token, localJwtSecret(), {
				algorithms: ['HS256'],
				issuer: LOCAL_ISSUER,
				audience: AUDIENCE,
				requiredClaims: ['exp', 'sub']
			}));
		} else {
			const key = supabaseKey(setup.supabaseUrl, setup.jwtSecret);
			const options = {
				algorithms: setup.jwtSecret ? ['HS256'] : ['RS256', 'ES256', 'HS256'],
				issuer: supabaseIssuer(setup.supabaseUrl),
				audience: AUDIENCE,
				requiredClaims: ['exp', 'sub']
			};
			({ payload } =
				key instanceof Uint8Array
					? await jwtVerify(token, key, options)
					: await jwtVerify(token, key, options));
		}
	} catch (error) {
		// A JWKS endpoint we cannot reach is our outage, not the caller's bad token.
		if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
			throw new ApiError(503, 'UNAVAILABLE', 'Could not fetch the signing keys to verify the token.');
		}
		throw unauthenticated(describeJwtError(error));
	}
	// jose accepts an `aud` array that merely contains ours; a token meant for several audiences
	// (or another service first) is not a Tora session.
	const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
	if (audiences.length === 0 || audiences.some((aud) => aud !== AUDIENCE)) {
		throw unauthenticated('Token audience must be exactly "authenticated".');
	}
	if (payload.role !== 'authenticated') {
		throw unauthenticated('Token role must be "authenticated" (a signed-in user).');
	}
	if (payload.is_anonymous === true) {
		throw unauthenticated('Anonymous sign-ins cannot use Tora; sign in with an email address.');
	}
	if (typeof payload.sub !== 'string' || !UUID.test(payload.sub)) {
		throw unauthenticated('Token subject must be a user id (UUID).');
	}
	if (typeof payload.email !== 'string' || payload.email === '') {
		throw unauthenticated('Token has no email claim.');
	}
	return { userId: payload.sub.toLowerCase(), email: payload.email.toLowerCase() };
}

/** The `iss` Supabase Auth (GoTrue) puts in the project's tokens. */
function supabaseIssuer(supabaseUrl: string): string {
	return `${supabaseUrl}/auth/v1`;
}

function describeJwtError(error: unknown): string {
	if (error instanceof joseErrors.JWTExpired) return 'Token expired; sign in again.';
	if (error instanceof joseErrors.JWTClaimValidationFailed) {
		if (error.claim === 'aud') return 'Token audience must be "authenticated".';
		if (error.claim === 'iss') return 'Token was not issued by this server.';
		return `Token claim "${error.claim}" is invalid.`;
	}
	if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'Token signature is invalid.';
	if (error instanceof joseErrors.JWKSNoMatchingKey) return 'Token was signed with an unknown key.';
	if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'Token algorithm is not accepted.';
	return 'Token is malformed.';
}
