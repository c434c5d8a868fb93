/**
 * `POST /api/series`: many runs' metric series in one request, bucketed, on a chosen x-axis, or
 * grouped by a query-language key into a line with a band per group. Shared by the function and
 * the site (the body schema validates a chart's settings before it asks).
 */
import * as z from 'zod';
import { Uuid } from './common.ts';
import { MetricName } from './logs.ts';
import { QUERY_LIMITS, QuerySyntaxError, type Key } from './query/ast.ts';
import { parseKey } from './query/parse.ts';
import { MAX_STEP } from './rules.ts';

/** Runs one request may name (as `POST /api/experiments/batch`). */
export const MAX_SERIES_RUNS = 100;
/** Metric names one request may name, or a pattern may match (the first ones by name beyond). */
export const MAX_SERIES_METRICS = 50;
export const MAX_PATTERN_LENGTH = 200;
export const DEFAULT_SERIES_BUCKETS = 200;
export const MAX_SERIES_BUCKETS = 2000;
/**
 * Buckets one request reads in all, over every series it reads (y series, x-axis series, group
 * members): with many runs × metrics each series gets fewer buckets, and the answer says so.
 * About the pixels of a page of charts; the response stays a few megabytes at most.
 */
export const SERIES_BUCKET_BUDGET = 200_000;

/** The label of the group of runs that have no value for the `groupBy` key. */
export { NO_GROUP } from './group-values.ts';

/**
 * Why a pattern cannot be used, or undefined. A pattern is matched by the database (Postgres
 * regular expressions) against whole metric names, so only the syntax both JavaScript and
 * Postgres read alike is accepted: letters-escapes other than \d \w \s (and their negations)
 * mean different things in the two (`\b` is a backspace in Postgres), as do POSIX classes
 * (`[[:alpha:]]`) and a `]` first in a class. Metric names are ASCII without spaces, so the
 * remaining differences (Unicode classes, newlines) cannot change a match.
 */
export function patternProblem(pattern: string): string | undefined {
	let inClass = false;
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i];
		if (c === '\\') {
			const next = pattern[i + 1];
			if (next === undefined) return 'ends with a lone backslash';
			if (/[A-Za-z0-9]/.test(next) && !'dDwWsS'.includes(next)) {
				return `\\${next} is not supported: use \\d, \\w, \\s, or a backslash before punctuation`;
			}
			i++;
		} else if (inClass) {
			if (c === '[') return 'write [ inside [...] as \\[';
			if (c === ']') inClass = false;
		} else if (c === '[') {
			inClass = true;
			if (pattern[i + 1] === '^') i++;
			if (pattern[i + 1] === ']') return 'write ] inside [...] as \\]';
		} else if (c === '(' && pattern[i + 1] === '?' && !/^\(\?(:|=|!|<=|<!)/.test(pattern.slice(i))) {
			return 'only (?:...) groups and lookarounds are supported after (?';
		}
	}
	try {
		new RegExp(pattern, 'u');
	} catch (error) {
		return `is not a valid regular expression (${(error as Error).message})`;
	}
	return undefined;
}

/** A regular expression matched against whole metric names: `val/.*` is every `val/` metric. */
export const MetricPattern = z
	.string({ error: 'must be a string' })
	.min(1, { error: 'must not be empty' })
	.max(MAX_PATTERN_LENGTH, { error: `must be at most ${MAX_PATTERN_LENGTH} characters` })
	.superRefine((pattern, ctx) => {
		const problem = patternProblem(pattern);
		if (problem) ctx.addIssue({ code: 'custom', message: problem });
	});

const Step = z
	.number({ error: 'must be a step number' })
	.int({ error: 'must be an integer' })
	.min(0, { error: 'must be 0 or more' })
	.max(MAX_STEP, { error: 'is too large' });

/**
 * The x-axis: `step`; `wall` (the bucket's last logging time, ms since the epoch); `relative`
 * (seconds from the run's first logged point to the bucket's last); or `{metric}`: another metric
 * of the same run, its last value in the same step bucket (buckets where it has no point are left
 * out).
 */
export const SeriesX = z.union(
	[z.enum(['step', 'wall', 'relative']), z.strictObject({ metric: MetricName })],
	{ error: 'must be "step", "wall", "relative" or {metric: name}' }
);
export type SeriesX = z.infer<typeof SeriesX>;

const unique = <T>(items: T[]) => [...new Set(items)];

/** `groupBy` text → a query-language key (`hp.optimizer`, `tag`, `status`, `result.acc`, ...). */
const GroupKey = z
	.string({ error: 'must be a query-language key such as hp.optimizer' })
	.max(QUERY_LIMITS.length)
	.transform((text, ctx): Key => {
		try {
			return parseKey(text);
		} catch (error) {
			if (!(error instanceof QuerySyntaxError)) throw error;
			ctx.addIssue({ code: 'custom', message: error.message });
			return z.NEVER;
		}
	});

/** `POST /api/series` body: `metrics` or `pattern`, not both. */
export const SeriesBatchBody = z
	.strictObject({
		experimentIds: z
			.array(Uuid, { error: 'must be a list of experiment ids' })
			.min(1, { error: 'must have at least 1 id' })
			.max(MAX_SERIES_RUNS, { error: `must have at most ${MAX_SERIES_RUNS} ids` })
			.transform(unique),
		metrics: z
			.array(MetricName, { error: 'must be a list of metric names' })
			.min(1, { error: 'must name at least 1 metric' })
			.max(MAX_SERIES_METRICS, { error: `must have at most ${MAX_SERIES_METRICS} names` })
			.transform(unique)
			.optional(),
		pattern: MetricPattern.optional(),
		buckets: z
			.number({ error: 'must be a number' })
			.int({ error: 'must be an integer' })
			.min(1, { error: 'must be at least 1' })
			.max(MAX_SERIES_BUCKETS, { error: `must be at most ${MAX_SERIES_BUCKETS}` })
			.default(DEFAULT_SERIES_BUCKETS),
		from: Step.optional(),
		to: Step.optional(),
		x: SeriesX.default('step'),
		groupBy: GroupKey.optional(),
		aggregate: z.enum(['mean', 'median'], { error: 'must be "mean" or "median"' }).default('mean'),
		band: z
			.enum(['std', 'minmax', 'stderr'], { error: 'must be "std", "minmax" or "stderr"' })
			.default('std'),
		/** With `groupBy`: also return the member series the groups were computed from. */
		members: z.boolean({ error: 'must be true or false' }).default(false)
	})
	.superRefine((body, ctx) => {
		if ((body.metrics === undefined) === (body.pattern === undefined)) {
			ctx.addIssue({ code: 'custom', path: ['metrics'], message: 'give either metrics or pattern' });
		}
		if (body.from !== undefined && body.to !== undefined && body.from > body.to) {
			ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
		}
	});
export type SeriesBatchBody = z.infer<typeof SeriesBatchBody>;

/**
 * One (run, metric) series, column-wise. Bucket i covers the steps
 * [k·bucket_width, (k + 1)·bucket_width) for some k (empty buckets are left out); `y` is the value
 * at the bucket's highest step, `min`/`max`/`count` cover all its points, `x` is on the chosen
 * axis (for `step`, the step `y` was logged at). `nonfinite`: buckets left out because a value
 * in them is NaN or infinite (ingest refuses those, so this is 0 unless the data came otherwise).
 */
export interface SeriesColumns {
	experiment_id: string;
	metric: string;
	bucket_width: number;
	x: number[];
	y: number[];
	min: number[];
	max: number[];
	count: number[];
	nonfinite: number;
}

/** A group's value of the `groupBy` key: tags are a (sorted) list, a missing value is null. */
export type GroupValue = string | number | boolean | string[] | null;

/**
 * One (group, metric): the members' values in aligned step buckets (each member's value in a
 * bucket is its last value there), combined per bucket. `x` is the bucket's first step for
 * x=step, otherwise the mean (median with aggregate=median) of the members' x values. `std` is
 * the sample standard deviation (n − 1; null below 2 members), `lo`/`hi` the band asked for
 * around the aggregate line (`std` or `stderr`: ±1 of it; `minmax`: min and max), `count` the
 * members in the bucket. `median` only with aggregate=median.
 */
export interface GroupColumns {
	group: string;
	value: GroupValue;
	metric: string;
	/** Members that have the metric, in request order. */
	experiment_ids: string[];
	bucket_width: number;
	x: number[];
	mean: number[];
	median?: number[];
	std: Array<number | null>;
	lo: Array<number | null>;
	hi: Array<number | null>;
	min: number[];
	max: number[];
	count: number[];
	/** Member values left out because NaN or infinite. */
	nonfinite: number;
}

export interface SeriesBatch {
	/** The runs read: those asked for that the caller may see, in request order. */
	experiment_ids: string[];
	/** The metrics read: those named, or those the pattern matched (by name). */
	metrics: string[];
	/** Named metrics that none of the runs has. */
	missing_metrics: string[];
	/** The most buckets per series this answer had room for (below `buckets` when truncated). */
	buckets: number;
	/** Ungrouped series; with `groupBy`, the members only when `members: true`. */
	series: SeriesColumns[];
	groups: GroupColumns[];
	/** Fewer buckets per series than asked for, or fewer metrics than the pattern matched. */
	truncated: boolean;
	/**
	 * Why something is empty or truncated, or that a group's runs share no step bucket (so it has
	 * no band); null when none of these.
	 */
	reason: string | null;
}
