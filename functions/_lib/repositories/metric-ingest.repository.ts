/**
 * Storing log entries: metric points with their series summaries and rollups, and results.
 *
 * Idempotency without a random-UUID index: a point's key is (series, step, msg_id), which grows
 * with the step like the rest of the table, so re-sent entries (same metric, step and msg_id) hit
 * the key and are skipped. Entries without a step get the series' next step on the server; their
 * msg_ids are remembered (metric_auto_step_messages) so a retry finds the step it got before.
 * Points, summaries and rollups are written by one statement per batch, set-wise.
 */
import { sql, type Transaction } from 'kysely';
import type { LogEntry } from '../contracts/logs.ts';
import type { Db } from '../db.ts';
import type { Database } from '../db-types.ts';

type Tx = Transaction<Database>;

export interface IngestResult {
	received: number;
	stored: number;
	duplicates: number;
}

export async function ingestLogs(db: Db, experimentId: string, entries: LogEntry[]): Promise<IngestResult> {
	// The first occurrence of a msg_id in a batch wins; later ones are duplicates like any retry.
	const seen = new Set<string>();
	const unique = entries.filter((entry) => !seen.has(entry.msg_id) && seen.add(entry.msg_id));
	const results = unique.filter((entry) => entry.metadata?.type === 'result');
	const points = unique.filter((entry) => entry.metadata?.type !== 'result');
	const stored = await db.transaction().execute(async (tx) => {
		const storedPoints = points.length ? await storePoints(tx, experimentId, points) : 0;
		const storedResults = results.length ? await storeResults(tx, experimentId, results) : 0;
		return storedPoints + storedResults;
	});
	return { received: entries.length, stored, duplicates: entries.length - stored };
}

interface PointRow {
	s: number;
	p: number;
	m: string;
	v: number;
	d: Record<string, unknown> | null;
}

async function storePoints(tx: Tx, experimentId: string, entries: LogEntry[]): Promise<number> {
	const names = [...new Set(entries.map((entry) => entry.name))];
	const seriesIds = await ensureSeries(tx, experimentId, names);
	const autoSteps = entries.some((entry) => entry.step == null)
		? await assignAutoSteps(tx, entries, seriesIds)
		: new Map<string, number>();
	const rows: PointRow[] = [];
	for (const entry of entries) {
		const step = entry.step ?? autoSteps.get(entry.msg_id);
		if (step === undefined) continue; // an auto-step entry seen before: a retry
		rows.push({
			s: seriesIds.get(entry.name)!,
			p: step,
			m: entry.msg_id,
			v: entry.value,
			d: extraMetadata(entry)
		});
	}
	if (rows.length === 0) return 0;
	const result = await sql<{ stored: number }>`
		with input as (
			select * from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb)
				as t(s bigint, p bigint, m uuid, v double precision, d jsonb)
		),
		inserted as (
			insert into metric_points (series_id, step, msg_id, value, metadata)
			select s, p, m, v, d from input
			on conflict do nothing
			returning series_id, step, msg_id, value, logged_at
		),
		per_series as (
			select series_id, count(*) as n, min(value) as low, max(value) as high,
				min(step) as first_step, max(step) as last_step,
				(array_agg(value order by step desc, msg_id desc))[1] as last_value,
				min(logged_at) as first_at, max(logged_at) as last_at
			from inserted group by series_id
		),
		summaries as (
			update metric_series m set
				point_count = m.point_count + p.n,
				min_value = least(m.min_value, p.low),
				max_value = greatest(m.max_value, p.high),
				first_step = least(m.first_step, p.first_step),
				last_value = case when m.last_step is null or p.last_step >= m.last_step then p.last_value else m.last_value end,
				last_step = greatest(m.last_step, p.last_step),
				first_logged_at = coalesce(m.first_logged_at, p.first_at),
				last_logged_at = p.last_at
			from per_series p
			where m.id = p.series_id
			returning 1
		),
		rollups as (
			insert into metric_rollups as r
				(series_id, level, bucket, point_count, min_value, max_value, last_step, last_value, last_logged_at)
			select i.series_id, l.level, i.step >> (4 * l.level), count(*), min(i.value), max(i.value), max(i.step),
				(array_agg(i.value order by i.step desc, i.msg_id desc))[1], max(i.logged_at)
			from inserted i cross join generate_series(1, 6) as l(level)
			group by 1, 2, 3
			on conflict (series_id, level, bucket) do update set
				point_count = r.point_count + excluded.point_count,
				min_value = least(r.min_value, excluded.min_value),
				max_value = greatest(r.max_value, excluded.max_value),
				last_value = case when excluded.last_step >= r.last_step then excluded.last_value else r.last_value end,
				last_step = greatest(r.last_step, excluded.last_step),
				last_logged_at = greatest(r.last_logged_at, excluded.last_logged_at)
			returning 1
		)
		select (select count(*) from inserted)::int as stored,
			(select count(*) from summaries)::int as summaries,
			(select count(*) from rollups)::int as rollups
	`.execute(tx);
	return result.rows[0].stored;
}

/** Metadata worth keeping per point: anything beyond the entry type. */
function extraMetadata(entry: LogEntry): Record<string, unknown> | null {
	if (!entry.metadata) return null;
	const { type: _type, ...rest } = entry.metadata;
	return Object.keys(rest).length ? rest : null;
}

async function ensureSeries(tx: Tx, experimentId: string, names: string[]): Promise<Map<string, number>> {
	await tx
		.insertInto('metric_series')
		.values(names.map((name) => ({ experiment_id: experimentId, name })))
		.onConflict((oc) => oc.columns(['experiment_id', 'name']).doNothing())
		.execute();
	const rows = await tx
		.selectFrom('metric_series')
		.select(['id', 'name'])
		.where('experiment_id', '=', experimentId)
		.where('name', 'in', names)
		.execute();
	return new Map(rows.map((row) => [row.name, row.id]));
}

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
		next.set(id, step + 1);
		assigned.set(entry.msg_id, step);
		records.push({ series_id: id, msg_id: entry.msg_id, step });
	}
	if (records.length) await tx.insertInto('metric_auto_step_messages').values(records).execute();
	return assigned;
}

/**
 * Results: every entry is recorded once by msg_id (a retry, even of an older value, changes
 * nothing); the newest new entry per name becomes the result's value.
 */
async function storeResults(tx: Tx, experimentId: string, entries: LogEntry[]): Promise<number> {
	const rows = entries.map((entry, order) => ({ n: entry.name, m: entry.msg_id, v: entry.value, o: order }));
	const result = await sql<{ stored: number }>`
		with input as (
			select * from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as t(n text, m uuid, v double precision, o int)
		),
		fresh as (
			insert into result_messages (experiment_id, msg_id, name, value)
			select ${experimentId}::uuid, m, n, v from input
			on conflict do nothing
			returning msg_id
		),
		latest as (
			select distinct on (i.n) i.n, i.v, i.m from input i join fresh f on f.msg_id = i.m order by i.n, i.o desc
		),
		applied as (
			insert into results as r (experiment_id, name, value, msg_id)
			select ${experimentId}::uuid, n, v, m from latest
			on conflict (experiment_id, name) do update set value = excluded.value, msg_id = excluded.msg_id, logged_at = now()
			returning 1
		)
		select (select count(*) from fresh)::int as stored, (select count(*) from applied)::int as applied
	`.execute(tx);
	return result.rows[0].stored;
}
