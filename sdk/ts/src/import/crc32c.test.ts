import { describe, expect, it } from 'vitest';
import { crc32c, maskCrc, maskedCrc32c } from './crc32c.js';

describe('crc32c', () => {
	it('matches the published check value and the RFC 3720 (iSCSI) vectors', () => {
		expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
		expect(crc32c(new Uint8Array(0))).toBe(0);
		expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
		expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
		expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
		expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
	});

	it('covers a sub-range', () => {
		const bytes = Buffer.from('xx123456789yy');
		expect(crc32c(bytes, 2, 11)).toBe(0xe3069283);
	});

	it('masks as TensorFlow does: rotate right by 15, add 0xa282ead8', () => {
		const crc = 0xe3069283;
		const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
		expect(maskCrc(crc)).toBe((rotated + 0xa282ead8) % 2 ** 32);
		expect(maskedCrc32c(Buffer.from('123456789'))).toBe(maskCrc(0xe3069283));
		// Unmasking (subtract, rotate left) gives the CRC back.
		const unmask = (masked: number) => {
			const r = (masked - 0xa282ead8) >>> 0;
			return ((r >>> 17) | (r << 15)) >>> 0;
		};
		for (const value of [0, 1, 0xffffffff, 0x12345678, crc]) expect(unmask(maskCrc(value))).toBe(value);
	});
});
