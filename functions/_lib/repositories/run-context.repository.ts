/**
 * A run's notes, captured context and console lines (migration 20261207160000_run_context): each
 * in a table of its own, so the experiments rows that lists read stay narrow.
 */
import { sql } from 'kysely';
import type {
	ConsoleBatchResult,
	ConsoleLine,
	ConsolePage,
	ConsoleQuery,
	ConsoleStream,
	ContextBody,
	ContextSummary,
	RunContext
} from '../contracts/run-context.ts';
import type { Db } from '../db.ts';
import { redactEnvironment, stripCredentials } from '../run-context-redaction.ts';

// ── Notes ───────────────────────────────────────────────────────────────────────────────────────

export async function readNotes(db: Db, experimentId: string): Promise<string> {
	const row = await db
		.selectFrom('experiment_notes')
		.select('body')
		.where('experiment_id', '=', experimentId)
		.executeTakeFirst();
	return row?.body ?? '';
}

/** An empty body (or null) deletes the notes: "no notes" has one form. */
export async function writeNotes(db: Db, experimentId: string, body: string | null, userId: string | null) {
	if (!body) {
		await db.deleteFrom('experiment_notes').where('experiment_id', '=', experimentId).execute();
		return;
	}
	await db
		.insertInto('experiment_notes')
		.values({ experiment_id: experimentId, body, updated_by: userId })
		.onConflict((oc) =>
			oc.column('experiment_id').doUpdateSet({ body, updated_by: userId, updated_at: sql<Date>`now()` })
		)
		.execute();
}

// ── Context ─────────────────────────────────────────────────────────────────────────────────────

/** The summary the runs table and query language read, from what the SDK sent (snake_case). */
export function contextSummary(body: ContextBody): ContextSummary {
	return {
		git: body.git
			? {
					commit: body.git.commit,
					branch: body.git.branch ?? null,
					remote: body.git.remote ? stripCredentials(body.git.remote) : null,
					dirty: body.git.dirty ?? null
				}
			: null,
		command: body.command ?? null,
		cwd: body.cwd ?? null,
		runtime: body.runtime ?? null,
		os: body.os ?? null,
		host: body.host ?? null,
		cpus: body.cpus ?? null,
		memory_bytes: body.memoryBytes ?? null,
		gpus: (body.gpus ?? []).map((gpu) => ({ name: gpu.name, memory_bytes: gpu.memoryBytes ?? null }))
	};
}

/**
 * Replaces the run's context whole (a resent context is the same context). The server strips
 * credentials from the remote and redacts secret-looking variables again: an SDK that forgot to
 * (or an old one) must not make a token readable to every viewer.
 */
export async function writeContext(
	db: Db,
	experimentId: string,
	body: ContextBody
): Promise<RunContext | undefined> {
	const summary = JSON.stringify(contextSummary(body));
	const packages = JSON.stringify(body.packages ?? {});
	const env = JSON.stringify(redactEnvironment(body.env ?? {}));
	// From the experiments row, so a run deleted meanwhile is "not found", not a foreign-key error.
	const { rows } = await sql<ContextRow>`
		insert into experiment_context (experiment_id, summary, git_diff, git_diff_truncated, packages, env)
		select e.id, ${summary}::text::jsonb, ${body.git?.diff ?? null}::text, ${body.git?.diffTruncated ?? false}::boolean,
			${packages}::text::jsonb, ${env}::text::jsonb
		from experiments e where e.id = ${experimentId}::uuid
		on conflict (experiment_id) do update set summary = excluded.summary, git_diff = excluded.git_diff,
			git_diff_truncated = excluded.git_diff_truncated, packages = excluded.packages, env = excluded.env,
			captured_at = now()
		returning *
	`.execute(db);
	return rows[0] ? toRunContext(rows[0]) : undefined;
}

export async function readContext(db: Db, experimentId: string): Promise<RunContext | undefined> {
	const row = await db
		.selectFrom('experiment_context')
		.selectAll()
		.where('experiment_id', '=', experimentId)
		.executeTakeFirst();
	return row ? toRunContext(row) : undefined;
}

/** Only the small part, for the experiment's own read. */
export async function readContextSummary(db: Db, experimentId: string): Promise<ContextSummary | null> {
	const row = await db
		.selectFrom('experiment_context')
		.select('summary')
		.where('experiment_id', '=', experimentId)
		.executeTakeFirst();
	return row ? (row.summary as ContextSummary) : null;
}

interface ContextRow {
	experiment_id: string;
	summary: unknown;
	git_diff: string | null;
	git_diff_truncated: boolean;
	packages: unknown;
	env: unknown;
	captured_at: Date;
}

function toRunContext(row: ContextRow): RunContext {
	return {
		experiment_id: row.experiment_id,
		summary: row.summary as ContextSummary,
		git_diff: row.git_diff,
		git_diff_truncated: row.git_diff_truncated,
		packages: row.packages as Record<string, string>,
		env: row.env as Record<string, string>,
		captured_at: new Date(row.captured_at).toISOString()
	};
}

// ── Console ─────────────────────────────────────────────────────────────────────────────────────

const STREAM_CODES: Record<ConsoleStream, number> = { stdout: 1, stderr: 2 };
const STREAM_NAMES: Record<number, ConsoleStream> = { 1: 'stdout', 2: 'stderr' };

export type ConsoleAppend =
	| { kind: 'stored'; result: ConsoleBatchResult }
	| { kind: 'over-limit'; bytes: number; limit: number }
	| { kind: 'missing' };

/**
 * Stores a batch of lines once each (a resent seq is a duplicate, not a second line), counting
 * their bytes against the run's cap in the same transaction: a batch that would pass the cap is
 * refused whole and nothing of it is kept, so the count and the lines never disagree.
 */
export async function appendConsole(
	db: Db,
	experimentId: string,
	lines: ConsoleLine[],
	limit: number
): Promise<ConsoleAppend> {
	const rows = lines.map((line) => ({
		seq: line.seq,
		time: line.time,
		stream: STREAM_CODES[line.stream],
		text: line.text
	}));
	return db
		.transaction()
		.execute(async (tx): Promise<ConsoleAppend> => {
			// The row lock orders concurrent batches of one run, so the cap check sees the other's bytes.
			const run = await tx
				.selectFrom('experiments')
				.select('console_bytes')
				.where('id', '=', experimentId)
				.forUpdate()
				.executeTakeFirst();
			if (!run) return { kind: 'missing' };
			const inserted = await sql<{ bytes: string; stored: string }>`
			with input as (
				select distinct on (seq) seq, time, stream, text
				from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb)
					as t(seq bigint, time timestamptz, stream smallint, text text)
				order by seq
			),
			stored as (
				insert into console_lines (experiment_id, seq, time, stream, text)
				select ${experimentId}::uuid, seq, time, stream, text from input
				on conflict (experiment_id, seq) do nothing
				returning octet_length(text) as bytes
			)
			select coalesce(sum(bytes), 0)::text as bytes, count(*)::text as stored from stored
		`.execute(tx);
			const stored = Number(inserted.rows[0].stored);
			const total = Number(run.console_bytes) + Number(inserted.rows[0].bytes);
			// Throwing rolls the batch back; the refusal itself becomes a value below.
			if (total > limit) throw new OverConsoleLimit(total);
			if (stored > 0) {
				await tx
					.updateTable('experiments')
					.set({ console_bytes: total })
					.where('id', '=', experimentId)
					.execute();
			}
			const last = await tx
				.selectFrom('console_lines')
				.select((eb) => eb.fn.max('seq').as('seq'))
				.where('experiment_id', '=', experimentId)
				.executeTakeFirst();
			return {
				kind: 'stored',
				result: {
					accepted: stored,
					duplicates: lines.length - stored,
					console_bytes: total,
					console_bytes_limit: limit,
					last_seq: Number(last?.seq ?? 0)
				}
			};
		})
		.catch((error: unknown) => {
			if (error instanceof OverConsoleLimit) return { kind: 'over-limit', bytes: error.bytes, limit };
			throw error;
		});
}

class OverConsoleLimit extends Error {
	constructor(readonly bytes: number) {
		super('over the console limit');
	}
}

/** Lines read past this many without a match still advance the cursor: a search is bounded. */
export const MAX_CONSOLE_SCAN_LINES = 50_000;

/**
 * Lines after a cursor, oldest first. With `q` or `stream`, at most MAX_CONSOLE_SCAN_LINES lines
 * are examined per request and the cursor moves past them whether they matched or not; `from`
 * starts at the first line printed at or after that time.
 */
export async function readConsole(db: Db, experimentId: string, query: ConsoleQuery): Promise<ConsolePage> {
	let after = query.after;
	if (query.from) {
		const first = await db
			.selectFrom('console_lines')
			.select((eb) => eb.fn.min('seq').as('seq'))
			.where('experiment_id', '=', experimentId)
			.where('time', '>=', new Date(query.from))
			.executeTakeFirst();
		const seq = first?.seq === null || first?.seq === undefined ? null : Number(first.seq);
		after = Math.max(after, seq === null ? Number.MAX_SAFE_INTEGER : seq - 1);
	}
	const filtered = query.q !== undefined || query.stream !== undefined;
	const scan = filtered ? MAX_CONSOLE_SCAN_LINES : query.limit + 1;
	const needle = query.q === undefined ? null : `%${query.q.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
	const { rows } = await sql<{
		seq: string;
		time: Date;
		stream: number;
		text: string;
		scanned_last: string | null;
		scanned: string;
		last_seq: string;
	}>`
		with scanned as (
			select seq, time, stream, text from console_lines
			where experiment_id = ${experimentId}::uuid and seq > ${after}::bigint
			order by seq limit ${scan}::int
		),
		edge as (
			select max(seq) as scanned_last, count(*) as scanned,
				(select max(seq) from console_lines where experiment_id = ${experimentId}::uuid) as last_seq
			from scanned
		)
		select m.seq::text, m.time, m.stream, m.text, edge.scanned_last::text, edge.scanned::text,
			coalesce(edge.last_seq, 0)::text as last_seq
		from edge left join lateral (
			select * from scanned
			where (${needle}::text is null or lower(text) like ${needle}::text)
				and (${query.stream ? STREAM_CODES[query.stream] : null}::smallint is null
					or stream = ${query.stream ? STREAM_CODES[query.stream] : null}::smallint)
			order by seq limit ${query.limit + 1}::int
		) m on true
		order by m.seq
	`.execute(db);
	const matched = rows.filter((row) => row.seq !== null);
	const scannedCount = Number(rows[0]?.scanned ?? 0);
	const scannedLast =
		rows[0]?.scanned_last === null || rows[0] === undefined ? after : Number(rows[0].scanned_last);
	const page = matched.slice(0, query.limit);
	const full = matched.length > query.limit;
	const cursor = full
		? Number(page[page.length - 1].seq)
		: filtered
			? scannedLast
			: page.length
				? Number(page[page.length - 1].seq)
				: after;
	return {
		lines: page.map((row) => ({
			seq: Number(row.seq),
			time: new Date(row.time).toISOString(),
			stream: STREAM_NAMES[row.stream],
			text: row.text
		})),
		cursor,
		more: full || scannedCount === scan,
		last_seq: Number(rows[0]?.last_seq ?? 0)
	};
}
