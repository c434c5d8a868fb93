/**
 * CSV export of an experiment's metric points, streamed in chunks from a database cursor so
 * memory stays flat for millions of rows. RFC 4180: CRLF line ends, quotes only where needed.
 */
import { sql } from 'kysely';
import type { Db } from '../db.ts';

const CHUNK_ROWS = 5_000;

export function csvField(value: string | number | null): string {
	if (value === null) return '';
	const text = String(value);
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvRow = (fields: Array<string | number | null>) => fields.map(csvField).join(',') + '\r\n';

/** `name,step,value,logged_at`, one row per point, by metric name then step. */
export async function* exportLong(db: Db, experimentId: string): AsyncGenerator<string> {
	yield csvRow(['name', 'step', 'value', 'logged_at']);
	const series = await seriesOf(db, experimentId);
	for (const { id, name } of series) {
		const rows = db
			.selectFrom('metric_points')
			.select(['step', 'value', 'logged_at'])
			.where('series_id', '=', id)
			.orderBy('step')
			.orderBy('logged_at')
			.stream(CHUNK_ROWS);
		let chunk = '';
		let count = 0;
		for await (const row of rows) {
			chunk += csvRow([name, row.step, row.value, row.logged_at.toISOString()]);
			if (++count % CHUNK_ROWS === 0) {
				yield chunk;
				chunk = '';
			}
		}
		if (chunk) yield chunk;
	}
}

/**
 * `step,<metric>,<metric>...`, one row per step; a metric with several points at one step shows
 * the one ingested last, and a metric with none shows an empty field.
 */
export async function* exportWide(db: Db, experimentId: string): AsyncGenerator<string> {
	const series = await seriesOf(db, experimentId);
	yield csvRow(['step', ...series.map((s) => s.name)]);
	if (series.length === 0) return;
	const column = new Map(series.map((s, i) => [s.id, i]));
	const rows = sql<{ step: number; series_id: number; value: number }>`
		select step, series_id, value from metric_points
		where series_id in (${sql.join(series.map((s) => s.id))})
		order by step, series_id, logged_at
	`;
	const stream = db.getExecutor().stream(rows.compile(db), CHUNK_ROWS);
	let step: number | undefined;
	let values: Array<number | null> = [];
	let chunk = '';
	let count = 0;
	for await (const result of stream) {
		for (const row of result.rows) {
			if (row.step !== step) {
				if (step !== undefined) chunk += csvRow([step, ...values]);
				step = row.step;
				values = new Array(series.length).fill(null);
				if (++count % CHUNK_ROWS === 0) {
					yield chunk;
					chunk = '';
				}
			}
			values[column.get(row.series_id)!] = row.value;
		}
	}
	if (step !== undefined) chunk += csvRow([step, ...values]);
	if (chunk) yield chunk;
}

async function seriesOf(db: Db, experimentId: string) {
	return db
		.selectFrom('metric_series')
		.select(['id', 'name'])
		.where('experiment_id', '=', experimentId)
		.orderBy('name')
		.execute();
}

/** A file name that is safe in any header and file system, from the experiment's name. */
export function exportFileName(experimentName: string, format: string): string {
	const base = experimentName
		.normalize('NFKD')
		.replace(/[^A-Za-z0-9._-]+/g, '_')
		.replace(/^[._]+|_+$/g, '')
		.slice(0, 80);
	return `${base || 'experiment'}-${format}.csv`;
}
