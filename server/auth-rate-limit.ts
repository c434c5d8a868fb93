/**
 * Slows down credential guessing on the single server without locking out the innocent.
 * Failed authentications (a request that carried an API key or bearer token and got a 401) are
 * counted in a fixed window twice: per credential (the SHA-256 of the exact key or token
 * presented, never the secret itself) and per client (its address; an IPv6 client by its /64).
 *
 * - A credential over its limit is refused outright with 429: the same bad key or token tried
 *   again and again costs no lookup. Only that exact credential is refused, and one that failed
 *   this often is not going to start working (a revoked or expired key, an expired or forged
 *   token), so nobody else's key or session is ever refused this way.
 * - A client over its limit has every request's credentials verified first (a hash lookup, a JWT
 *   signature check): valid ones go ahead as usual, invalid ones get 429 instead of 401. So a
 *   NAT or proxy shared with a guesser, or a victim whose key prefix a guesser copies, keeps
 *   working, while the guesser's own attempts are refused. This tells a guesser nothing a 401
 *   would not: whether a credential is valid is exactly what every request answers, and keys
 *   (256 random bits) and signed tokens are beyond guessing; the limits bound the work and the
 *   noise a client can cause.
 * - Requests without credentials (public pages, health checks) are never refused.
 *
 * The client address is the socket's peer, or, when that peer is one of `TORA_TRUSTED_PROXIES`,
 * the right-most address in `X-Forwarded-For` that is not itself a trusted proxy (everything to
 * its left was written by the client and could say anything).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { credentialsAreValid } from '../functions/_lib/auth.ts';
import { ConfigError, getConfig, type ToraConfig } from '../functions/_lib/config.ts';
import { getDb } from '../functions/_lib/db.ts';

export interface AuthRateLimitOptions {
	/** Failed authentications allowed per client in one window. */
	perClient: number;
	/** Failed authentications allowed per credential (one key or token) in one window. */
	perCredential: number;
	windowMs: number;
	/** Peers whose `X-Forwarded-For` is believed: IP addresses or CIDR ranges. */
	trustedProxies?: string[];
	now?: () => number;
	/** Counters kept at most, per kind; expired ones are dropped first, then the stalest. */
	maxEntries?: number;
	/** Decides whether a request's credentials are good; by default exactly as the handlers do. */
	verify?: (request: Request) => Promise<boolean>;
}

/**
 * The limits of the configuration: `TORA_AUTH_FAILURES_PER_IP` / `TORA_AUTH_FAILURES_PER_KEY` per
 * minute (60 / 20; "per key" counts each presented key or token) and `TORA_TRUSTED_PROXIES`.
 */
export function authRateLimitFromConfig(config: ToraConfig = getConfig()): AuthRateLimitOptions {
	return {
		perClient: config.authFailuresPerIp,
		perCredential: config.authFailuresPerKey,
		windowMs: 60_000,
		trustedProxies: config.trustedProxies
	};
}

export function carriesCredentials(headers: IncomingHttpHeaders): boolean {
	return headers['x-api-key'] !== undefined || headers.authorization !== undefined;
}

/** SHA-256 of what the request presents as its credential: the key header, else Authorization. */
function credentialHash(headers: IncomingHttpHeaders): string | undefined {
	const apiKey = headers['x-api-key'];
	let presented: string | undefined;
	if (apiKey !== undefined) presented = `key ${String(apiKey).trim()}`;
	else if (headers.authorization !== undefined) {
		const authorization = headers.authorization;
		presented = `authorization ${/^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? authorization}`;
	}
	return presented === undefined ? undefined : createHash('sha256').update(presented).digest('base64url');
}

/** Normalises IPv4-mapped IPv6 so one client has one address. */
function plainAddress(address: string): string {
	const trimmed = address.trim();
	return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(trimmed) ? trimmed.slice(7) : trimmed;
}

/**
 * What a client is counted as: an IPv4 address, or an IPv6 address's /64 (one site's network;
 * anyone holding one has all of it, so counting single addresses would not slow them down).
 */
function clientCounterKey(address: string): string {
	if (isIP(address) !== 6) return address;
	const [head, tail = ''] = address.toLowerCase().split('::');
	const left = head ? head.split(':') : [];
	const right = tail ? tail.split(':') : [];
	const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
	return `${groups
		.slice(0, 4)
		.map((group) => group.replace(/^0+(?=.)/, ''))
		.join(':')}::/64`;
}

function parseTrustedProxies(entries: string[]): BlockList | undefined {
	if (entries.length === 0) return undefined;
	const list = new BlockList();
	for (const entry of entries) {
		const [address, bits, extra] = entry.split('/');
		const family = isIP(plainAddress(address));
		const prefix = bits === undefined ? undefined : Number(bits);
		const maxBits = family === 4 ? 32 : 128;
		if (
			family === 0 ||
			extra !== undefined ||
			(prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= maxBits))
		) {
			throw new ConfigError(
				`TORA_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, ::1).`
			);
		}
		const type = family === 4 ? 'ipv4' : 'ipv6';
		if (prefix === undefined) list.addAddress(plainAddress(address), type);
		else list.addSubnet(plainAddress(address), prefix, type);
	}
	return list;
}

interface Window {
	start: number;
	failures: number;
}

/** Fixed-window failure counters of one kind, bounded in number. */
class Counters {
	private readonly windows = new Map<string, Window>();

	constructor(
		private readonly limit: number,
		private readonly windowMs: number,
		private readonly maxEntries: number
	) {}

	get size(): number {
		return this.windows.size;
	}

	/** Seconds left in the key's window when it is over its limit; undefined otherwise. */
	blockedFor(key: string, now: number): number | undefined {
		const window = this.windows.get(key);
		if (!window || now - window.start >= this.windowMs || window.failures < this.limit) return undefined;
		return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
	}

	record(key: string, now: number): void {
		const window = this.windows.get(key);
		this.windows.delete(key);
		// Re-inserting keeps the Map ordered by last failure, so pruning forgets the quietest
		// counters and never the one a flood is currently feeding.
		if (!window || now - window.start >= this.windowMs) this.windows.set(key, { start: now, failures: 1 });
		else this.windows.set(key, { start: window.start, failures: window.failures + 1 });
		if (this.windows.size > this.maxEntries) this.prune(now);
	}

	private prune(now: number): void {
		for (const [key, window] of this.windows) {
			if (now - window.start >= this.windowMs) this.windows.delete(key);
		}
		for (const key of this.windows.keys()) {
			if (this.windows.size <= this.maxEntries) break;
			this.windows.delete(key);
		}
	}
}

export class AuthRateLimiter {
	private readonly clients: Counters;
	private readonly credentials: Counters;
	private readonly trustedProxies: BlockList | undefined;
	private readonly now: () => number;
	private readonly verify: (request: Request) => Promise<boolean>;

	constructor(options: AuthRateLimitOptions) {
		const maxEntries = options.maxEntries ?? 50_000;
		this.clients = new Counters(options.perClient, options.windowMs, maxEntries);
		this.credentials = new Counters(options.perCredential, options.windowMs, maxEntries);
		this.trustedProxies = parseTrustedProxies(options.trustedProxies ?? []);
		this.now = options.now ?? Date.now;
		this.verify = options.verify ?? ((request) => credentialsAreValid(request, getDb()));
	}

	/** The client's address: the peer, or what trusted proxies say they received it from. */
	clientAddress(peer: string | undefined, headers: IncomingHttpHeaders): string {
		let client = plainAddress(peer ?? 'unknown');
		const forwarded = headers['x-forwarded-for'];
		if (!this.trustedProxies || forwarded === undefined || !this.isTrusted(client)) return client;
		const hops = String(forwarded)
			.split(',')
			.map(plainAddress)
			.filter((hop) => hop !== '');
		for (let i = hops.length - 1; i >= 0; i--) {
			client = hops[i];
			if (!this.isTrusted(client)) break;
		}
		return client;
	}

	private isTrusted(address: string): boolean {
		const family = isIP(address);
		return family !== 0 && this.trustedProxies!.check(address, family === 4 ? 'ipv4' : 'ipv6');
	}

	/**
	 * Seconds until the request may be tried again, or undefined when it may go ahead: its
	 * credential is over its own limit, or its client is over its limit and the credential turns
	 * out invalid. `peer` is the socket's remote address; `request` is verified only when needed.
	 */
	async refusal(
		headers: IncomingHttpHeaders,
		peer: string | undefined,
		request: Request
	): Promise<number | undefined> {
		// Nothing has failed within the last windows: nothing can be refused.
		if (!carriesCredentials(headers) || this.clients.size + this.credentials.size === 0) return undefined;
		const now = this.now();
		const credentialWait = this.credentials.blockedFor(credentialHash(headers)!, now);
		if (credentialWait !== undefined) return credentialWait;
		const clientWait = this.clients.blockedFor(clientCounterKey(this.clientAddress(peer, headers)), now);
		if (clientWait === undefined || (await this.verify(request))) return undefined;
		this.recordFailure(headers, peer);
		return clientWait;
	}

	/** Counts a failed authentication against the request's credential and its client. */
	recordFailure(headers: IncomingHttpHeaders, peer: string | undefined): void {
		const credential = credentialHash(headers);
		if (credential === undefined) return;
		const now = this.now();
		this.credentials.record(credential, now);
		this.clients.record(clientCounterKey(this.clientAddress(peer, headers)), now);
	}
}
