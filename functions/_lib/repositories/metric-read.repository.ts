/**
 * Reading metric series: raw points when a series is short enough, otherwise deterministic buckets
 * over aligned step ranges, merged from the ingest-time rollups (metric_rollups) so the cost
 * depends on the number of buckets, not on the length of the series.
 */
import { sql } from 'kysely';
import type { BucketedSeries, RawSeries, SeriesQuery, SeriesRead } from '../contracts/logs.ts';
import type { Db } from '../db.ts';
import { validationError } from '../errors.ts';

/** Rollup level L aggregates 16^L steps; levels 1..6 are maintained on ingest. */
const LEVEL_BITS = 4;
const MAX_LEVEL = 6;
/** Points returned per series by one live-polling read; the next poll continues from there. */
const POLL_LIMIT = 10_000;

interface SeriesSummary {
	id: number;
	name: string;
	point_count: number;
	first_step: number | null;
	last_step: number | null;
	min_value: number | null;
	max_value: number | null;
	last_value: number | null;
}

export async function readSeries(db: Db, experimentId: string, query: SeriesQuery): Promise<SeriesRead> {
	let select = db
		.selectFrom('metric_series')
		.select(['id', 'name', 'point_count', 'first_step', 'last_step', 'min_value', 'max_value', 'last_value'])
		.where('experiment_id', '=', experimentId)
		.orderBy('name');
	if (query.names.length) select = select.where('name', 'in', query.names);
	const summaries = await select.execute();

	const after = query.after === undefined ? undefined : decodeCursor(query.after);
	const series = await Promise.all(
		summaries.map((summary) =>
			after ? readNewPoints(db, summary, after[summary.name] ?? -1) : readOne(db, summary, query)
		)
	);
	const cursor: Record<string, number> = { ...after };
	for (const [i, summary] of summaries.entries()) {
		const read = series[i];
		const lastReturned = read.resolution === 'raw' ? read.steps.at(-1) : summary.last_step;
		if (lastReturned !== undefined && lastReturned !== null) cursor[summary.name] = lastReturned;
	}
	return { series, cursor: encodeCursor(cursor) };
}

function describe(summary: SeriesSummary) {
	return {
		name: summary.name,
		count: summary.point_count,
		first_step: summary.first_step,
		last_step: summary.last_step,
		min: summary.min_value,
		max: summary.max_value,
		last: summary.last_value
	};
}

async function readOne(
	db: Db,
	summary: SeriesSummary,
	query: SeriesQuery
): Promise<RawSeries | BucketedSeries> {
	if (summary.first_step === null || summary.last_step === null) return raw(summary, []);
	const low = Math.max(query.from ?? summary.first_step, summary.first_step);
	const high = Math.min(query.to ?? summary.last_step, summary.last_step);
	if (low > high) return raw(summary, []);
	if (summary.point_count <= query.buckets) return raw(summary, await rawPoints(db, summary.id, low, high));

	// The smallest power-of-two width that covers [low, high] in at most `buckets` aligned buckets.
	let width = 1;
	while (Math.floor(high / width) - Math.floor(low / width) + 1 > query.buckets) width *= 2;
	if (width === 1) return raw(summary, await rawPoints(db, summary.id, low, high));
	const start = Math.floor(low / width) * width;
	const end = (Math.floor(high / width) + 1) * width - 1;
	const level = Math.min(MAX_LEVEL, Math.floor(Math.log2(width) / LEVEL_BITS));
	const rows =
		level === 0
			? await bucketsFromPoints(db, summary.id, start, end, width)
			: await bucketsFromRollups(db, summary.id, start, end, width, level);
	return {
		...describe(summary),
		resolution: 'buckets',
		bucket_width: width,
		starts: rows.map((row) => row.bucket * width),
		counts: rows.map((row) => row.count),
		mins: rows.map((row) => row.min),
		maxs: rows.map((row) => row.max),
		lasts: rows.map((row) => row.last),
		last_steps: rows.map((row) => row.last_step),
		times: rows.map((row) => row.time)
	};
}

interface PointRow {
	step: number;
	value: number;
	time: number;
}

interface BucketRow {
	bucket: number;
	count: number;
	min: number;
	max: number;
	last: number;
	last_step: number;
	time: number;
}

function raw(summary: SeriesSummary, points: PointRow[]): RawSeries {
	return {
		...describe(summary),
		resolution: 'raw',
		steps: points.map((point) => point.step),
		values: points.map((point) => point.value),
		times: points.map((point) => point.time)
	};
}

async function rawPoints(db: Db, seriesId: number, low: number, high: number): Promise<PointRow[]> {
	const result = await sql<PointRow>`
		select step, value, (extract(epoch from logged_at) * 1000)::float8 as time
		from metric_points
		where series_id = ${seriesId} and step between ${low} and ${high}
		order by step, logged_at, msg_id
	`.execute(db);
	return result.rows;
}

async function readNewPoints(db: Db, summary: SeriesSummary, afterStep: number): Promise<RawSeries> {
	const result = await sql<PointRow>`
		select step, value, (extract(epoch from logged_at) * 1000)::float8 as time
		from metric_points
		where series_id = ${summary.id} and step > ${afterStep}
		order by step, logged_at, msg_id
		limit ${POLL_LIMIT}
	`.execute(db);
	return raw(summary, result.rows);
}

/** Widths 2, 4 and 8 sit below the finest rollup: aggregate the (at most 16 × buckets) points. */
async function bucketsFromPoints(
	db: Db,
	seriesId: number,
	start: number,
	end: number,
	width: number
): Promise<BucketRow[]> {
	const result = await sql<BucketRow>`
		select step / ${width}::bigint as bucket, count(*)::int as count, min(value) as min, max(value) as max,
			(array_agg(value order by step desc, logged_at desc, msg_id desc))[1] as last, max(step) as last_step,
			(extract(epoch from max(logged_at)) * 1000)::float8 as time
		from metric_points
		where series_id = ${seriesId} and step between ${start} and ${end}
		group by 1 order by 1
	`.execute(db);
	return result.rows;
}

/**
 * Merges rollup rows of one level (each an exact slice of one output bucket) into buckets. The
 * rows of one level cover disjoint step ranges, so their last steps differ and the bucket's last
 * value is the one paired with the greatest last step: a plain max over [last_step, last_value]
 * arrays (steps are below 2^53, exact as float8) instead of sorting every bucket's rows.
 */
async function bucketsFromRollups(
	db: Db,
	seriesId: number,
	start: number,
	end: number,
	width: number,
	level: number
): Promise<BucketRow[]> {
	const shift = LEVEL_BITS * level;
	const result = await sql<BucketRow>`
		select (bucket << ${shift}::int) / ${width}::bigint as bucket, sum(point_count)::bigint as count,
			min(min_value) as min, max(max_value) as max,
			(max(array[last_step::float8, last_value]))[2] as last, max(last_step) as last_step,
			(extract(epoch from max(last_logged_at)) * 1000)::float8 as time
		from metric_rollups
		where series_id = ${seriesId} and level = ${level}
			and bucket between ${start}::bigint >> ${shift}::int and ${end}::bigint >> ${shift}::int
		group by 1 order by 1
	`.execute(db);
	return result.rows;
}

function encodeCursor(steps: Record<string, number>): string {
	return Buffer.from(JSON.stringify(steps)).toString('base64url');
}

function decodeCursor(cursor: string): Record<string, number> {
	try {
		const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
		if (
			typeof parsed === 'object' &&
			parsed !== null &&
			!Array.isArray(parsed) &&
			Object.values(parsed).every((step) => Number.isSafeInteger(step))
		) {
			return parsed as Record<string, number>;
		}
	} catch {
		// fall through to the 400 below
	}
	throw validationError('Invalid query parameters', { after: ['is not a cursor returned by this endpoint'] });
}
