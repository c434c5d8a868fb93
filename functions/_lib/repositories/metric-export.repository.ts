/**
 * CSV export of an experiment's metric points. Postgres writes the CSV itself (`COPY ... TO
 * STDOUT`, RFC 4180 quoting) and the bytes stream through to the response with backpressure, so
 * a million points cost about what COPY costs and memory stays flat. COPY ends lines with LF;
 * no field can hold a line break (metric names are restricted, the rest are numbers and times),
 * so every LF is a line end and becomes CRLF on the way.
 */
import type { Readable } from 'node:stream';
import type { Sql } from '../db.ts';

/** The same instant format as JavaScript's toISOString, for every row. */
const ISO_TIME = `to_char(logged_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

function csvField(value: string | number | null): string {
	if (value === null) return '';
	const text = String(value);
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvRow = (fields: Array<string | number | null>) =>
	Buffer.from(fields.map(csvField).join(',') + '\r\n');

/** A SQL string literal. Metric names are `[A-Za-z0-9_./-]` (a table constraint); quotes doubled anyway. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

interface Series {
	id: number;
	name: string;
}

/**
 * A connection of its own for the export: postgres.js would otherwise pipeline other requests'
 * queries onto a connection that is busy with COPY, and those fail (COPY_IN_PROGRESS).
 */
async function* reserved(
	sql: Sql,
	exportRows: (connection: Sql) => AsyncGenerator<Buffer>
): AsyncGenerator<Buffer> {
	const connection = await sql.reserve();
	try {
		yield* exportRows(connection);
	} finally {
		connection.release();
	}
}

/** `name,step,value,logged_at`, one row per point, by metric name then step. */
export async function* exportLong(sql: Sql, experimentId: string): AsyncGenerator<Buffer> {
	yield csvRow(['name', 'step', 'value', 'logged_at']);
	yield* reserved(sql, async function* (connection) {
		for (const { id, name } of await seriesOf(connection, experimentId)) {
			// One statement per series reads its key in order: no sort over the experiment's points.
			yield* copyOut(
				connection,
				`select ${literal(name)}, step, value, ${ISO_TIME} from metric_points
				where series_id = ${id} order by step, logged_at`
			);
		}
	});
}

/**
 * `step,<metric>,<metric>...`, one row per step; a metric with several points at one step shows
 * the one ingested last, and a metric with none shows an empty field (COPY writes null as empty).
 */
export async function* exportWide(sql: Sql, experimentId: string): AsyncGenerator<Buffer> {
	const series = await seriesOf(sql, experimentId);
	yield csvRow(['step', ...series.map((s) => s.name)]);
	if (series.length === 0) return;
	const ids = series.map((s) => s.id).join(',');
	const columns = series.map((s) => `max(value) filter (where series_id = ${s.id})`).join(', ');
	yield* reserved(sql, (connection) =>
		copyOut(
			connection,
			`with latest as (
				select distinct on (series_id, step) series_id, step, value from metric_points
				where series_id in (${ids})
				order by series_id, step, logged_at desc, msg_id desc
			)
			select step, ${columns} from latest group by step order by step`
		)
	);
}

/**
 * The rows of `query` as CSV with CRLF line ends. COPY takes no parameters, so callers build the
 * query from values they control (ids from the database, checked names). If the consumer stops
 * early (the client went away), the rest is drained, so the connection is released in a usable
 * state instead of staying paused mid-COPY.
 */
async function* copyOut(sql: Sql, query: string): AsyncGenerator<Buffer> {
	const stream = await sql.unsafe(`copy (${query}) to stdout with (format csv)`).readable();
	let finished = false;
	try {
		for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield withCrlf(chunk as Buffer);
		finished = true;
	} finally {
		if (!finished && !stream.destroyed) {
			// The rest is read and dropped (a reserved connection cannot cancel its own query).
			const closed = new Promise((resolve) => stream.once('close', resolve));
			stream.on('error', () => {}).resume();
			await closed;
		}
		resumeConnection(stream);
	}
}

/**
 * postgres.js pauses the connection's socket whenever the COPY stream's buffer is full and
 * resumes it from the stream's `_read`. If the buffer was full when the data ended, `_read` is
 * never called again and the connection waits forever for its final messages (postgres.js
 * 3.4.x): one more call resumes it. Harmless when the socket is not paused.
 */
function resumeConnection(stream: Readable): void {
	stream._read(0);
}

function withCrlf(chunk: Buffer): Buffer {
	let lines = 0;
	for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
	const out = Buffer.allocUnsafe(chunk.length + lines);
	let from = 0;
	let to = 0;
	for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) {
		to += chunk.copy(out, to, from, at);
		out[to++] = 13;
		out[to++] = 10;
		from = at + 1;
	}
	chunk.copy(out, to, from);
	return out;
}

async function seriesOf(sql: Sql, experimentId: string): Promise<Series[]> {
	return sql<
		Series[]
	>`select id, name from metric_series where experiment_id = ${experimentId} order by name`;
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
