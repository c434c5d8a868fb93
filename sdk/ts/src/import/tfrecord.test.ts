import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frameRecord, readRecords, type RecordIssue } from './tfrecord.js';

const dir = mkdtempSync(join(tmpdir(), 'tora-tfrecord-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(bytes: Uint8Array): string {
	const path = join(dir, `f${files++}`);
	writeFileSync(path, bytes);
	return path;
}

async function read(
	path: string,
	options: { chunkBytes?: number; maxRecordBytes?: number; maxResyncBytes?: number } = {}
) {
	const issues: RecordIssue[] = [];
	const records: string[] = [];
	let bytes = 0;
	await readRecords(
		path,
		{ ...options, onIssue: (issue) => issues.push(issue), onBytes: (n) => (bytes += n) },
		(bytes, start, end) => void records.push(bytes.toString('utf8', start, end))
	);
	return { records, issues, bytes };
}

const payloads = ['first', '', 'x'.repeat(300), 'fourth record', 'fifth'];
const framed = payloads.map((p) => frameRecord(Buffer.from(p)));
const whole = Buffer.concat(framed);

describe('readRecords', () => {
	it('reads every record, whatever the chunk size', async () => {
		const path = file(whole);
		for (const chunkBytes of [1, 7, 16, 64, 1 << 20]) {
			const { records, issues, bytes } = await read(path, { chunkBytes });
			expect(records).toEqual(payloads);
			expect(issues).toEqual([]);
			expect(bytes).toBe(whole.length);
		}
	});

	it('frames as TFRecord: little-endian length, masked CRCs of length and data', () => {
		const frame = frameRecord(Buffer.from('123456789'));
		expect(frame.readBigUInt64LE(0)).toBe(9n);
		expect(frame.subarray(12, 21).toString()).toBe('123456789');
		// masked crc32c("123456789") = rotr15(0xe3069283) + 0xa282ead8
		const rotated = ((0xe3069283 >>> 15) | (0xe3069283 << 17)) >>> 0;
		expect(frame.readUInt32LE(21)).toBe((rotated + 0xa282ead8) % 2 ** 32);
	});

	it('skips a record whose data CRC is wrong, and goes on', async () => {
		const bad = Buffer.from(whole);
		const at = framed[0].length + framed[1].length + 12 + 5; // inside the third record's data
		bad[at] ^= 0xff;
		const { records, issues } = await read(file(bad), { chunkBytes: 32 });
		expect(records).toEqual(['first', '', 'fourth record', 'fifth']);
		expect(issues).toEqual([
			{ kind: 'bad-data-crc', offset: framed[0].length + framed[1].length, bytes: framed[2].length }
		]);
	});

	it('skips from a corrupt length to the next good record', async () => {
		const bad = Buffer.from(whole);
		bad[framed[0].length + 2] ^= 0x55; // the second record's length
		const { records, issues } = await read(file(bad), { chunkBytes: 10 });
		expect(records).toEqual(['first', 'x'.repeat(300), 'fourth record', 'fifth']);
		expect(issues).toEqual([{ kind: 'corrupt-region', offset: framed[0].length, bytes: framed[1].length }]);
	});

	it('survives garbage between records', async () => {
		const garbage = Buffer.from('garbage that is not a frame at all, 0123456789');
		const mixed = Buffer.concat([framed[0], garbage, framed[3]]);
		const { records, issues } = await read(file(mixed), { chunkBytes: 5 });
		expect(records).toEqual(['first', 'fourth record']);
		expect(issues).toEqual([{ kind: 'corrupt-region', offset: framed[0].length, bytes: garbage.length }]);
	});

	it('reports a record cut off at the end of the file', async () => {
		for (const cut of [3, 12, 15, framed[4].length - 1]) {
			const truncated = whole.subarray(0, whole.length - framed[4].length + cut);
			const { records, issues } = await read(file(truncated), { chunkBytes: 8 });
			expect(records).toEqual(payloads.slice(0, 4));
			expect(issues).toEqual([{ kind: 'truncated', offset: whole.length - framed[4].length, bytes: cut }]);
		}
	});

	it('says a file is not a TFRecord file without reading all of it', async () => {
		const noise = Buffer.alloc(3 << 20);
		for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + (i >> 8)) & 0xff;
		const { records, issues, bytes } = await read(file(noise), {
			maxResyncBytes: 1 << 16,
			chunkBytes: 1 << 16
		});
		expect(records).toEqual([]);
		expect(issues).toEqual([{ kind: 'not-tfrecord', offset: 0, bytes: noise.length }]);
		// Progress counts the whole file as done, though only the start of it was read.
		expect(bytes).toBe(noise.length);
	});

	it('steps over a record above the size limit without holding it', async () => {
		const big = frameRecord(Buffer.alloc(5000, 1));
		const { records, issues } = await read(file(Buffer.concat([framed[0], big, framed[4]])), {
			maxRecordBytes: 1000,
			chunkBytes: 256
		});
		expect(records).toEqual(['first', 'fifth']);
		expect(issues).toEqual([{ kind: 'oversized', offset: framed[0].length, bytes: big.length }]);
	});

	it('reads a record larger than a chunk', async () => {
		const big = 'y'.repeat(100_000);
		const { records } = await read(file(Buffer.concat([frameRecord(Buffer.from(big)), framed[0]])), {
			chunkBytes: 1024
		});
		expect(records).toEqual([big, 'first']);
	});

	it('reads an empty file as no records', async () => {
		expect(await read(file(Buffer.alloc(0)))).toEqual({ records: [], issues: [], bytes: 0 });
	});
});
