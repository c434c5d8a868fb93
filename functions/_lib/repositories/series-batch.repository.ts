/**
 * The statements behind `POST /api/series`: which series the runs have, and their buckets, read
 * set-wise. However many runs and metrics a request names, it costs a fixed number of statements:
 * one for the series (after one for the names a pattern matches), one for buckets merged from
 * rollups and one for buckets aggregated from points (the finest widths), each covering every
 * series read, plus at most one small lookup for the x-axis or the grouping key.
 *
 * Buckets are aligned power-of-two step ranges, exactly as `metric-read.repository.ts` reads them
 * for one run: a width of 16^L·2^j is an exact union of level-L rollups, so a bucket equals a
 * brute-force aggregation of its points.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db.ts';

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

/** One bucket: `bucket` is its first step divided by the width. */
export interface BucketRow {
	bucket: number;
	count: number;
	min: number;
	max: number;
	/** The value at the bucket's highest step (among equal steps, the one ingested last). */
	last: number;
	last_step: number;
	/** The bucket's last logging time, ms since the epoch. */
	time: number;
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

/**
 * The buckets of every read, in the order of `reads` (each read's buckets by step). Widths below
 * the finest rollup (16) are aggregated from the points (at most 8 per bucket); wider ones are
 * merged from the coarsest rollup level whose width divides them (at most 16 rows per bucket).
 * `time` (the last logging time) is read only when `withTime`; otherwise it is 0.
 *
 * Each series is grouped on its own inside the lateral join, so the aggregation stays a small
 * in-memory hash per series however many series a request reads. Each series' buckets come back
 * as one JSON text: 500 series of 200 buckets as 100,000 rows cost more to receive and decode
 * in the driver (a row object and a text parse per value) than the database spends reading them
 * (bench P12); one `JSON.parse` per series does it natively.
 */
export async function readBuckets(db: Db, reads: BucketRead[], withTime: boolean): Promise<BucketRow[][]> {
	const fine: PositionedRead[] = [];
	const coarse: PositionedRead[] = [];
	reads.forEach((read, index) => {
		const bits = Math.log2(read.width);
		const level = Math.min(MAX_LEVEL, Math.floor(bits / LEVEL_BITS));
		// Positions are 1-based, as SQL's are.
		const positioned = { ...read, i: index + 1, bits, level, shift: LEVEL_BITS * level };
		(level === 0 ? fine : coarse).push(positioned);
	});
	const time = withTime ? sql`(extract(epoch from max(logged_at)) * 1000)::float8` : sql`0::float8`;
	const rollupTime = withTime
		? sql`(extract(epoch from max(last_logged_at)) * 1000)::float8`
		: sql`0::float8`;
	const [fromPoints, fromRollups] = await Promise.all([
		fine.length ? bucketsFromPoints(db, fine, time) : [],
		coarse.length ? bucketsFromRollups(db, coarse, rollupTime) : []
	]);
	const buckets: BucketRow[][] = reads.map(() => []);
	for (const { i, rows } of [...fromPoints, ...fromRollups]) buckets[i - 1] = decodeBuckets(rows);
	return buckets;
}

interface PositionedRead extends BucketRead {
	i: number;
	/** log2 of the width. */
	bits: number;
	level: number;
	/** The steps one row of that level spans, as bits: 4 × level. */
	shift: number;
}

/** One read's buckets: a JSON array of [bucket, count, min, max, last, last_step, time], by bucket. */
type PositionedRows = { i: number; rows: string };
type Fragment = RawBuilder<unknown>;

/**
 * JSON has no NaN or infinities: Postgres writes those float8 values as the strings "NaN",
 * "Infinity" and "-Infinity", which `Number()` reads back.
 */
function decodeBuckets(text: string): BucketRow[] {
	const rows = JSON.parse(text) as Array<
		[number, number, number | string, number | string, number | string, number, number]
	>;
	return rows.map(([bucket, count, min, max, last, last_step, time]) => ({
		bucket,
		count,
		min: Number(min),
		max: Number(max),
		last: Number(last),
		last_step,
		time
	}));
}

/** The columns every read passes to its lateral join, one array literal each. */
function readColumns(reads: PositionedRead[]) {
	return sql`
		${intArray(reads.map((read) => read.i))}::text::int[],
		${intArray(reads.map((read) => read.seriesId))}::text::bigint[],
		${intArray(reads.map((read) => read.start))}::text::bigint[],
		${intArray(reads.map((read) => read.end))}::text::bigint[],
		${intArray(reads.map((read) => read.bits))}::text::int[],
		${intArray(reads.map((read) => read.level))}::text::int[],
		${intArray(reads.map((read) => read.shift))}::text::int[]
	`;
}

/** A series' buckets (`b`) as one JSON text, ordered by bucket. */
const asJson = sql`json_agg(json_build_array(b.bucket, b.count, b.min, b.max, b.last, b.last_step, b.time) order by b.bucket)::text`;

async function bucketsFromPoints(db: Db, reads: PositionedRead[], time: Fragment): Promise<PositionedRows[]> {
	const result = await sql<PositionedRows>`
		select t.i::int as i, g.rows
		from unnest(${readColumns(reads)}) as t(i, id, start_step, end_step, bits, level, shift)
		cross join lateral (
			select ${asJson} as rows
			from (
				select step >> t.bits as bucket, count(*)::int as count, min(value) as min, max(value) as max,
					(array_agg(value order by step desc, logged_at desc, msg_id desc))[1] as last,
					max(step) as last_step, ${time} as time
				from metric_points
				where series_id = t.id and step between t.start_step and t.end_step
				group by 1
			) b
		) g
		where g.rows is not null
	`.execute(db);
	return result.rows;
}

/**
 * Rollup rows of one level cover disjoint step ranges, so their last steps differ: a bucket's last
 * value is the one paired with its greatest last step, a plain max over [last_step, last_value].
 */
async function bucketsFromRollups(
	db: Db,
	reads: PositionedRead[],
	time: Fragment
): Promise<PositionedRows[]> {
	const result = await sql<PositionedRows>`
		select t.i::int as i, g.rows
		from unnest(${readColumns(reads)}) as t(i, id, start_step, end_step, bits, level, shift)
		cross join lateral (
			select ${asJson} as rows
			from (
				select bucket >> (t.bits - t.shift) as bucket, sum(point_count)::bigint as count,
					min(min_value) as min, max(max_value) as max,
					(max(array[last_step::float8, last_value]))[2] as last, max(last_step) as last_step, ${time} as time
				from metric_rollups
				where series_id = t.id and level = t.level
					and bucket between t.start_step >> t.shift and t.end_step >> t.shift
				group by 1
			) b
		) g
		where g.rows is not null
	`.execute(db);
	return result.rows;
}
