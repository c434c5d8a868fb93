/**
 * CSV export of an experiment's metric points, page by page.
 *
 * A page is one short query (about PAGE_POINTS points, whole steps only) in a short transaction,
 * and Postgres writes the page's CSV itself (`string_agg`, the same number formatting as COPY), so
 * a million points cost about what COPY costs and memory stays at a page. Between transactions an
 * export holds no database connection: a client that reads slowly, stalls or hangs up keeps
 * nothing from the pool, and an export that is cancelled (`signal`) stops before its next page.
 * A single COPY or cursor per export would instead keep a connection for as long as the download
 * takes, and the embedded database would serve no one else meanwhile.
 *
 * Every query of an export runs with `statement_timeout` set to what is left of the export's
 * database time (`timeoutMs`), and no page starts once that is spent: a runaway export fails
 * instead of occupying the database. (The embedded PGlite ignores statement_timeout; there the
 * check between pages is what ends it.)
 */
import type postgres from 'postgres';
import { csvLine, csvText } from '../csv.ts';
import type { Sql } from '../db.ts';

/** `TORA_EXPORT_TIMEOUT_MS` when unset: database time one export may use. */
export const DEFAULT_EXPORT_TIMEOUT_MS = 5 * 60_000;
/** Points per page: about 1 MB of CSV, a query of a few tens of milliseconds. */
export const PAGE_POINTS = 20_000;
/** Pages (of short series) one transaction reads at most. */
const PAGES_PER_TRANSACTION = 64;

/** The same instant format as JavaScript's toISOString, for every row. */
const isoTime = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** Above every step (steps are below 2^53). */
const NO_BOUND = '9223372036854775807';

export interface ExportOptions {
	/**
	 * Aborted when the download is cancelled (the client went away): no further page is read, and
	 * the export rejects with the signal's reason.
	 */
	signal: AbortSignal;
	/** Database time the whole export may use, in milliseconds. */
	timeoutMs: number;
}

export class ExportTimeoutError extends Error {
	constructor(limitMs: number, options?: ErrorOptions) {
		super(`the export used up its ${limitMs} ms of database time (TORA_EXPORT_TIMEOUT_MS)`, options);
		this.name = 'ExportTimeoutError';
	}
}

interface Series {
	id: number;
	name: string;
}

/**
 * An export transaction's settings: its statement_timeout ($1, milliseconds), and plain index
 * scans only. Pages walk the primary key (series, step) in order; with stale statistics (right
 * after a bulk load, before autovacuum has analysed the table) the planner may rather read all
 * of a series' remaining points and sort them, on every page, which makes an export quadratic.
 */
const SETTINGS = `select set_config('statement_timeout', $1, true),
	set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`;

/**
 * Runs an export's queries, each in a short transaction whose statement_timeout is the database
 * time the export has left.
 */
class Budget {
	private spentMs = 0;

	constructor(
		private readonly sql: Sql,
		private readonly limitMs: number,
		private readonly signal: AbortSignal
	) {}

	/** The query's result; rejects with the signal's reason once the export is cancelled. */
	async run<T>(query: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
		const leftMs = Math.ceil(this.limitMs - this.spentMs);
		if (leftMs <= 0) throw new ExportTimeoutError(this.limitMs);
		this.signal.throwIfAborted();
		const started = performance.now();
		try {
			return (await this.sql.begin(async (tx) => {
				// Waiting for a connection can take a while when many exports run: by the time
				// one is free, the client may be gone, and then the page is not worth reading.
				this.signal.throwIfAborted();
				await tx.unsafe(SETTINGS, [String(leftMs)]);
				return query(tx);
			})) as T;
		} catch (error) {
			// 57014: query_canceled, which statement_timeout raises (nothing else cancels these).
			if ((error as { code?: unknown }).code === '57014')
				throw new ExportTimeoutError(this.limitMs, { cause: error });
			throw error;
		} finally {
			this.spentMs += performance.now() - started;
		}
	}
}

/** `name,step,value,logged_at`, one row per point, by metric name, then step, then logging time. */
export async function* exportLong(
	sql: Sql,
	experimentId: string,
	options: ExportOptions
): AsyncGenerator<Buffer> {
	yield Buffer.from(csvLine(['name', 'step', 'value', 'logged_at']));
	const budget = new Budget(sql, options.timeoutMs, options.signal);
	const series = await budget.run((tx) => seriesOf(tx, experimentId));
	// Where the export stands: the series it is in, and the last step of it already written.
	let position = 0;
	let after = -1;
	while (position < series.length) {
		// One transaction reads pages until it has about PAGE_POINTS points: a page per long
		// series, short series together (but not so many that the transaction lasts long: on
		// the embedded database, nobody else's statement runs meanwhile).
		const csv = await budget.run(async (tx) => {
			let text = '';
			let points = 0;
			for (let pages = 0; pages < PAGES_PER_TRANSACTION; pages++) {
				const page = await seriesPage(tx, series[position], after);
				text += page.csv ?? '';
				points += page.points;
				// A page before the last always has steps (its bound is one); the check only
				// makes sure the loop moves on.
				if (page.last || page.lastStep === null) [position, after] = [position + 1, -1];
				else after = page.lastStep;
				if (position === series.length || points >= PAGE_POINTS) break;
			}
			return text;
		});
		if (csv) yield Buffer.from(csv);
	}
}

/**
 * `step,<metric>,<metric>...`, one row per step; a metric with several points at one step shows
 * the one logged last, and a metric with none shows an empty field. The rows are pivoted here
 * from a step-ordered stream rather than by a query with a column per metric, so any number of
 * metrics works (Postgres allows 1,664 columns in a select list).
 */
export async function* exportWide(
	sql: Sql,
	experimentId: string,
	options: ExportOptions
): AsyncGenerator<Buffer> {
	const budget = new Budget(sql, options.timeoutMs, options.signal);
	const series = await budget.run((tx) => seriesOf(tx, experimentId));
	yield Buffer.from(csvLine(['step', ...series.map((s) => csvText(s.name))]));
	if (series.length === 0) return;
	const ids = series.map((s) => s.id);
	// Whole steps per page: at most this many steps of each series, so about PAGE_POINTS points.
	const stepsPerSeries = Math.max(1, Math.floor(PAGE_POINTS / series.length));
	for (let after = -1; ;) {
		const page = await budget.run((tx) => widePage(tx, ids, after, stepsPerSeries));
		if (page.lines) yield Buffer.from(pivot(page.lines, series.length));
		if (page.last || page.lastStep === null) return;
		after = page.lastStep;
	}
}

/** The series in name order (byte order, the same on every database). */
async function seriesOf(tx: postgres.TransactionSql, experimentId: string): Promise<Series[]> {
	return tx<Series[]>`
		select id, name from metric_series
		where experiment_id = ${experimentId} order by name collate "C"`;
}

interface Page {
	/** Nothing comes after this page. */
	last: boolean;
	/** The page's highest step (null: none): the next page starts after it. */
	lastStep: number | null;
}

/**
 * The points of one series after step `after`, up to and including its PAGE_POINTS-th next step
 * (so whole steps, and all that is left when fewer remain), as long-format CSV lines.
 */
async function seriesPage(
	tx: postgres.TransactionSql,
	series: Series,
	after: number
): Promise<Page & { csv: string | null; points: number }> {
	const [row] = await tx.unsafe<(Page & { csv: string | null; points: number })[]>(
		`with bound as (
			select (select step from metric_points where series_id = $1 and step > $3
				order by step offset $4 limit 1) as step
		)
		select (select step from bound) is null as last, max(p.step) as "lastStep", count(*)::int as points,
			string_agg($2 || ',' || p.step || ',' || p.value || ',' || ${isoTime('p.logged_at')} || E'\\r\\n', ''
				order by p.step, p.logged_at, p.msg_id) as csv
		from metric_points p
		where p.series_id = $1 and p.step > $3 and p.step <= coalesce((select step from bound), ${NO_BOUND})`,
		[series.id, csvText(series.name), after, PAGE_POINTS - 1]
	);
	return row;
}

/**
 * The points of all series after step `after`, up to the first step at which some series reaches
 * its `stepsPerSeries`-th next step: `step,column,value` lines (column: the series' position in
 * `ids`, from 1) by step, then logging time.
 */
async function widePage(
	tx: postgres.TransactionSql,
	ids: number[],
	after: number,
	stepsPerSeries: number
): Promise<Page & { lines: string | null }> {
	const [row] = await tx.unsafe<(Page & { lines: string | null })[]>(
		`with bound as (
			select min(next.step) as step from unnest($1::int8[]) as s (id)
			cross join lateral (
				select step from metric_points where series_id = s.id and step > $2
				order by step offset $3 limit 1
			) as next
		)
		select (select step from bound) is null as last, max(p.step) as "lastStep",
			string_agg(p.step || ',' || s.ordinal || ',' || p.value, E'\\n'
				order by p.step, p.logged_at, p.msg_id) as lines
		from unnest($1::int8[]) with ordinality as s (id, ordinal)
		cross join lateral (
			select step, value, logged_at, msg_id from metric_points
			where series_id = s.id and step > $2 and step <= coalesce((select step from bound), ${NO_BOUND})
		) as p`,
		[ids, after, stepsPerSeries - 1] as never[]
	);
	return row;
}

/**
 * Wide rows from `step,column,value` lines ordered by step and then logging time, so the point
 * logged last at a step is the one a cell keeps. Values are Postgres's own text for them. (Read
 * with indexOf rather than split: a million points are a million lines.)
 */
function pivot(lines: string, width: number): string {
	const rows: string[] = [];
	let step = '';
	let cells: string[] | undefined;
	for (let start = 0; start < lines.length;) {
		const first = lines.indexOf(',', start);
		const second = lines.indexOf(',', first + 1);
		let end = lines.indexOf('\n', second);
		if (end === -1) end = lines.length;
		const pointStep = lines.slice(start, first);
		if (cells === undefined || pointStep !== step) {
			if (cells !== undefined) rows.push(csvLine([step, ...cells]));
			step = pointStep;
			cells = new Array<string>(width).fill('');
		}
		cells[Number(lines.slice(first + 1, second)) - 1] = lines.slice(second + 1, end);
		start = end + 1;
	}
	if (cells !== undefined) rows.push(csvLine([step, ...cells]));
	return rows.join('');
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
