/**
 * Share link tokens: `tora_sh_` + 32 random bytes (256 bits) in base64url. Only the SHA-256 of a
 * token is stored, and a request finds its link by that hash, as API keys are found.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SHARE_TOKEN_PREFIX = 'tora_sh_';
const SHARE_TOKEN = /^tora_sh_[A-Za-z0-9_-]{43}$/;

export function generateShareToken(): { token: string; hash: Buffer } {
	const token = SHARE_TOKEN_PREFIX + randomBytes(32).toString('base64url');
	return { token, hash: hashShareToken(token) };
}

export function hashShareToken(token: string): Buffer {
	return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether text has a token's shape; anything else cannot name a link and is not looked up. */
export const isShareToken = (text: string) => SHARE_TOKEN.test(text);

/** The page a link opens, and the same page without the site's chrome for an `<iframe>`. */
export const sharedPageUrl = (origin: string, token: string) => `${origin}/s/${token}`;
