/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, the version nibble, then 74 bits that start
 * random and are bumped by one when the clock repeats or steps back (RFC 9562 §6.2 method 2), so
 * ids made later in this process always sort later. The server's msg_id index then grows at its
 * right edge, as with the Python SDK's ids.
 */

const TAIL_BITS = 74n;
const TAIL_LIMIT = 1n << TAIL_BITS;
const MS_LIMIT = 1n << 48n;

let lastMs = -1n;
let lastTail = 0n;

function randomTail(): bigint {
	const bytes = new Uint8Array(10); // 80 bits; keep 74
	globalThis.crypto.getRandomValues(bytes);
	let value = 0n;
	for (const byte of bytes) value = (value << 8n) | BigInt(byte);
	// The top bit stays clear so a run of increments within one millisecond cannot overflow.
	return value & ((TAIL_LIMIT >> 1n) - 1n);
}

/** The next id as a 128-bit integer (exposed for tests). `now` defaults to Date.now(). */
export function uuid7Int(now: number = Date.now()): bigint {
	let ms = BigInt(Math.max(0, Math.floor(now))) % MS_LIMIT;
	let tail: bigint;
	if (ms <= lastMs) {
		ms = lastMs;
		tail = lastTail + 1n;
		if (tail >= TAIL_LIMIT) {
			ms += 1n;
			tail = randomTail();
		}
	} else {
		tail = randomTail();
	}
	lastMs = ms;
	lastTail = tail;
	const randA = tail >> 62n; // 12 bits
	const randB = tail & ((1n << 62n) - 1n); // 62 bits
	return (ms << 80n) | (0x7n << 76n) | (randA << 64n) | (0b10n << 62n) | randB;
}

/** A time-ordered UUIDv7 string, e.g. `018f3c1e-7a2b-7c4d-9e5f-0123456789ab`. */
export function uuid7(now?: number): string {
	const hex = uuid7Int(now).toString(16).padStart(32, '0');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The millisecond timestamp a UUIDv7 carries. */
export function uuid7Time(id: string): number {
	return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
