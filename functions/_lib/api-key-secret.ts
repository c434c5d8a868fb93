/**
 * API key material: `tora_sk_` + 32 random bytes in base62 (easy to double-click and paste).
 * Only the SHA-256 of a key is stored; its first characters are kept as a visible prefix.
 */
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'tora_sk_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const VISIBLE_CHARS = 6;

function base62(bytes: Uint8Array): string {
	let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
	let out = '';
	while (n > 0n) {
		out = ALPHABET[Number(n % 62n)] + out;
		n /= 62n;
	}
	// 32 bytes always fit in 43 base62 digits; pad so every key has the same length.
	return out.padStart(43, '0');
}

export function generateApiKey(): { key: string; prefix: string; hash: Buffer } {
	const key = API_KEY_PREFIX + base62(randomBytes(32));
	return { key, prefix: key.slice(0, API_KEY_PREFIX.length + VISIBLE_CHARS), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
	return createHash('sha256').update(key, 'utf8').digest();
}

export function looksLikeApiKey(value: string): boolean {
	return value.startsWith(API_KEY_PREFIX);
}
