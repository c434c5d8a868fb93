import { describe, expect, it } from 'vitest';
import { mergeRecords as mergeTyped, recordBytes, splitReads } from './bucket-records.ts';

type Row = [lastStep: number, count: number, min: number, max: number, last: number, time?: number];

/** Records packed as the database packs them: big-endian float8 fields. */
function pack(rows: Row[], withTime = false): Uint8Array {
	const size = recordBytes(withTime);
	// An offset into a larger buffer, as a driver's Buffer slice may have.
	const bytes = new Uint8Array(3 + rows.length * size).subarray(3);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	rows.forEach((row, r) => {
		row.slice(0, withTime ? 6 : 5).forEach((value, f) => view.setFloat64(r * size + f * 8, value!));
	});
	return bytes;
}

/** The merged columns as plain arrays, to compare with literals. */
function mergeRecords(...args: Parameters<typeof mergeTyped>) {
	const columns = mergeTyped(...args);
	return Object.fromEntries(Object.entries(columns).map(([name, column]) => [name, [...column]]));
}

describe('mergeRecords', () => {
	it('passes records already one per bucket through unchanged', () => {
		const merged = mergeRecords(
			pack([
				[3, 4, -1, 2, 0.5],
				[7, 2, 1, 1, 1]
			]),
			4,
			false
		);
		expect(merged).toEqual({
			bucket: [0, 1],
			count: [4, 2],
			min: [-1, 1],
			max: [2, 1],
			last: [0.5, 1],
			lastStep: [3, 7]
		});
	});

	it('merges the rows of one bucket: counts added, extremes kept, the last value at the highest step', () => {
		// Rollup rows of 16 steps in buckets of 32: rows 0 and 1 make bucket 0, row 3 bucket 1.
		const merged = mergeRecords(
			pack(
				[
					[15, 16, 0, 5, 2, 1000],
					[20, 5, -3, 4, 9, 900],
					[63, 1, 7, 7, 7, 1100]
				],
				true
			),
			32,
			true
		);
		expect(merged).toEqual({
			bucket: [0, 1],
			count: [21, 1],
			min: [-3, 7],
			max: [5, 7],
			last: [9, 7],
			lastStep: [20, 63],
			time: [1000, 1100]
		});
	});

	it('gives the same buckets whatever order the records come in', () => {
		const rows: Row[] = [
			[15, 16, 0, 5, 2],
			[20, 5, -3, 4, 9],
			[40, 2, 1, 3, 3],
			[63, 1, 7, 7, 7]
		];
		const expected = mergeRecords(pack(rows), 32, false);
		expect(mergeRecords(pack([rows[3], rows[1], rows[2], rows[0]]), 32, false)).toEqual(expected);
		expect(expected.last).toEqual([9, 7]);
	});

	it('orders NaN above every number, as Postgres does: max is NaN, min the smallest number', () => {
		const merged = mergeRecords(
			pack([
				[1, 2, Number.NaN, Number.NaN, Number.NaN],
				[3, 2, 1, 4, 2],
				[5, 2, -Infinity, 3, 3]
			]),
			8,
			false
		);
		expect(merged.min).toEqual([-Infinity]);
		expect(merged.max).toEqual([Number.NaN]);
		expect(merged.last).toEqual([3]);
		expect(merged.count).toEqual([6]);
	});

	it('keeps steps up to 2^53 exact and reads an empty result as no buckets', () => {
		const step = Number.MAX_SAFE_INTEGER;
		const merged = mergeRecords(pack([[step, 1, 0, 0, 0]]), 2 ** 20, false);
		expect(merged.lastStep).toEqual([step]);
		expect(merged.bucket).toEqual([Math.floor(step / 2 ** 20)]);
		expect(mergeRecords(new Uint8Array(0), 1, true)).toEqual({
			bucket: [],
			count: [],
			min: [],
			max: [],
			last: [],
			lastStep: [],
			time: []
		});
	});
});

describe('splitReads', () => {
	it("finds each read's records after its header (position, byte length)", () => {
		const first = pack([[3, 1, 0, 0, 0]]);
		const second = pack([
			[5, 1, 1, 1, 1],
			[9, 1, 2, 2, 2]
		]);
		const packed = new Uint8Array(16 + first.length + 16 + second.length);
		const view = new DataView(packed.buffer);
		view.setFloat64(0, 7);
		view.setFloat64(8, first.length);
		packed.set(first, 16);
		view.setFloat64(16 + first.length, 2);
		view.setFloat64(24 + first.length, second.length);
		packed.set(second, 32 + first.length);
		const reads = splitReads(packed.subarray(0));
		expect(reads.map((read) => read.i)).toEqual([7, 2]);
		expect([...reads[0].records]).toEqual([...first]);
		expect([...reads[1].records]).toEqual([...second]);
		expect(splitReads(new Uint8Array(0))).toEqual([]);
	});
});
