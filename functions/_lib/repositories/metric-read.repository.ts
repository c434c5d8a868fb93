/**
 * Reading metric series: raw points when a series is short enough, otherwise deterministic buckets
 * over aligned step ranges, merged from the ingest-time rollups (metric_rollups) so the cost
 * depends on the number of buckets, not on the length of the series.
 *
 * A read is one page of an experiment's series (by name) and a fixed number of statements
 * whatever the page holds: the summaries, then at most one statement per kind of data (raw
 * points, buckets from points, buckets from rollups), each covering every series of that kind.
 */
import { sql } from 'kysely';
import type { BucketedSeries, RawSeries, SeriesQuery, SeriesRead } from '../contracts/logs.ts';
import type { Db } from '../db.ts';
import { toMetricSummary, type MetricSummaryRow } from './metric-summary.ts';

/** Rollup level L aggregates 16^L steps; levels 1..6 are maintained on ingest. */
const LEVEL_BITS = 4;
const MAX_LEVEL = 6;
/** Points returned per series by one live-polling read; the next poll continues from there. */
const POLL_LIMIT = 10_000;

interface SeriesSummary extends MetricSummaryRow {
	id: number;
}

/** What to read for one series of the page. */
type Plan =
	| { kind: 'none' }
	| { kind: 'raw'; low: number; high: number }
	| { kind: 'points'; start: number; end: number; width: number }
	| { kind: 'rollups'; start: number; end: number; width: number; level: number };

interface PointRow {
	/** The series' position in the page (1-based). */
	i: number;
	step: number;
	value: number;
	time: number;
}

interface BucketRow {
	i: number;
	bucket: number;
	count: number;
	min: number;
	max: number;
	last: number;
	last_step: number;
	time: number;
}

/** `unknown-cursor`: `after` is not a cursor this endpoint returned (nothing was read). */
export type SeriesReadOutcome = { kind: 'read'; read: SeriesRead } | { kind: 'unknown-cursor' };

export async function readSeries(
	db: Db,
	experimentId: string,
	query: SeriesQuery
): Promise<SeriesReadOutcome> {
	const after = query.after === undefined ? undefined : decodeCursor(query.after);
	if (after === null) return { kind: 'unknown-cursor' };
	const { summaries, seriesCount } = await readSummaries(db, experimentId, query);
	const page = summaries.slice(0, query.limit);
	const series = after ? await readNewPoints(db, page, after) : await readPlanned(db, page, query);

	// Entries of the cursor read for series outside this page stay in it: a client may poll
	// different subsets (pages, names) with one cursor.
	const cursor = new Map(after?.bySeries);
	for (const [i, summary] of page.entries()) {
		const read = series[i];
		const lastReturned = read.resolution === 'raw' ? read.steps.at(-1) : summary.last_step;
		if (lastReturned !== undefined && lastReturned !== null) cursor.set(summary.id, lastReturned);
	}
	return {
		kind: 'read',
		read: {
			series,
			cursor: encodeCursor(cursor),
			next_start_after: summaries.length > query.limit ? page.at(-1)!.name : null,
			series_count: seriesCount
		}
	};
}

/** One page of summaries (one more than the page, to know whether another follows) and the total. */
async function readSummaries(db: Db, experimentId: string, query: SeriesQuery) {
	const named = query.names.length ? sql`and name = any(${textArray(query.names)}::text::text[])` : sql``;
	const from = query.start_after === undefined ? sql`` : sql`and name > ${query.start_after}`;
	const result = await sql<SeriesSummary & { series_count: number }>`
		select total.series_count, s.*
		from (select metric_count as series_count from experiments where id = ${experimentId}) total
		left join lateral (
			select id, name, point_count, first_step, last_step, min_value, max_value, last_value, first_value
			from metric_series
			where experiment_id = ${experimentId} ${named} ${from}
			order by name
			limit ${query.limit + 1}
		) s on true
	`.execute(db);
	const seriesCount = result.rows[0]?.series_count ?? 0;
	const summaries: SeriesSummary[] = result.rows
		.filter((row) => row.id !== null)
		.map(({ series_count: _total, ...summary }) => summary);
	return { summaries, seriesCount };
}

function plan(summary: SeriesSummary, query: SeriesQuery): Plan {
	if (summary.first_step === null || summary.last_step === null) return { kind: 'none' };
	const low = Math.max(query.from ?? summary.first_step, summary.first_step);
	const high = Math.min(query.to ?? summary.last_step, summary.last_step);
	if (low > high) return { kind: 'none' };
	if (summary.point_count <= query.buckets) return { kind: 'raw', low, high };

	// The smallest power-of-two width that covers [low, high] in at most `buckets` aligned buckets.
	let width = 1;
	while (Math.floor(high / width) - Math.floor(low / width) + 1 > query.buckets) width *= 2;
	if (width === 1) return { kind: 'raw', low, high };
	const start = Math.floor(low / width) * width;
	const end = (Math.floor(high / width) + 1) * width - 1;
	const level = Math.min(MAX_LEVEL, Math.floor(Math.log2(width) / LEVEL_BITS));
	return level === 0 ? { kind: 'points', start, end, width } : { kind: 'rollups', start, end, width, level };
}

/** Every series of the page at chart resolution: one statement per kind of data needed. */
async function readPlanned(
	db: Db,
	page: SeriesSummary[],
	query: SeriesQuery
): Promise<Array<RawSeries | BucketedSeries>> {
	const plans = page.map((summary) => plan(summary, query));
	const raws: Array<{ i: number; low: number; high: number }> = [];
	const fine: Array<{ i: number; start: number; end: number; width: number }> = [];
	const coarse: Array<{ i: number; start: number; end: number; width: number; level: number }> = [];
	plans.forEach((p, index) => {
		// Positions are 1-based, as SQL's are.
		if (p.kind === 'raw') raws.push({ i: index + 1, ...p });
		else if (p.kind === 'points') fine.push({ i: index + 1, ...p });
		else if (p.kind === 'rollups') coarse.push({ i: index + 1, ...p });
	});
	const [points, pointBuckets, rollupBuckets] = await Promise.all([
		raws.length ? rawPoints(db, page, raws) : [],
		fine.length ? bucketsFromPoints(db, page, fine) : [],
		coarse.length ? bucketsFromRollups(db, page, coarse) : []
	]);
	const pointsAt = byPosition(points);
	const bucketsAt = byPosition([...pointBuckets, ...rollupBuckets]);
	return page.map((summary, index) => {
		const p = plans[index];
		if (p.kind === 'none' || p.kind === 'raw') return raw(summary, pointsAt.get(index + 1) ?? []);
		const rows = bucketsAt.get(index + 1) ?? [];
		return {
			...toMetricSummary(summary),
			resolution: 'buckets',
			bucket_width: p.width,
			starts: rows.map((row) => row.bucket * p.width),
			counts: rows.map((row) => row.count),
			mins: rows.map((row) => row.min),
			maxs: rows.map((row) => row.max),
			lasts: rows.map((row) => row.last),
			last_steps: rows.map((row) => row.last_step),
			times: rows.map((row) => row.time)
		};
	});
}

/** Rows (ordered by position, then step or bucket) grouped by the series' position. */
function byPosition<R extends { i: number }>(rows: R[]): Map<number, R[]> {
	const groups = new Map<number, R[]>();
	for (const row of rows) {
		const group = groups.get(row.i);
		if (group) group.push(row);
		else groups.set(row.i, [row]);
	}
	return groups;
}

function raw(summary: SeriesSummary, points: PointRow[]): RawSeries {
	return {
		...toMetricSummary(summary),
		resolution: 'raw',
		steps: points.map((point) => point.step),
		values: points.map((point) => point.value),
		times: points.map((point) => point.time)
	};
}

/** `{1,2,3}`: a Postgres array literal of integers, sent as one text parameter. */
const intArray = (values: number[]) => `{${values.join(',')}}`;

/** Metric names may be "null" (which unquoted means NULL) but never hold quotes or backslashes. */
const textArray = (values: string[]) => `{${values.map((value) => `"${value}"`).join(',')}}`;

async function rawPoints(
	db: Db,
	page: SeriesSummary[],
	reads: Array<{ i: number; low: number; high: number }>
): Promise<PointRow[]> {
	const result = await sql<PointRow>`
		select t.i::int as i, p.step, p.value, (extract(epoch from p.logged_at) * 1000)::float8 as time
		from unnest(
			${intArray(reads.map((read) => read.i))}::text::int[],
			${intArray(reads.map((read) => page[read.i - 1].id))}::text::bigint[],
			${intArray(reads.map((read) => read.low))}::text::bigint[],
			${intArray(reads.map((read) => read.high))}::text::bigint[]
		) as t(i, id, low, high)
		cross join lateral (
			select step, value, logged_at, msg_id from metric_points
			where series_id = t.id and step between t.low and t.high
		) p
		order by t.i, p.step, p.logged_at, p.msg_id
	`.execute(db);
	return result.rows;
}

/** Live polling: each series' points past the cursor's step for it (all of them for new series). */
async function readNewPoints(db: Db, page: SeriesSummary[], after: Cursor): Promise<RawSeries[]> {
	if (page.length === 0) return [];
	const afterSteps = page.map(
		(summary) => after.bySeries.get(summary.id) ?? after.byName?.get(summary.name) ?? -1
	);
	const result = await sql<PointRow>`
		select t.i::int as i, p.step, p.value, (extract(epoch from p.logged_at) * 1000)::float8 as time
		from unnest(
			${intArray(page.map((summary) => summary.id))}::text::bigint[],
			${intArray(afterSteps)}::text::bigint[]
		) with ordinality as t(id, after_step, i)
		cross join lateral (
			select step, value, logged_at, msg_id from metric_points
			where series_id = t.id and step > t.after_step
			order by step, logged_at, msg_id
			limit ${POLL_LIMIT}
		) p
		order by t.i, p.step, p.logged_at, p.msg_id
	`.execute(db);
	const pointsAt = byPosition(result.rows);
	return page.map((summary, index) => raw(summary, pointsAt.get(index + 1) ?? []));
}

/** Widths 2, 4 and 8 sit below the finest rollup: aggregate the (at most 16 × buckets) points. */
async function bucketsFromPoints(
	db: Db,
	page: SeriesSummary[],
	reads: Array<{ i: number; start: number; end: number; width: number }>
): Promise<BucketRow[]> {
	const result = await sql<BucketRow>`
		select t.i::int as i, p.step / t.width as bucket, count(*)::int as count, min(p.value) as min,
			max(p.value) as max,
			(array_agg(p.value order by p.step desc, p.logged_at desc, p.msg_id desc))[1] as last,
			max(p.step) as last_step, (extract(epoch from max(p.logged_at)) * 1000)::float8 as time
		from unnest(
			${intArray(reads.map((read) => read.i))}::text::int[],
			${intArray(reads.map((read) => page[read.i - 1].id))}::text::bigint[],
			${intArray(reads.map((read) => read.start))}::text::bigint[],
			${intArray(reads.map((read) => read.end))}::text::bigint[],
			${intArray(reads.map((read) => read.width))}::text::bigint[]
		) as t(i, id, start_step, end_step, width)
		cross join lateral (
			select step, value, logged_at, msg_id from metric_points
			where series_id = t.id and step between t.start_step and t.end_step
		) p
		group by t.i, p.step / t.width
		order by 1, 2
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
	page: SeriesSummary[],
	reads: Array<{ i: number; start: number; end: number; width: number; level: number }>
): Promise<BucketRow[]> {
	const result = await sql<BucketRow>`
		select t.i::int as i, (r.bucket << t.shift) / t.width as bucket, sum(r.point_count)::bigint as count,
			min(r.min_value) as min, max(r.max_value) as max,
			(max(array[r.last_step::float8, r.last_value]))[2] as last, max(r.last_step) as last_step,
			(extract(epoch from max(r.last_logged_at)) * 1000)::float8 as time
		from unnest(
			${intArray(reads.map((read) => read.i))}::text::int[],
			${intArray(reads.map((read) => page[read.i - 1].id))}::text::bigint[],
			${intArray(reads.map((read) => read.start))}::text::bigint[],
			${intArray(reads.map((read) => read.end))}::text::bigint[],
			${intArray(reads.map((read) => read.width))}::text::bigint[],
			${intArray(reads.map((read) => read.level))}::text::int[],
			${intArray(reads.map((read) => LEVEL_BITS * read.level))}::text::int[]
		) as t(i, id, start_step, end_step, width, level, shift)
		cross join lateral (
			select bucket, point_count, min_value, max_value, last_step, last_value, last_logged_at
			from metric_rollups
			where series_id = t.id and level = t.level
				and bucket between t.start_step >> t.shift and t.end_step >> t.shift
		) r
		group by t.i, (r.bucket << t.shift) / t.width
		order by 1, 2
	`.execute(db);
	return result.rows;
}

/**
 * Where live polling resumes: the last step returned per series, by series id (a number is
 * shorter than a name, so a page's cursor fits a URL). Cursors issued before were keyed by
 * metric name; they are still read (`byName`), as a `Map`, so no name is special.
 */
interface Cursor {
	bySeries: Map<number, number>;
	byName?: Map<string, number>;
}

function encodeCursor(steps: Map<number, number>): string {
	return Buffer.from(JSON.stringify([...steps])).toString('base64url');
}

const isPair = (entry: unknown): entry is [number, number] =>
	Array.isArray(entry) &&
	entry.length === 2 &&
	Number.isSafeInteger(entry[0]) &&
	Number.isSafeInteger(entry[1]);

/** `null` when `cursor` is not one `encodeCursor` (or an older version of it) made. */
function decodeCursor(cursor: string): Cursor | null {
	let parsed: unknown;
	try {
		parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
	} catch {
		parsed = undefined;
	}
	if (Array.isArray(parsed) && parsed.every(isPair)) return { bySeries: new Map(parsed) };
	if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
		// Object.entries lists own keys only: "__proto__" or "constructor" are names like any other.
		const entries = Object.entries(parsed);
		if (entries.every(([, step]) => Number.isSafeInteger(step))) {
			return { bySeries: new Map(), byName: new Map(entries as Array<[string, number]>) };
		}
	}
	return null;
}
