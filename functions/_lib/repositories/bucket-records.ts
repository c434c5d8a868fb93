/**
 * The buckets of `POST /api/series` as the database sends them: every read's rows packed into one
 * `bytea` of fixed-size binary records, split, decoded and merged here into each read's buckets.
 *
 * Why binary: formatting 100,000 buckets' floats as JSON text in Postgres and parsing them again
 * in Node cost more than reading the rollups (bench P12); `float8send` copies eight bytes.
 * Why merged here: a rollup row of level L spans 16^L steps and a bucket 2^j of them, read from
 * the coarsest level that divides it, so a bucket is 1, 2, 4 or 8 rows (more past level 6). Where
 * it is one or two, sending the rows as stored and merging them in a plain loop costs the
 * database less than grouping them (a sort and an aggregate per series, the value at the highest
 * step needing an array per row). Rows already aggregated to the bucket (from points, or by the
 * database) pass through the same merge unchanged.
 *
 * A record is big-endian float8 fields in this order (steps and counts stay below 2^53, so the
 * floats hold them exactly); `time` only when the read asked for it. Each read's records follow
 * a header of two float8: the read's position and the byte length of its records.
 */
export const RECORD_FIELDS = ['last_step', 'count', 'min', 'max', 'last', 'time'] as const;
const FIELD_BYTES = 8;

/**
 * A read's buckets, column-wise, by bucket. Typed arrays: their storage lies outside the
 * JavaScript heap, so the garbage collector does not copy 100,000 buckets while a request holds
 * them.
 */
export interface BucketColumns {
	/** The bucket's first step divided by the width. */
	bucket: Float64Array;
	count: Float64Array;
	min: Float64Array;
	max: Float64Array;
	/** The value at the bucket's highest step (among equal steps, the one ingested last). */
	last: Float64Array;
	lastStep: Float64Array;
	/** The bucket's last logging time, ms since the epoch; only when asked for. */
	time?: Float64Array;
}

const HEADER_BYTES = 2 * FIELD_BYTES;

/** The reads of a packed answer: each one's position and its records (views, not copies). */
export function splitReads(packed: Uint8Array): Array<{ i: number; records: Uint8Array }> {
	const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
	const reads: Array<{ i: number; records: Uint8Array }> = [];
	for (let offset = 0; offset + HEADER_BYTES <= packed.byteLength;) {
		const i = view.getFloat64(offset);
		const bytes = view.getFloat64(offset + FIELD_BYTES);
		const start = offset + HEADER_BYTES;
		reads.push({ i, records: packed.subarray(start, start + bytes) });
		offset = start + bytes;
	}
	return reads;
}

export const recordBytes = (withTime: boolean) =>
	FIELD_BYTES * (withTime ? RECORD_FIELDS.length : RECORD_FIELDS.length - 1);

/**
 * Postgres orders NaN above every number, so its `max` of a range holding NaN is NaN and its
 * `min` is the smallest number: merged rows keep the meaning the stored ones have.
 */
const pgMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b));
const pgMin = (a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b));

/**
 * The buckets of `width` steps that the records make up. A record lies inside one bucket (its
 * steps span a rollup row or less, and widths are aligned powers of two), which its last step
 * names; records of one bucket are merged. Records may come in any order: the database sends
 * them in index order, which nothing guarantees, so out-of-order input is sorted first.
 */
export function mergeRecords(records: Uint8Array, width: number, withTime: boolean): BucketColumns {
	const fields = recordBytes(withTime) / FIELD_BYTES;
	const values = decodeFloats(records, fields);
	const n = values.length / fields;
	const field = (record: number, index: number) => values[record * fields + index];
	let order: number[] | undefined;
	for (let r = 1; r < n && !order; r++) {
		if (field(r, 0) < field(r - 1, 0)) {
			order = Array.from({ length: n }, (_, index) => index);
			order.sort((a, b) => field(a, 0) - field(b, 0));
		}
	}

	const columns = () => new Float64Array(n);
	const out: BucketColumns = {
		bucket: columns(),
		count: columns(),
		min: columns(),
		max: columns(),
		last: columns(),
		lastStep: columns(),
		...(withTime ? { time: columns() } : {})
	};
	let k = -1;
	for (let position = 0; position < n; position++) {
		const r = order ? order[position] : position;
		const step = field(r, 0);
		const bucket = Math.floor(step / width);
		if (k < 0 || bucket !== out.bucket[k]) {
			k++;
			out.bucket[k] = bucket;
			out.count[k] = field(r, 1);
			out.min[k] = field(r, 2);
			out.max[k] = field(r, 3);
			out.last[k] = field(r, 4);
			out.lastStep[k] = step;
			if (out.time) out.time[k] = field(r, 5);
			continue;
		}
		// In step order, so this record's last step is the bucket's highest yet.
		out.count[k] += field(r, 1);
		out.min[k] = pgMin(out.min[k], field(r, 2));
		out.max[k] = pgMax(out.max[k], field(r, 3));
		out.last[k] = field(r, 4);
		out.lastStep[k] = step;
		if (out.time) out.time[k] = Math.max(out.time[k], field(r, 5));
	}
	const used = (column: Float64Array) => column.subarray(0, k + 1);
	return {
		bucket: used(out.bucket),
		count: used(out.count),
		min: used(out.min),
		max: used(out.max),
		last: used(out.last),
		lastStep: used(out.lastStep),
		...(out.time ? { time: used(out.time) } : {})
	};
}

/** The big-endian float8 values of whole records, in one pass. */
function decodeFloats(records: Uint8Array, fields: number): Float64Array {
	const count = Math.floor(records.byteLength / (fields * FIELD_BYTES)) * fields;
	const view = new DataView(records.buffer, records.byteOffset, count * FIELD_BYTES);
	const values = new Float64Array(count);
	for (let v = 0; v < count; v++) values[v] = view.getFloat64(v * FIELD_BYTES);
	return values;
}
