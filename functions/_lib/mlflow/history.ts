/**
 * metrics/get-history and metrics/get-history-bulk-interval: a metric's points as MLflow returns
 * them ({key, value, timestamp, step}). Several values at one step are all kept (Tora's points are
 * keyed by (series, step, msg_id)) and come back ordered by step, then timestamp, then msg_id, so
 * pages never overlap. Timestamps are the client's (kept in the point's metadata); points logged
 * through Tora's own API read with the time Tora stored them.
 */
import { sql } from 'kysely';
import type { Principal } from '../auth.ts';
import type { Db } from '../db.ts';
import { decodePageToken, encodePageToken } from './contracts.ts';
import { invalidParameter } from './errors.ts';
import { loadRun, timestampOf, type MlflowMetric } from './runs.ts';

interface PointRow {
	step: number;
	value: number;
	ts: number;
}

const toMetric = (key: string, row: PointRow): MlflowMetric => ({
	key,
	value: row.value,
	timestamp: Number(row.ts),
	step: Number(row.step)
});

export async function metricHistory(
	db: Db,
	principal: Principal,
	input: { runId: string; key: string; maxResults: number; pageToken?: string }
): Promise<{ metrics: MlflowMetric[]; next_page_token?: string }> {
	const { row } = await loadRun(db, principal, input.runId, 'viewer');
	const offset = decodePageToken(input.pageToken);
	if (offset === undefined) throw invalidParameter('Invalid page_token.');
	const { rows } = await sql<PointRow>`
		select p.step, p.value, ${timestampOf('p')} as ts
		from metric_series s
		join metric_points p on p.series_id = s.id
		where s.experiment_id = ${row.id}::uuid and s.name = ${input.key}
		order by p.step, ts, p.msg_id
		offset ${offset} limit ${input.maxResults + 1}
	`.execute(db);
	const page = rows.slice(0, input.maxResults);
	return {
		metrics: page.map((point) => toMetric(input.key, point)),
		...(rows.length > input.maxResults ? { next_page_token: encodePageToken(offset + input.maxResults) } : {})
	};
}

/**
 * Up to `maxResults` points per run within [startStep, endStep], evenly spaced over the points,
 * always with the first and the last (what MLflow's UI charts read). This reads every point of the
 * range once per run; runs are at most 100.
 */
export async function historyBulkInterval(
	db: Db,
	principal: Principal,
	input: { runIds: string[]; key: string; startStep?: number; endStep?: number; maxResults: number }
): Promise<{ metrics: (MlflowMetric & { run_id: string })[] }> {
	if (input.startStep !== undefined && input.endStep !== undefined && input.startStep > input.endStep) {
		throw invalidParameter('end_step must be greater than or equal to start_step.');
	}
	const runs = await Promise.all(
		[...new Set(input.runIds)].map((id) => loadRun(db, principal, id, 'viewer'))
	);
	const metrics: (MlflowMetric & { run_id: string })[] = [];
	for (const { row } of runs) {
		const { rows } = await sql<PointRow & { n: number; i: number }>`
			with points as (
				select p.step, p.value, ${timestampOf('p')} as ts,
					row_number() over (order by p.step, p.logged_at, p.msg_id) - 1 as i,
					count(*) over () as n
				from metric_series s
				join metric_points p on p.series_id = s.id
				where s.experiment_id = ${row.id}::uuid and s.name = ${input.key}
					and p.step >= ${input.startStep ?? 0} and p.step <= ${input.endStep ?? Number.MAX_SAFE_INTEGER}
			)
			select step, value, ts, i, n from points
			where n <= ${input.maxResults}
				or i = n - 1
				or (i * ${input.maxResults - 1}) / greatest(n - 1, 1) <> ((i - 1) * ${input.maxResults - 1}) / greatest(n - 1, 1)
				or i = 0
			order by i
		`.execute(db);
		for (const point of rows) metrics.push({ ...toMetric(input.key, point), run_id: row.id });
	}
	return { metrics };
}
