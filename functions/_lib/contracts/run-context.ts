/**
 * What a run says about itself besides its numbers: notes people write, the context its SDK
 * captures at start-up, and the console lines it prints. Request bodies are camelCase, responses
 * snake_case (ARCHITECTURE.md, Wire contract).
 */
import * as z from 'zod';
import {
	isMultiLineText,
	isOneLineText,
	isStorableText,
	multiLineTextError,
	oneLineTextError,
	STORABLE_TEXT_ERROR
} from './common.ts';

const codePoints = (value: string) => [...value].length;

function line(max: number) {
	return (
		z
			.string({ error: 'must be a string' })
			.refine((value) => codePoints(value) <= max, { error: `must be at most ${max} characters` })
			.refine(isOneLineText, { error: oneLineTextError })
			// Stored as jsonb, which refuses a lone surrogate's escape: a 400 here, not a 500 there.
			.refine(isStorableText, { error: 'must not contain NUL characters or unpaired surrogates' })
	);
}

/** Free text that may hold newlines (a diff, a command's argument), but nothing Postgres cannot store. */
function storable(max: number) {
	return z
		.string({ error: 'must be a string' })
		.refine((value) => codePoints(value) <= max, { error: `must be at most ${max} characters` })
		.refine(isStorableText, { error: 'must not contain NUL characters or unpaired surrogates' });
}

// ── Notes ───────────────────────────────────────────────────────────────────────────────────────

export const MAX_NOTES_LENGTH = 100_000;

/** Markdown; `null` or an empty string clears the notes. */
export const ExperimentNotes = z
	.string({ error: 'must be a string' })
	.refine((value) => codePoints(value) <= MAX_NOTES_LENGTH, {
		error: `must be at most ${MAX_NOTES_LENGTH} characters`
	})
	.refine(isStorableText, { error: 'must not contain NUL characters or unpaired surrogates' })
	.refine(isMultiLineText, { error: multiLineTextError })
	.nullable();

// ── Context ─────────────────────────────────────────────────────────────────────────────────────

/** Bytes of `git diff HEAD` kept; the SDKs cut there and say so with `diffTruncated`. */
export const MAX_GIT_DIFF_BYTES = 1024 * 1024;
export const MAX_CONTEXT_PACKAGES = 10_000;
export const MAX_CONTEXT_ENV = 200;
export const MAX_CONTEXT_GPUS = 64;
export const MAX_COMMAND_ARGS = 1000;
/** A context body: the diff's 1 MB (as JSON, up to twice that escaped) plus packages and the rest. */
export const CONTEXT_BODY_LIMIT = 4 * 1024 * 1024;

const utf8Bytes = (value: string) => new TextEncoder().encode(value).length;

const GitContext = z.strictObject({
	commit: z
		.string({ error: 'must be a string' })
		.regex(/^[0-9a-fA-F]{7,64}$/, { error: 'must be a hexadecimal commit id (7–64 digits)' })
		.transform((commit) => commit.toLowerCase()),
	branch: line(255).nullish(),
	remote: line(2048).nullish(),
	dirty: z.boolean({ error: 'must be true or false' }).nullish(),
	diff: z
		.string({ error: 'must be a string' })
		.refine((value) => utf8Bytes(value) <= MAX_GIT_DIFF_BYTES, {
			error: `must be at most ${MAX_GIT_DIFF_BYTES} bytes (cut it and set diffTruncated)`
		})
		.refine(isStorableText, { error: 'must not contain NUL characters or unpaired surrogates' })
		.nullish(),
	diffTruncated: z.boolean({ error: 'must be true or false' }).nullish()
});

const Count = z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(0, {
	error: 'must not be negative'
});

const Gpu = z.strictObject({ name: line(200), memoryBytes: Count.nullish() });

function boundedRecord<T extends z.ZodType>(value: T, key: z.ZodType<string>, max: number, what: string) {
	return z
		.record(key, value)
		.refine((record) => Object.keys(record).length <= max, { error: `at most ${max} ${what}` });
}

/** `PUT /api/experiments/:id/context` body: what the SDK captured; every part optional. */
export const ContextBody = z.strictObject({
	git: GitContext.nullish(),
	command: z
		.array(storable(4096), { error: 'must be a list of strings' })
		.max(MAX_COMMAND_ARGS, { error: `must have at most ${MAX_COMMAND_ARGS} arguments` })
		.nullish(),
	cwd: line(4096).nullish(),
	runtime: z.strictObject({ name: line(50), version: line(100) }).nullish(),
	os: line(200).nullish(),
	host: line(255).nullish(),
	cpus: Count.max(1_000_000).nullish(),
	memoryBytes: Count.nullish(),
	gpus: z
		.array(Gpu, { error: 'must be a list' })
		.max(MAX_CONTEXT_GPUS, { error: `must have at most ${MAX_CONTEXT_GPUS} GPUs` })
		.nullish(),
	packages: boundedRecord(line(100), line(214), MAX_CONTEXT_PACKAGES, 'packages').nullish(),
	env: boundedRecord(storable(4096), line(256), MAX_CONTEXT_ENV, 'variables').nullish()
});
export type ContextBody = z.infer<typeof ContextBody>;

/** The small part of a run's context: what the runs table and the query language read. */
export const ContextSummary = z.object({
	git: z
		.object({
			commit: z.string(),
			branch: z.string().nullable(),
			remote: z.string().nullable(),
			dirty: z.boolean().nullable()
		})
		.nullable(),
	command: z.array(z.string()).nullable(),
	cwd: z.string().nullable(),
	runtime: z.object({ name: z.string(), version: z.string() }).nullable(),
	os: z.string().nullable(),
	host: z.string().nullable(),
	cpus: z.number().int().nullable(),
	memory_bytes: z.number().int().nullable(),
	gpus: z.array(z.object({ name: z.string(), memory_bytes: z.number().int().nullable() }))
});
export type ContextSummary = z.infer<typeof ContextSummary>;

/** `GET /api/experiments/:id/context` response data. */
export const RunContext = z.object({
	experiment_id: z.uuid(),
	summary: ContextSummary,
	git_diff: z.string().nullable(),
	git_diff_truncated: z.boolean(),
	packages: z.record(z.string(), z.string()),
	env: z.record(z.string(), z.string()),
	captured_at: z.string()
});
export type RunContext = z.infer<typeof RunContext>;

// ── Console ─────────────────────────────────────────────────────────────────────────────────────

/** Longer lines are cut here (the SDKs cut first), ending with CONSOLE_CUT_MARKER. */
export const MAX_CONSOLE_LINE_CHARS = 16 * 1024;
export const CONSOLE_CUT_MARKER = ' …[line cut]';
export const MAX_CONSOLE_BATCH_LINES = 5000;
/** A batch of 5,000 lines of up to 16 KB each is 80 MB: batches are bounded by bytes too. */
export const CONSOLE_BODY_LIMIT = 2 * 1024 * 1024;
export const DEFAULT_CONSOLE_READ_LINES = 1000;
export const MAX_CONSOLE_READ_LINES = 5000;
export const MAX_CONSOLE_SEARCH_LENGTH = 200;

export const ConsoleStream = z.enum(['stdout', 'stderr'], { error: 'must be stdout or stderr' });
export type ConsoleStream = z.infer<typeof ConsoleStream>;

/**
 * One printed line as the SDK sends it. Text is taken as printed (ANSI colours included; the site
 * renders them inert): a NUL or an unpaired surrogate becomes U+FFFD and an overlong line is cut,
 * rather than the line being refused and lost.
 */
export const ConsoleLine = z.strictObject({
	seq: z
		.number({ error: 'must be a number' })
		.int({ error: 'must be an integer' })
		.min(1, { error: 'must be at least 1' })
		.max(Number.MAX_SAFE_INTEGER, { error: 'is too large' }),
	time: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone' }),
	stream: ConsoleStream,
	text: z.string({ error: 'must be a string' }).transform(storableConsoleText)
});
export type ConsoleLine = z.infer<typeof ConsoleLine>;

export function storableConsoleText(text: string): string {
	// NUL is the one character Postgres text cannot hold; lone surrogates are not UTF-8.
	const storable = text
		.replaceAll('\u0000', '\uFFFD')
		.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
	if (storable.length <= MAX_CONSOLE_LINE_CHARS) return storable;
	let cut = MAX_CONSOLE_LINE_CHARS - CONSOLE_CUT_MARKER.length;
	// Do not split a surrogate pair.
	if (/[\uD800-\uDBFF]/.test(storable[cut - 1])) cut -= 1;
	return storable.slice(0, cut) + CONSOLE_CUT_MARKER;
}

/** `POST /api/experiments/:id/console` body. */
export const ConsoleBatchBody = z.strictObject({
	lines: z
		.array(ConsoleLine, { error: 'must be a list of lines' })
		.min(1, { error: 'must not be empty' })
		.max(MAX_CONSOLE_BATCH_LINES, { error: `must have at most ${MAX_CONSOLE_BATCH_LINES} lines` })
});
export type ConsoleBatchBody = z.infer<typeof ConsoleBatchBody>;

/** `POST /api/experiments/:id/console` response data. */
export const ConsoleBatchResult = z.object({
	/** Lines stored by this request. */
	accepted: z.number().int(),
	/** Lines whose seq was already stored (a retry): kept once, not counted again. */
	duplicates: z.number().int(),
	/** Bytes of console text the run now holds, and the cap. */
	console_bytes: z.number().int(),
	console_bytes_limit: z.number().int(),
	/** The highest seq stored for the run: a resumed SDK numbers on from here. */
	last_seq: z.number().int()
});
export type ConsoleBatchResult = z.infer<typeof ConsoleBatchResult>;

/** `GET /api/experiments/:id/console` query: lines after a cursor (a seq), oldest first. */
export const ConsoleQuery = z.strictObject({
	after: z.coerce
		.number({ error: 'must be a line number' })
		.int({ error: 'must be an integer' })
		.min(0, { error: 'must not be negative' })
		.max(Number.MAX_SAFE_INTEGER, { error: 'is too large' })
		.default(0),
	limit: z.coerce
		.number({ error: 'must be a number' })
		.int({ error: 'must be an integer' })
		.min(1, { error: 'must be at least 1' })
		.max(MAX_CONSOLE_READ_LINES, { error: `must be at most ${MAX_CONSOLE_READ_LINES}` })
		.default(DEFAULT_CONSOLE_READ_LINES),
	/** Case-insensitive substring; only matching lines are returned (the cursor still advances). */
	q: z
		.string()
		.max(MAX_CONSOLE_SEARCH_LENGTH, { error: `must be at most ${MAX_CONSOLE_SEARCH_LENGTH} characters` })
		// Postgres text cannot hold NUL (or a lone surrogate): a 400, never a failed statement.
		.refine(isStorableText, { error: STORABLE_TEXT_ERROR })
		.optional(),
	stream: ConsoleStream.optional(),
	/** Start at the first line printed at or after this time (jump to a time). */
	from: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone' }).optional()
});
export type ConsoleQuery = z.infer<typeof ConsoleQuery>;

export const ConsolePage = z.object({
	lines: z.array(
		z.object({ seq: z.number().int(), time: z.string(), stream: ConsoleStream, text: z.string() })
	),
	/** Pass as `after` to continue: the last line read (matching `q` or not), or `after` itself. */
	cursor: z.number().int(),
	/** Whether lines past `cursor` exist right now (more to page through, not live ones to come). */
	more: z.boolean(),
	/** The run's highest stored seq (0: none): where a resumed SDK numbers on from. */
	last_seq: z.number().int()
});
export type ConsolePage = z.infer<typeof ConsolePage>;
