/**
 * Slows down credential guessing on the single server: failed authentications (a request that
 * carried an API key or bearer token and got a 401) are counted per client IP and per API-key
 * prefix (`tora_sk_` + the 6 visible characters) in a fixed window. Once either count reaches its
 * limit, further requests carrying credentials from that IP, or with that prefix, are refused
 * with 429 before any handler runs, until the window ends. Successful requests never count, and
 * requests without credentials (public pages, health checks) are never refused.
 *
 * Loopback is not exempt; the limits are generous enough for a person mistyping a key or a
 * test suite checking that bad keys are refused.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { API_KEY_PREFIX } from '../functions/_lib/api-key-secret.ts';
import { optionalEnv } from '../functions/_lib/config.ts';

export interface AuthRateLimitOptions {
	/** Failed authentications allowed per client IP in one window. */
	perIp: number;
	/** Failed authentications allowed per API-key prefix in one window. */
	perKeyPrefix: number;
	windowMs: number;
	now?: () => number;
	/** Counters kept at most; expired ones are dropped first, then the oldest. */
	maxEntries?: number;
}

/** Defaults, overridable with `TORA_AUTH_FAILURES_PER_IP` / `TORA_AUTH_FAILURES_PER_KEY` (per minute). */
export function authRateLimitFromEnv(): AuthRateLimitOptions {
	const number = (name: string, fallback: number) => {
		const value = Number.parseInt(optionalEnv(name) ?? '', 10);
		return Number.isFinite(value) && value > 0 ? value : fallback;
	};
	return {
		perIp: number('TORA_AUTH_FAILURES_PER_IP', 60),
		perKeyPrefix: number('TORA_AUTH_FAILURES_PER_KEY', 20),
		windowMs: 60_000
	};
}

interface Window {
	start: number;
	failures: number;
}

/** `tora_sk_` + the visible characters, as stored in `api_keys.prefix`. */
const PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

/** The API key a request presents (header or `tora_sk_` bearer), if any. */
function presentedApiKey(headers: IncomingHttpHeaders): string | undefined {
	const header = headers['x-api-key'];
	if (typeof header === 'string') return header.trim();
	const bearer = /^Bearer\s+(\S+)\s*$/i.exec(String(headers.authorization ?? ''))?.[1];
	return bearer?.startsWith(API_KEY_PREFIX) ? bearer : undefined;
}

export function carriesCredentials(headers: IncomingHttpHeaders): boolean {
	return headers['x-api-key'] !== undefined || headers.authorization !== undefined;
}

/** Normalises IPv4-mapped IPv6 so one client has one counter. */
function clientIp(ip: string | undefined): string {
	return (ip ?? 'unknown').replace(/^::ffff:/i, '');
}

export class AuthRateLimiter {
	private readonly windows = new Map<string, Window>();
	private readonly now: () => number;
	private readonly maxEntries: number;

	constructor(private readonly options: AuthRateLimitOptions) {
		this.now = options.now ?? Date.now;
		this.maxEntries = options.maxEntries ?? 50_000;
	}

	/** The counters a request is judged by: its IP, and its key prefix when it presents a key. */
	keysFor(headers: IncomingHttpHeaders, ip: string | undefined): { key: string; limit: number }[] {
		const keys = [{ key: `ip ${clientIp(ip)}`, limit: this.options.perIp }];
		const apiKey = presentedApiKey(headers);
		if (apiKey?.startsWith(API_KEY_PREFIX)) {
			keys.push({ key: `key ${apiKey.slice(0, PREFIX_LENGTH)}`, limit: this.options.perKeyPrefix });
		}
		return keys;
	}

	/** Seconds until the request may be tried again, or undefined when it may go ahead. */
	blockedFor(headers: IncomingHttpHeaders, ip: string | undefined): number | undefined {
		// Nothing has failed within the last windows: nothing can be blocked.
		if (this.windows.size === 0 || !carriesCredentials(headers)) return undefined;
		const now = this.now();
		let wait: number | undefined;
		for (const { key, limit } of this.keysFor(headers, ip)) {
			const window = this.windows.get(key);
			if (!window || now - window.start >= this.options.windowMs) continue;
			if (window.failures >= limit) {
				const seconds = Math.max(1, Math.ceil((window.start + this.options.windowMs - now) / 1000));
				wait = Math.max(wait ?? 0, seconds);
			}
		}
		return wait;
	}

	recordFailure(headers: IncomingHttpHeaders, ip: string | undefined): void {
		const now = this.now();
		for (const { key } of this.keysFor(headers, ip)) {
			const window = this.windows.get(key);
			if (!window || now - window.start >= this.options.windowMs) {
				this.windows.delete(key);
				this.windows.set(key, { start: now, failures: 1 });
			} else window.failures++;
		}
		if (this.windows.size > this.maxEntries) this.prune(now);
	}

	private prune(now: number): void {
		for (const [key, window] of this.windows) {
			if (now - window.start >= this.options.windowMs) this.windows.delete(key);
		}
		// Still full (a flood of distinct IPs or prefixes): forget the oldest windows first.
		for (const key of this.windows.keys()) {
			if (this.windows.size <= this.maxEntries) break;
			this.windows.delete(key);
		}
	}
}
