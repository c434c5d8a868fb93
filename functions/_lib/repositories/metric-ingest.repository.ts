/**
 * Storing log entries: metric points with their series summaries and rollups, and results.
 *
 * Idempotency without a random-UUID index: a point's key is (series, step, msg_id). A retried
 * entry carries the same metric, step and msg_id as the stored one, so the key finds it; and
 * because steps grow, the key is inserted at the right edge of each series like any
 * "(series, step)" key would be: a random v4 msg_id only orders points within one step.
 * Entries without a step get the series' next step on the server; their msg_ids are remembered
 * (metric_auto_step_messages) so a retry finds the step it got before.
 *
 * The common batch (explicit steps, existing series) is one read of the series ids and one
 * statement that stores points, rollups and summaries set-wise. Batches that also create series,
 * assign steps, or mix points and results run in one transaction, so a batch is stored whole or not at all.
 * Creating series is where the per-experiment series limit is checked.
 *
 * Point times: an entry's `timestamp` (ms since the epoch; an importer's or an MLflow client's
 * time) becomes its `logged_at`, and the rollups' and summaries' times follow the points' times
 * (min and max, not the time of the request). Batches without one run the statement as it always
 * was, where every row gets the statement's now().
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { MAX_SERIES_PER_EXPERIMENT, type LogEntry } from '../contracts/logs.ts';
import type { Db } from '../db.ts';
import type { Database } from '../db-types.ts';

type Executor = Kysely<Database>;
type Tx = Transaction<Database>;

export interface IngestResult {
	received: number;
	stored: number;
	duplicates: number;
}

/** Why a batch was refused whole (nothing of it is stored). */
export type IngestRefusal =
	/** It would take the experiment past MAX_SERIES_PER_EXPERIMENT series. */
	| { refused: 'series-limit'; seriesCount: number; newSeries: number }
	/** An entry without a step, in a series whose last step is already the largest allowed. */
	| { refused: 'steps-exhausted'; name: string };

/**
 * Thrown inside the transaction so that it rolls back, and turned back into the outcome by
 * `ingestLogs`: callers only ever see it returned.
 */
class IngestRefused extends Error {
	constructor(readonly refusal: IngestRefusal) {
		super(refusal.refused);
	}
}

export async function ingestLogs(
	db: Db,
	experimentId: string,
	entries: LogEntry[]
): Promise<IngestResult | IngestRefusal> {
	// The first occurrence of a msg_id in a batch wins; later ones are duplicates like any retry.
	const seen = new Set<string>();
	const unique = entries.filter((entry) => !seen.has(entry.msg_id) && seen.add(entry.msg_id));
	const results = unique.filter((entry) => entry.metadata?.type === 'result');
	const points = unique.filter((entry) => entry.metadata?.type !== 'result');
	try {
		const stored = await retryOnDuplicatePoint(() => store(db, experimentId, points, results));
		return { received: entries.length, stored, duplicates: entries.length - stored };
	} catch (error) {
		if (error instanceof IngestRefused) return error.refusal;
		throw error;
	}
}

async function store(db: Db, experimentId: string, points: LogEntry[], results: LogEntry[]): Promise<number> {
	const names = [...new Set(points.map((entry) => entry.name))];
	const known = names.length ? await findSeries(db, experimentId, names) : new Map<string, number>();
	// One write (points of existing series, all with steps; or results alone) needs no transaction.
	const simple =
		known.size === names.length &&
		!(points.length && results.length) &&
		points.every((entry) => entry.step != null);
	if (simple) return (await storePoints(db, points, known)) + (await storeResults(db, experimentId, results));
	return db.transaction().execute(async (tx) => {
		const seriesIds = known.size === names.length ? known : await ensureSeries(tx, experimentId, names);
		return (await storeEntries(tx, points, seriesIds)) + (await storeResults(tx, experimentId, results));
	});
}

/**
 * Points are inserted without ON CONFLICT (speculative insertion doubles the cost of a row), after
 * skipping those already stored. Only a concurrent request storing the same point (a client's
 * retry while its first attempt is still running) can then hit the key: the statement fails
 * whole, and running it again skips what the other request committed.
 */
async function retryOnDuplicatePoint(write: () => Promise<number>): Promise<number> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await write();
		} catch (error) {
			const { code, constraint_name } = error as { code?: string; constraint_name?: string };
			if (attempt === 3 || code !== '23505' || constraint_name !== 'metric_points_pkey') throw error;
		}
	}
}

/** Points of a batch that may hold entries without a step (which need the series locked). */
async function storeEntries(tx: Tx, entries: LogEntry[], seriesIds: Map<string, number>): Promise<number> {
	if (!entries.some((entry) => entry.step == null)) return storePoints(tx, entries, seriesIds);
	const autoSteps = await assignAutoSteps(tx, entries, seriesIds);
	const numbered: LogEntry[] = [];
	for (const entry of entries) {
		const step = entry.step ?? autoSteps.get(entry.msg_id);
		// An auto-step entry without a new step was seen before: a retry.
		if (step !== undefined) numbered.push({ ...entry, step });
	}
	return storePoints(tx, numbered, seriesIds);
}

/**
 * Stores points (every entry has a step) with their rollups and summaries in one statement.
 * Columns travel as Postgres array literals: cheap to build, and no per-row JSON to parse.
 *
 * A stored point can only sit at a step its series has reached, so only entries at or below the
 * series' last step are looked up in the key: the usual batch, all past the last step, costs no
 * lookup at all. (OFFSET 0 keeps that lookup a per-row index probe: otherwise the planner may
 * hash the whole points table to answer it.)
 */
async function storePoints(
	db: Executor,
	entries: LogEntry[],
	seriesIds: Map<string, number>
): Promise<number> {
	if (entries.length === 0) return 0;
	const series = entries.map((entry) => seriesIds.get(entry.name)!);
	const metadata = entries.map(extraMetadata);
	const withMetadata = metadata.some((value) => value !== null);
	const times = entries.some((entry) => entry.timestamp != null) ? pointTimes(entries) : noTimes;
	// Rollups are built bottom-up: level 1 from the new points (one sort of the batch), the coarser
	// levels and the summaries from those few level-1 rows. Distinct level-1 buckets of a series
	// have distinct last steps, so "last" needs no further tie-break above level 1.
	const result = await sql<{ stored: number }>`
		with input as (
			select * from unnest(
				${arrayLiteral(series)}::text::bigint[], ${arrayLiteral(entries.map((entry) => entry.step!))}::text::bigint[],
				${arrayLiteral(entries.map((entry) => entry.msg_id))}::text::uuid[],
				${arrayLiteral(entries.map((entry) => entry.value))}::text::double precision[]${times.input}
			) with ordinality as t(s, p, m, v${times.inputColumn}, i)
		),
		inserted as (
			insert into metric_points (series_id, step, msg_id, value, metadata${times.insertColumn})
			select s, p, m, v, nullif(${withMetadata ? JSON.stringify(metadata) : null}::text::jsonb -> (i::int - 1), 'null')${times.insertValue}
			from input join metric_series on metric_series.id = s
			where p > coalesce(last_step, -1)
				or not exists (select from metric_points x where x.series_id = s and x.step = p and x.msg_id = m offset 0)
			returning series_id, step, msg_id, value${times.insertColumn}
		),
		fine as (
			select series_id, step >> 4 as bucket, count(*) as n, min(value) as low, max(value) as high,
				min(step) as first_step, max(step) as last_step,
				(array_agg(value order by step desc${times.descending}, msg_id desc))[1] as last_value,
				(array_agg(value order by step${times.ascending}, msg_id))[1] as first_value${times.fine}
			from inserted group by series_id, step >> 4
		),
		levels as (
			select series_id, 1 as level, bucket, n, low, high, last_step, last_value${times.levelOne} from fine
			union all
			select series_id, l.level, bucket >> (4 * (l.level - 1)), sum(n), min(low), max(high), max(last_step),
				(array_agg(last_value order by last_step desc))[1]${times.levelUp}
			from fine cross join generate_series(2, 6) as l(level)
			group by 1, 2, 3
		),
		rollups as (
			insert into metric_rollups as r
				(series_id, level, bucket, point_count, min_value, max_value, last_step, last_value, last_logged_at)
			select series_id, level, bucket, n, low, high, last_step, last_value, ${times.rollupTime} from levels
			on conflict (series_id, level, bucket) do update set
				point_count = r.point_count + excluded.point_count,
				min_value = least(r.min_value, excluded.min_value),
				max_value = greatest(r.max_value, excluded.max_value),
				last_value = case when ${times.rollupNewerLast} then excluded.last_value else r.last_value end,
				last_step = greatest(r.last_step, excluded.last_step),
				last_logged_at = greatest(r.last_logged_at, excluded.last_logged_at)
			returning 1
		),
		per_series as (
			select series_id, sum(n) as n, min(low) as low, max(high) as high, min(first_step) as first_step,
				max(last_step) as last_step, (array_agg(last_value order by last_step desc))[1] as last_value,
				(array_agg(first_value order by first_step))[1] as first_value${times.perSeries}
			from fine group by series_id
		),
		summaries as (
			update metric_series m set
				point_count = m.point_count + p.n,
				min_value = least(m.min_value, p.low),
				max_value = greatest(m.max_value, p.high),
				first_value = case when ${times.summaryOlderFirst} then p.first_value else m.first_value end,
				first_step = least(m.first_step, p.first_step),
				last_value = case when ${times.summaryNewerLast} then p.last_value else m.last_value end,
				last_step = greatest(m.last_step, p.last_step),
				${times.summaryTimes}
			from per_series p
			where m.id = p.series_id
			returning 1
		)
		select (select coalesce(sum(n), 0) from per_series)::int as stored,
			(select count(*) from summaries)::int as summaries,
			(select count(*) from rollups)::int as rollups
	`.execute(db);
	return result.rows[0].stored;
}

/** `{1,2,3}`: numbers print exactly (shortest round-trip form) and UUIDs need no quoting. */
const arrayLiteral = (values: Array<number | string>) => `{${values.join(',')}}`;

/**
 * The parts of storePoints' statement that deal with times. Without point times every row of the
 * statement has the same logged_at (now()), so times need no aggregation and "last among equal
 * steps" is the one stored last: the statement is exactly what it was before point times existed.
 */
const noTimes = {
	input: sql``,
	inputColumn: sql``,
	insertColumn: sql``,
	insertValue: sql``,
	descending: sql``,
	ascending: sql``,
	fine: sql``,
	levelOne: sql``,
	levelUp: sql``,
	rollupTime: sql`now()`,
	rollupNewerLast: sql`excluded.last_step >= r.last_step`,
	perSeries: sql``,
	summaryOlderFirst: sql`m.first_step is null or p.first_step < m.first_step`,
	summaryNewerLast: sql`m.last_step is null or p.last_step >= m.last_step`,
	summaryTimes: sql`first_logged_at = coalesce(m.first_logged_at, now()),
				last_logged_at = now()`
};

/**
 * With point times (entries without one get now()): points at one step are ordered by time, then
 * msg_id, as every read orders them; buckets and summaries keep the earliest and latest time. A
 * batch that repeats a bucket's or series' last (first) step replaces its last (first) value when
 * its own times there are not older (newer) than the stored ones: exact when times grow with
 * steps, as a run's do.
 */
function pointTimes(entries: LogEntry[]) {
	const ms = entries.map((entry) => entry.timestamp ?? 'NULL');
	return {
		input: sql`, ${arrayLiteral(ms)}::text::bigint[]`,
		inputColumn: sql`, ms`,
		insertColumn: sql`, logged_at`,
		insertValue: sql`, coalesce(timestamptz 'epoch' + ms * interval '1 millisecond', now())`,
		descending: sql`, logged_at desc`,
		ascending: sql`, logged_at`,
		fine: sql`, min(logged_at) as first_time, max(logged_at) as last_time`,
		levelOne: sql`, last_time`,
		levelUp: sql`, max(last_time)`,
		rollupTime: sql`last_time`,
		rollupNewerLast: sql`excluded.last_step > r.last_step
					or (excluded.last_step = r.last_step and excluded.last_logged_at >= r.last_logged_at)`,
		perSeries: sql`, min(first_time) as first_time, max(last_time) as last_time`,
		summaryOlderFirst: sql`m.first_step is null or p.first_step < m.first_step
					or (p.first_step = m.first_step and p.first_time < m.first_logged_at)`,
		summaryNewerLast: sql`m.last_step is null or p.last_step > m.last_step
					or (p.last_step = m.last_step and p.last_time >= m.last_logged_at)`,
		summaryTimes: sql`first_logged_at = least(m.first_logged_at, p.first_time),
				last_logged_at = greatest(m.last_logged_at, p.last_time)`
	};
}

/** Metadata worth keeping per point: anything beyond the entry type. */
function extraMetadata(entry: LogEntry): Record<string, unknown> | null {
	if (!entry.metadata) return null;
	for (const key in entry.metadata) {
		if (key === 'type') continue;
		const { type: _type, ...rest } = entry.metadata;
		return rest;
	}
	return null;
}

async function findSeries(db: Executor, experimentId: string, names: string[]): Promise<Map<string, number>> {
	const rows = await db
		.selectFrom('metric_series')
		.select(['id', 'name'])
		.where('experiment_id', '=', experimentId)
		.where('name', 'in', names)
		.execute();
	return new Map(rows.map((row) => [row.name, row.id]));
}

async function ensureSeries(tx: Tx, experimentId: string, names: string[]): Promise<Map<string, number>> {
	await checkSeriesLimit(tx, experimentId, names);
	await tx
		.insertInto('metric_series')
		.values(names.map((name) => ({ experiment_id: experimentId, name })))
		.onConflict((oc) => oc.columns(['experiment_id', 'name']).doNothing())
		.execute();
	// A fresh statement sees series a concurrent batch created and committed meanwhile.
	return findSeries(tx, experimentId, names);
}

/**
 * Refuses (throwing, so the transaction stores nothing of the batch) a batch that would take the
 * experiment past MAX_SERIES_PER_EXPERIMENT series. Only batches that create series get here, so
 * the common batch pays nothing; and it reads the experiment's trigger-kept metric_count and
 * probes only the batch's names, so it costs the same for the first series as for the 10,000th.
 * Locking the experiment row makes concurrent creators count one after the other (NO KEY UPDATE:
 * inserts that only check the foreign key are not held up).
 */
async function checkSeriesLimit(tx: Tx, experimentId: string, names: string[]): Promise<void> {
	const result = await sql<{ total: number; existing: number }>`
		select e.metric_count as total,
			(select count(*)::int from metric_series s
				where s.experiment_id = e.id and s.name = any(${nameArray(names)}::text::text[])) as existing
		from experiments e where e.id = ${experimentId}
		for no key update of e
	`.execute(tx);
	// A deleted experiment: the insert that follows fails as it always did.
	if (result.rows.length === 0) return;
	const { total, existing } = result.rows[0];
	const created = names.length - existing;
	if (total + created <= MAX_SERIES_PER_EXPERIMENT) return;
	throw new IngestRefused({ refused: 'series-limit', seriesCount: total, newSeries: created });
}

/** Metric names may be "null" (unquoted in an array literal that means NULL), never hold quotes. */
const nameArray = (names: string[]) => `{${names.map((name) => `"${name}"`).join(',')}}`;

/**
 * Gives entries without a step the next steps of their series (after the stored points and this
 * batch's explicit steps), unless their msg_id already got one: those are retries and left out.
 */
async function assignAutoSteps(
	tx: Tx,
	entries: LogEntry[],
	seriesIds: Map<string, number>
): Promise<Map<string, number>> {
	const pending = entries.filter((entry) => entry.step == null);
	const ids = [...new Set(pending.map((entry) => seriesIds.get(entry.name)!))];
	// Locking the series rows serialises concurrent batches that assign steps in the same series.
	const series = await tx
		.selectFrom('metric_series')
		.select(['id', 'last_step'])
		.where('id', 'in', ids)
		.forUpdate()
		.execute();
	const known = await tx
		.selectFrom('metric_auto_step_messages')
		.select('msg_id')
		.where('series_id', 'in', ids)
		.where(
			'msg_id',
			'in',
			pending.map((entry) => entry.msg_id)
		)
		.execute();
	const retried = new Set(known.map((row) => row.msg_id));
	const next = new Map(series.map((row) => [row.id, (row.last_step ?? -1) + 1]));
	for (const entry of entries) {
		if (entry.step == null) continue;
		const id = seriesIds.get(entry.name)!;
		if (next.has(id)) next.set(id, Math.max(next.get(id)!, entry.step + 1));
	}
	const assigned = new Map<string, number>();
	const records: Array<{ series_id: number; msg_id: string; step: number }> = [];
	for (const entry of pending) {
		if (retried.has(entry.msg_id)) continue;
		const id = seriesIds.get(entry.name)!;
		const step = next.get(id)!;
		// Steps are exact integers only up to 2^53 - 1; a series that got there takes no more.
		if (step > Number.MAX_SAFE_INTEGER)
			throw new IngestRefused({ refused: 'steps-exhausted', name: entry.name });
		next.set(id, step + 1);
		assigned.set(entry.msg_id, step);
		records.push({ series_id: id, msg_id: entry.msg_id, step });
	}
	if (records.length) await tx.insertInto('metric_auto_step_messages').values(records).execute();
	return assigned;
}

/**
 * Results: every entry is recorded once by msg_id (a retry, even of an older value, changes
 * nothing); the newest new entry per name becomes the result's value, logged at its `timestamp`
 * when it has one.
 */
async function storeResults(db: Executor, experimentId: string, entries: LogEntry[]): Promise<number> {
	if (entries.length === 0) return 0;
	const rows = entries.map((entry, order) => ({
		n: entry.name,
		m: entry.msg_id,
		v: entry.value,
		o: order,
		t: entry.timestamp ?? null
	}));
	const result = await sql<{ stored: number }>`
		with input as (
			select * from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as t(n text, m uuid, v double precision, o int, t bigint)
		),
		fresh as (
			insert into result_messages (experiment_id, msg_id, name, value)
			select ${experimentId}::uuid, m, n, v from input
			on conflict do nothing
			returning msg_id
		),
		latest as (
			select distinct on (i.n) i.n, i.v, i.m, i.t from input i join fresh f on f.msg_id = i.m order by i.n, i.o desc
		),
		applied as (
			insert into results as r (experiment_id, name, value, msg_id, logged_at)
			select ${experimentId}::uuid, n, v, m, coalesce(timestamptz 'epoch' + t * interval '1 millisecond', now()) from latest
			on conflict (experiment_id, name) do update set
				value = excluded.value, msg_id = excluded.msg_id, logged_at = excluded.logged_at
			returning 1
		)
		select (select count(*) from fresh)::int as stored, (select count(*) from applied)::int as applied
	`.execute(db);
	return result.rows[0].stored;
}
