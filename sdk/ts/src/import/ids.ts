/**
 * Deterministic msg_ids for imported points, so importing the same source again sends the same
 * ids and the server stores nothing twice.
 *
 * A point is named by (source, series, step, index): the run's import key, the series as the
 * source names it, the step, and a position that tells apart points the source holds at the same
 * step (a record number, a line number). Hashing every point costs about 4 µs here (40 s for ten
 * million points), so the hash is taken once per series: `seriesKey()` is 16 bytes of SHA-256 of
 * (source, series), and a point's id is that key XORed with step and index laid out side by side.
 * Within one series, different (step, index) pairs therefore always give different ids; across
 * series the keys are unrelated, so ids collide only by chance (about 2^-100 per pair).
 * The result is shaped as a UUID version 4 (RFC 9562), which is what the server's msg_id takes.
 */
import { createHash } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const TWO_32 = 2 ** 32;

/** The per-series key: 16 bytes of SHA-256 of the source and the series name. */
export function seriesKey(source: string, series: string): Uint8Array {
	return createHash('sha256').update(source).update('\0').update(series).digest().subarray(0, 16);
}

/** ASCII codes of each byte's two hex digits. */
const HEX_CODES = Uint8Array.from({ length: 512 }, (_, i) => HEX[i >> 1].charCodeAt(i & 1));
/** Where each of the 16 bytes goes in the 36 characters (the dashes sit at 8, 13, 18 and 23). */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const DASH = 0x2d;
const scratch = Buffer.alloc(36);

/**
 * Writes the id of the point at `step` with position `index` (both integers in [0, 2^53)) as 36
 * ASCII characters at `out[offset]`. Layout of the 16 bytes before the key is applied: step's low
 * 32 bits in bytes 0–3 and high 21 bits in bytes 4, 5 and 7; index likewise in bytes 12–15 and
 * 9, 10, 11; byte 6 carries the version and byte 8 the variant, so neither number touches them.
 */
export function writePointId(
	out: Uint8Array,
	offset: number,
	key: Uint8Array,
	step: number,
	index: number
): void {
	const stepHigh = Math.floor(step / TWO_32);
	const indexHigh = Math.floor(index / TWO_32);
	put(out, offset, 0, key[0] ^ (step >>> 24));
	put(out, offset, 1, key[1] ^ ((step >>> 16) & 0xff));
	put(out, offset, 2, key[2] ^ ((step >>> 8) & 0xff));
	put(out, offset, 3, key[3] ^ (step & 0xff));
	put(out, offset, 4, key[4] ^ (stepHigh & 0xff));
	put(out, offset, 5, key[5] ^ ((stepHigh >>> 8) & 0xff));
	put(out, offset, 6, 0x40 | (key[6] & 0x0f));
	put(out, offset, 7, key[7] ^ (stepHigh >>> 16));
	put(out, offset, 8, 0x80 | (key[8] & 0x3f));
	put(out, offset, 9, key[9] ^ (indexHigh & 0xff));
	put(out, offset, 10, key[10] ^ ((indexHigh >>> 8) & 0xff));
	put(out, offset, 11, key[11] ^ (indexHigh >>> 16));
	put(out, offset, 12, key[12] ^ (index >>> 24));
	put(out, offset, 13, key[13] ^ ((index >>> 16) & 0xff));
	put(out, offset, 14, key[14] ^ ((index >>> 8) & 0xff));
	put(out, offset, 15, key[15] ^ (index & 0xff));
	out[offset + 8] = out[offset + 13] = out[offset + 18] = out[offset + 23] = DASH;
}

function put(out: Uint8Array, offset: number, byte: number, value: number): void {
	const at = offset + AT[byte];
	out[at] = HEX_CODES[value * 2];
	out[at + 1] = HEX_CODES[value * 2 + 1];
}

/** The id as a string (see writePointId). */
export function pointId(key: Uint8Array, step: number, index: number): string {
	writePointId(scratch, 0, key, step, index);
	return scratch.toString('latin1');
}
