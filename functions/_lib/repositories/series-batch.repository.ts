/**
 * The statements behind `POST /api/series`: which series the runs have, and their buckets, read
 * set-wise. However many runs and metrics a request names, it costs a fixed number of statements:
 * one for the series (after one for the names a pattern matches), one for the buckets of every
 * series read (from rollups, or from points at the finest widths), plus at most one small lookup
 * for the x-axis or the grouping key.
 *
 * Buckets are aligned power-of-two step ranges, exactly as `metric-read.repository.ts` reads them
 * for one run: a width of 16^L·2^j is an exact union of level-L rollups, so a bucket equals a
 * brute-force aggregation of its points.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db.ts';
import { mergeRecords, splitReads, type BucketColumns } from './bucket-records.ts';

export type { BucketColumns } from './bucket-records.ts';

/** Rollup level L aggregates 16^L steps; levels 1..6 are maintained on ingest. */
const LEVEL_BITS = 4;
const MAX_LEVEL = 6;

export interface SeriesRow {
	id: number;
	experiment_id: string;
	name: string;
	point_count: number;
	first_step: number | null;
	last_step: number | null;
}

/** One series read at one width over [start, end] (both aligned to the width). */
export interface BucketRead {
	seriesId: number;
	start: number;
	end: number;
	width: number;
}

/**
 * Postgres array literals sent as one text parameter each (ids are UUIDs, names never hold quotes).
 * Tested with `in (select unnest(...))`, not `= any(...)`: `any` over a cast parameter parses the
 * array again for every row it tests (70 ms for 500 series of 100 runs in bench P12).
 */
const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;
const intArray = (values: number[]) => `{${values.join(',')}}`;
const textArray = (values: string[]) => `{${values.map((value) => `"${value}"`).join(',')}}`;

/** SQLSTATE of a regular expression Postgres refuses (syntax, repetition counts, too complex). */
const INVALID_REGULAR_EXPRESSION = '2201B';

export type NameMatch = { kind: 'names'; names: string[] } | { kind: 'bad-pattern'; message: string };

/**
 * The distinct metric names of the runs that match `regex` (anchored by the caller), in byte
 * order, at most `limit`. Postgres is the judge of its own syntax: what it refuses is answered as
 * a refusal of the pattern, never as a server error.
 */
export async function matchMetricNames(
	db: Db,
	runIds: string[],
	regex: string,
	limit: number
): Promise<NameMatch> {
	try {
		const result = await sql<{ name: string }>`
			select name from (
				select distinct name from metric_series
				where experiment_id in (select unnest(${uuidArray(runIds)}::text::uuid[])) and name ~ ${regex}
			) names
			order by name collate "C"
			limit ${limit}
		`.execute(db);
		return { kind: 'names', names: result.rows.map((row) => row.name) };
	} catch (error) {
		const { code, message } = error as { code?: string; message?: string };
		if (code !== INVALID_REGULAR_EXPRESSION) throw error;
		return { kind: 'bad-pattern', message: message ?? 'is not a valid regular expression' };
	}
}

/** The runs' series of these names (any order). */
export async function findRunSeries(db: Db, runIds: string[], names: string[]): Promise<SeriesRow[]> {
	if (runIds.length === 0 || names.length === 0) return [];
	const result = await sql<SeriesRow>`
		select id, experiment_id, name, point_count, first_step, last_step
		from metric_series
		where experiment_id in (select unnest(${uuidArray(runIds)}::text::uuid[]))
			and name in (select unnest(${textArray(names)}::text::text[]))
	`.execute(db);
	return result.rows;
}

/** When each run logged its first point (any metric), ms since the epoch; runs without points absent. */
export async function firstPointTimes(db: Db, runIds: string[]): Promise<Map<string, number>> {
	const result = await sql<{ experiment_id: string; time: number }>`
		select experiment_id, (extract(epoch from min(first_logged_at)) * 1000)::float8 as time
		from metric_series
		where experiment_id in (select unnest(${uuidArray(runIds)}::text::uuid[])) and first_logged_at is not null
		group by experiment_id
	`.execute(db);
	return new Map(result.rows.map((row) => [row.experiment_id, row.time]));
}

/** The email of each creator that still has an account. */
export async function creatorEmails(db: Db, userIds: string[]): Promise<Map<string, string>> {
	if (userIds.length === 0) return new Map();
	const rows = await db.selectFrom('profiles').select(['id', 'email']).where('id', 'in', userIds).execute();
	return new Map(rows.map((row) => [row.id, row.email]));
}

/** The runs' value of one result (runs without it absent). */
export async function resultValues(db: Db, runIds: string[], name: string): Promise<Map<string, number>> {
	const rows = await db
		.selectFrom('results')
		.select(['experiment_id', 'value'])
		.where('experiment_id', 'in', runIds)
		.where('name', '=', name)
		.execute();
	return new Map(rows.map((row) => [row.experiment_id, row.value]));
}

/** How many rollup rows one bucket may span for them to be sent as stored (see bucket-records.ts). */
const MAX_ROWS_SENT_PER_BUCKET = 2;

/** Where a read's records come from, as the statement's branches number them. */
const FROM_POINTS = 0;
const ROLLUP_ROWS = 1;
const MERGED_ROLLUPS = 2;

/**
 * The buckets of every read, in the order of `reads` (each read's buckets by step). Widths below
 * the finest rollup (16) are aggregated from the points (at most 8 per bucket); wider ones come
 * from the coarsest rollup level whose width divides them: its rows as stored when a bucket spans
 * at most two of them (merged in `mergeRecords`), else merged in the database (up to 8 rows per
 * bucket, which would multiply what is sent). `time` is read only when `withTime`.
 *
 * One statement whatever the reads: each read takes one branch of a `union all` (the others are
 * cut by a one-time filter on its kind), inside a lateral join, so any grouping stays a small
 * in-memory aggregate per series. Every read's rows come back packed in one `bytea`
 * (bucket-records.ts), sent as one base64 text: a third longer than the bytes, where the driver's
 * hex for `bytea` is twice as long; and one value, where a value per read (500 of 20 KB) was
 * copied again and again by the garbage collector while the request held them.
 */
export async function readBuckets(db: Db, reads: BucketRead[], withTime: boolean): Promise<BucketColumns[]> {
	const positioned = reads.map((read, index): PositionedRead => {
		const bits = Math.log2(read.width);
		const level = Math.min(MAX_LEVEL, Math.floor(bits / LEVEL_BITS));
		const shift = LEVEL_BITS * level;
		const kind =
			level === 0
				? FROM_POINTS
				: 2 ** (bits - shift) <= MAX_ROWS_SENT_PER_BUCKET
					? ROLLUP_ROWS
					: MERGED_ROLLUPS;
		// Positions are 1-based, as SQL's are.
		return { ...read, i: index + 1, bits, level, shift, kind };
	});
	const empty = (): BucketColumns => mergeRecords(new Uint8Array(0), 1, withTime);
	const buckets = reads.map(empty);
	if (reads.length === 0) return buckets;
	for (const { i, records } of await readRecords(db, positioned, withTime)) {
		buckets[i - 1] = mergeRecords(records, reads[i - 1].width, withTime);
	}
	return buckets;
}

interface PositionedRead extends BucketRead {
	i: number;
	/** log2 of the width. */
	bits: number;
	level: number;
	/** The steps one row of that level spans, as bits: 4 × level. */
	shift: number;
	kind: typeof FROM_POINTS | typeof ROLLUP_ROWS | typeof MERGED_ROLLUPS;
}

/** The columns every read passes to its lateral join, one array literal each. */
function readColumns(reads: PositionedRead[]) {
	const column = (pick: (read: PositionedRead) => number) => intArray(reads.map(pick));
	return sql`
		${column((read) => read.i)}::text::int[],
		${column((read) => read.seriesId)}::text::bigint[],
		${column((read) => read.start)}::text::bigint[],
		${column((read) => read.end)}::text::bigint[],
		${column((read) => read.bits)}::text::int[],
		${column((read) => read.level)}::text::int[],
		${column((read) => read.shift)}::text::int[],
		${column((read) => read.kind)}::text::int[]
	`;
}

/** ms since the epoch, as the numeric `extract` gives it (float8 arithmetic could differ in the last bit). */
const epochMs = (time: RawBuilder<unknown>) => sql`(extract(epoch from ${time}) * 1000)::float8`;

/**
 * Each read's records (bucket-records.ts: last step, count, min, max, last value[, time]). Rollup
 * rows of one level cover disjoint step ranges, so their last steps differ: a merged bucket's last
 * value is the one paired with its greatest last step, a plain max over [last_step, last_value].
 * Counts are summed as float8 (exact below 2^53): a bigint sum is a numeric one, several times
 * slower.
 */
async function readRecords(
	db: Db,
	reads: PositionedRead[],
	withTime: boolean
): Promise<Array<{ i: number; records: Uint8Array }>> {
	const time = withTime ? sql` || float8send(r.time)` : sql``;
	const pointsTime = withTime ? sql`, ${epochMs(sql`max(logged_at)`)} as time` : sql``;
	const rowTime = withTime ? sql`, ${epochMs(sql`last_logged_at`)}` : sql``;
	const mergedTime = withTime ? sql`, ${epochMs(sql`max(last_logged_at)`)}` : sql``;
	const result = await sql<{ packed: string | null }>`
		select encode(string_agg(float8send(t.i) || float8send(length(g.records)) || g.records, ''::bytea), 'base64')
			as packed
		from unnest(${readColumns(reads)}) as t(i, id, start_step, end_step, bits, level, shift, kind)
		cross join lateral (
			select string_agg(
				float8send(r.last_step) || float8send(r.count) || float8send(r.min) || float8send(r.max)
					|| float8send(r.last)${time},
				''::bytea
			) as records
			from (
				select max(step)::float8 as last_step, count(*)::float8 as count, min(value) as min,
					max(value) as max, (array_agg(value order by step desc, logged_at desc, msg_id desc))[1] as last
					${pointsTime}
				from metric_points
				where t.kind = ${sql.lit(FROM_POINTS)} and series_id = t.id and step between t.start_step and t.end_step
				group by step >> t.bits
				union all
				select last_step::float8, point_count::float8, min_value, max_value, last_value${rowTime}
				from metric_rollups
				where t.kind = ${sql.lit(ROLLUP_ROWS)} and series_id = t.id and level = t.level
					and bucket between t.start_step >> t.shift and t.end_step >> t.shift
				union all
				select max(last_step)::float8, sum(point_count::float8), min(min_value), max(max_value),
					(max(array[last_step::float8, last_value]))[2]${mergedTime}
				from metric_rollups
				where t.kind = ${sql.lit(MERGED_ROLLUPS)} and series_id = t.id and level = t.level
					and bucket between t.start_step >> t.shift and t.end_step >> t.shift
				group by bucket >> (t.bits - t.shift)
			) r
		) g
		where g.records is not null
	`.execute(db);
	const packed = result.rows[0]?.packed;
	return packed ? splitReads(Buffer.from(packed, 'base64')) : [];
}
