/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven a byte at a time, and the
 * "masked" form TFRecord files store: TensorFlow rotates and offsets the CRC so that a CRC of data
 * that itself holds CRCs does not degenerate.
 */

const TABLE = (() => {
	const table = new Int32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
		table[n] = c;
	}
	return table;
})();

/** CRC-32C of `bytes[start, end)` as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
	let crc = -1;
	for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
	return (crc ^ -1) >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/** TFRecord's masked CRC: rotated right by 15 bits, plus a constant (mod 2^32). */
export function maskCrc(crc: number): number {
	return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
	return maskCrc(crc32c(bytes, start, end));
}
