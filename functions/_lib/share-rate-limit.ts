/**
 * Slows down guessing of share tokens: per client address, lookups that found no live link are
 * counted in a fixed one-minute window; past `TORA_AUTH_FAILURES_PER_IP` (a wrong token is a
 * failed authentication like a wrong key) the client's shared reads answer 429 until the window
 * ends. Tokens carry 256 random bits, so this bounds the work and noise a client causes rather
 * than protecting the tokens. Counted per process: on Netlify per warm function instance.
 */
import { getConfig } from './config.ts';
import { ApiError } from './errors.ts';

const WINDOW_MS = 60_000;
/** Clients remembered at most; the quietest are forgotten first. */
const MAX_CLIENTS = 10_000;

const windows = new Map<string, { start: number; failures: number }>();

/** Throws the 429 when the client is over its limit. */
export function refuseIfGuessing(client: string, now = Date.now()): void {
	const window = windows.get(client);
	if (!window || now - window.start >= WINDOW_MS || window.failures < getConfig().authFailuresPerIp) return;
	const seconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
	throw new ApiError(
		429,
		'RATE_LIMITED',
		'Too many unknown share links from this address; try again later.',
		undefined,
		{ 'retry-after': String(seconds) }
	);
}

export function recordUnknownToken(client: string, now = Date.now()): void {
	const window = windows.get(client);
	windows.delete(client);
	// Re-inserting keeps the map ordered by last failure, so pruning drops the quietest clients.
	if (!window || now - window.start >= WINDOW_MS) windows.set(client, { start: now, failures: 1 });
	else windows.set(client, { start: window.start, failures: window.failures + 1 });
	for (const key of windows.keys()) {
		if (windows.size <= MAX_CLIENTS) break;
		windows.delete(key);
	}
}
