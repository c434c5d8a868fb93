import * as z from 'zod';
import { isStorableText } from './common.ts';
import { MAX_METADATA_BYTES, MAX_METRIC_NAME_LENGTH, MAX_STEP, METRIC_NAME_PATTERN } from './rules.ts';

// Re-exported: importers of the log contracts read the limits from here as before.
export {
	MAX_BATCH_BYTES,
	MAX_BATCH_ENTRIES,
	MAX_METADATA_BYTES,
	MAX_SERIES_PER_EXPERIMENT,
	METRIC_NAME_PATTERN
} from './rules.ts';
/** Series per metrics read (and its default page size): the rest is read page by page. */
export const MAX_SERIES_PER_READ = 100;
/** Metric names one request may name (`names` of a metrics read). */
export const MAX_NAMES_PER_READ = 100;

export const MetricName = z
	.string({ error: 'must be a string' })
	.min(1, { error: 'must not be empty' })
	.max(MAX_METRIC_NAME_LENGTH, { error: `must be at most ${MAX_METRIC_NAME_LENGTH} characters` })
	.regex(METRIC_NAME_PATTERN, { error: 'may contain only letters, digits, _ - . /' });

/** jsonb refuses NUL and lone surrogates anywhere, in keys as in values. */
function storableJson(value: unknown): boolean {
	if (typeof value === 'string') return isStorableText(value);
	if (Array.isArray(value)) return value.every(storableJson);
	if (value && typeof value === 'object') {
		return Object.entries(value).every(([key, item]) => isStorableText(key) && storableJson(item));
	}
	return true;
}

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/** UTF-8 is at most 3 bytes per UTF-16 unit, so short JSON (nearly all metadata) needs no encoding. */
function fitsMetadataLimit(value: Record<string, unknown>): boolean {
	const text = JSON.stringify(value);
	return (
		text.length * 3 <= MAX_METADATA_BYTES || new TextEncoder().encode(text).byteLength <= MAX_METADATA_BYTES
	);
}

// Checked for every entry of every batch: plain predicates, not a record schema that copies.
const Metadata = z
	.custom<Record<string, unknown>>(isJsonObject, { error: 'must be a JSON object or null' })
	.refine(storableJson, { error: 'must not contain NUL characters or unpaired surrogates' })
	.refine(fitsMetadataLimit, { error: 'must be at most 10 KB of JSON' })
	.refine((value) => value.type === undefined || value.type === 'metric' || value.type === 'result', {
		error: 'type must be "metric" or "result"'
	});

/** A point's time may be a day ahead of the server's clock (clock skew), never further. */
export const MAX_TIMESTAMP_AHEAD_MS = 24 * 60 * 60 * 1000;

/**
 * Why `ms` (milliseconds since the Unix epoch) cannot be a point's time, or null when it can:
 * whole, not before 1970, at most MAX_TIMESTAMP_AHEAD_MS ahead of `now`.
 */
export function timestampProblem(ms: number, now = Date.now()): string | null {
	if (!Number.isInteger(ms)) return 'must be whole milliseconds since 1970-01-01T00:00:00Z';
	if (ms < 0) return 'must not be before 1970-01-01T00:00:00Z';
	if (ms > now + MAX_TIMESTAMP_AHEAD_MS) return 'must not be more than a day in the future';
	return null;
}

/**
 * A source's time in milliseconds since the epoch. Checked after the type: a non-number is "must
 * be a number", a bad number says which bound.
 */
export const SourceTimestamp = z
	.number({ error: 'must be a number of milliseconds since 1970 or null' })
	.check((ctx) => {
		const problem = timestampProblem(ctx.value);
		if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
	});

/**
 * One log entry, exactly as the public `tora` SDK sends it (`{name, msg_id, value, step, metadata}`).
 * `metadata.type` is "metric" (a series point, the default) or "result" (a final value).
 * `timestamp` (optional, milliseconds since the epoch) is when the point was logged at its source
 * (an importer, an MLflow client); without it the point is stamped with the server's time.
 */
export const LogEntry = z.strictObject({
	name: MetricName,
	msg_id: z.uuid({ error: 'must be a UUID' }),
	value: z.number({ error: 'must be a number' }).refine(Number.isFinite, { error: 'must be finite' }),
	step: z
		.number({ error: 'must be an integer or null' })
		.int({ error: 'must be an integer' })
		.min(0, { error: 'must be 0 or more' })
		.max(MAX_STEP, { error: 'is too large' })
		.nullish(),
	metadata: Metadata.nullish(),
	timestamp: SourceTimestamp.nullish()
});
export type LogEntry = z.infer<typeof LogEntry>;

/** `POST /api/experiments/{id}/logs/batch`: all or nothing; duplicates by msg_id are skipped. */
export const LogBatchBody = z.strictObject({
	logs: z
		.array(LogEntry, { error: 'must be an array of log entries' })
		.min(1, { error: 'must contain at least one entry' })
});
export type LogBatchBody = z.infer<typeof LogBatchBody>;

export const LogBatchResult = z.object({
	received: z.number().int(),
	stored: z.number().int(),
	duplicates: z.number().int()
});
export type LogBatchResult = z.infer<typeof LogBatchResult>;

/**
 * Metric names in a query string: comma-separated, repeated, or both; duplicates dropped. The
 * result is `undefined` only when the parameter is absent (an empty value names none).
 */
export function metricNameList(max: number) {
	return z
		.union([z.string(), z.array(z.string())])
		.transform((value) => [
			...new Set(
				[value]
					.flat()
					.flatMap((part) => part.split(','))
					.filter(Boolean)
			)
		])
		.pipe(z.array(MetricName).max(max, { error: `at most ${max} metrics per request` }));
}

const Names = metricNameList(MAX_NAMES_PER_READ)
	.optional()
	.transform((names) => names ?? []);

const Step = z.coerce
	.number({ error: 'must be a step number' })
	.int({ error: 'must be an integer' })
	.min(0, { error: 'must be 0 or more' })
	.max(MAX_STEP);

/** `GET /api/experiments/{id}/metrics` query. */
export const SeriesQuery = z
	.object({
		names: Names,
		buckets: z.coerce
			.number({ error: 'must be a number' })
			.int({ error: 'must be an integer' })
			.min(1, { error: 'must be at least 1' })
			.max(10_000, { error: 'must be at most 10000' })
			.default(1000),
		from: Step.optional(),
		to: Step.optional(),
		after: z.string().max(20_000).optional(),
		limit: z.coerce
			.number({ error: 'must be a number' })
			.int({ error: 'must be an integer' })
			.min(1, { error: 'must be at least 1' })
			.max(MAX_SERIES_PER_READ, { error: `must be at most ${MAX_SERIES_PER_READ}` })
			.default(MAX_SERIES_PER_READ),
		start_after: MetricName.optional()
	})
	.refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
		error: 'from must not be after to',
		path: ['from']
	});
export type SeriesQuery = z.infer<typeof SeriesQuery>;

/** Columnar so charts (uPlot) take the arrays as they are. Times are epoch milliseconds. */
export interface RawSeries {
	name: string;
	count: number;
	first_step: number | null;
	last_step: number | null;
	min: number | null;
	max: number | null;
	last: number | null;
	resolution: 'raw';
	steps: number[];
	values: number[];
	times: number[];
}

/** Bucket i covers steps [starts[i], starts[i] + bucket_width); empty buckets are left out. */
export interface BucketedSeries extends Omit<RawSeries, 'resolution' | 'steps' | 'values' | 'times'> {
	resolution: 'buckets';
	bucket_width: number;
	starts: number[];
	counts: number[];
	mins: number[];
	maxs: number[];
	lasts: number[];
	last_steps: number[];
	times: number[];
}

export interface SeriesRead {
	series: Array<RawSeries | BucketedSeries>;
	/** Pass as `after` (with the same page) to get only points past those returned (live polling). */
	cursor: string;
	/** Pass as `start_after` for the next page of series; null on the last page. */
	next_start_after: string | null;
	/** Every series of the experiment, on any page: a change means series were added. */
	series_count: number;
}

export const ExportQuery = z.object({
	format: z.enum(['long', 'wide'], { error: 'must be "long" or "wide"' }).default('long')
});
