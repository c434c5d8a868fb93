import * as z from 'zod';
import { isMultiLineText, isOneLineText, multiLineTextError, oneLineTextError, Uuid } from './common.ts';
import { MetricName, metricNameList } from './logs.ts';
import {
	MAX_DESCRIPTION_LENGTH,
	MAX_EXPERIMENT_NAME_LENGTH,
	MAX_HYPERPARAM_KEY_LENGTH,
	MAX_HYPERPARAM_VALUE_LENGTH,
	MAX_HYPERPARAMS,
	MAX_TAG_LENGTH,
	MAX_TAGS
} from './rules.ts';

/**
 * Bounds on what one row of a list (workspace list, batch) carries: summaries only of the metrics
 * asked for, and the first results by name. Counts tell how many there are in all.
 */
export const MAX_LIST_METRICS = 50;
export const MAX_LIST_RESULTS = 100;
/** Names in a list page's `metric_names` (for column pickers): the first ones by name. */
export const MAX_LIST_METRIC_NAMES = 200;

/** Ids compared as strings (a scoped key's workspace, self-references) must share one spelling. */
const Id = Uuid.transform((id) => id.toLowerCase());

/**
 * Lengths count Unicode code points, as Python's `len` (the SDK's checks) and Postgres's
 * `char_length` (our constraints) do, so an emoji counts once.
 */
const codePoints = (value: string) => [...value].length;
const atMost = (max: number) => (value: string) => codePoints(value) <= max;

const UNPAIRED_SURROGATE = /[\uD800-\uDFFF]/u;
/** Free text may hold newlines and tabs, but Postgres text and jsonb cannot hold NUL. */
const storableText = (value: string) => !value.includes('\u0000') && !UNPAIRED_SURROGATE.test(value);

function label(max: number) {
	return z
		.string()
		.trim()
		.min(1, { error: 'must not be empty' })
		.refine(atMost(max), { error: `must be at most ${max} characters` })
		.refine(isOneLineText, { error: oneLineTextError })
		.refine((value) => !UNPAIRED_SURROGATE.test(value), { error: 'must not contain unpaired surrogates' });
}

/** Descriptions and hyperparameter values: free text, but no escape sequences for a terminal. */
function prose(max: number) {
	return text(max).refine(isMultiLineText, { error: multiLineTextError });
}

function text(max: number) {
	return z
		.string()
		.refine(atMost(max), { error: `must be at most ${max} characters` })
		.refine(storableText, {
			error: 'must not contain NUL characters or unpaired surrogates'
		});
}

export const ExperimentName = label(MAX_EXPERIMENT_NAME_LENGTH);

/** `null` clears the description, as an empty string does. */
export const ExperimentDescription = prose(MAX_DESCRIPTION_LENGTH)
	.nullable()
	.transform((value) => value ?? '');

/** JSON has no NaN or Infinity, and zod's number rejects them as well. */
export const HyperparamValue = z.union([prose(MAX_HYPERPARAM_VALUE_LENGTH), z.number(), z.boolean()], {
	error: 'must be a string (at most 1000 characters), a finite number or a boolean'
});
export type HyperparamValue = z.infer<typeof HyperparamValue>;

export const Hyperparam = z.strictObject({ key: label(MAX_HYPERPARAM_KEY_LENGTH), value: HyperparamValue });
export type Hyperparam = z.infer<typeof Hyperparam>;

/** An ordered list (the SDK keeps the order of its dict); keys are unique. */
export const Hyperparams = z
	.array(Hyperparam, { error: 'must be a list of {key, value} objects' })
	.max(MAX_HYPERPARAMS, { error: `must have at most ${MAX_HYPERPARAMS} entries` })
	.superRefine((entries, ctx) => {
		const seen = new Set<string>();
		entries.forEach((entry, index) => {
			if (seen.has(entry.key)) {
				ctx.addIssue({ code: 'custom', path: [index, 'key'], message: `duplicate key "${entry.key}"` });
			}
			seen.add(entry.key);
		});
	});

export const Tag = label(MAX_TAG_LENGTH);

/** Duplicates that differ only in case collapse to the first spelling, as the SDK does. */
export const Tags = z
	.array(Tag, { error: 'must be a list of strings' })
	.max(MAX_TAGS, { error: `must have at most ${MAX_TAGS} tags` })
	.transform((tags) => {
		const seen = new Set<string>();
		return tags.filter((tag) => {
			const folded = tag.toLowerCase();
			if (seen.has(folded)) return false;
			seen.add(folded);
			return true;
		});
	});

export const ExperimentStatus = z.enum(['running', 'finished', 'failed']);
export type ExperimentStatus = z.infer<typeof ExperimentStatus>;

/** `POST /api/experiments` body: exactly what the public SDK sends, plus nothing unknown. */
export const CreateExperimentBody = z.strictObject({
	name: ExperimentName,
	workspaceId: Id.nullish(),
	description: ExperimentDescription.optional(),
	hyperparams: Hyperparams.nullish(),
	tags: Tags.nullish()
});
export type CreateExperimentBody = z.infer<typeof CreateExperimentBody>;

/** `PATCH /api/experiments/:id` body: any subset; lists replace the stored list. */
export const UpdateExperimentBody = z
	.strictObject({
		name: ExperimentName.optional(),
		description: ExperimentDescription.optional(),
		hyperparams: Hyperparams.optional(),
		tags: Tags.optional(),
		status: ExperimentStatus.optional()
	})
	.refine((body) => Object.values(body).some((value) => value !== undefined), {
		error: 'give at least one of name, description, hyperparams, tags, status'
	});
export type UpdateExperimentBody = z.infer<typeof UpdateExperimentBody>;

/** `POST /api/experiments/batch` body (the compare view); `metrics`: summaries to include. */
export const ExperimentBatchBody = z.strictObject({
	ids: z
		.array(Id)
		.min(1, { error: 'must have at least 1 id' })
		.max(100, { error: 'must have at most 100 ids' })
		.transform((ids) => [...new Set(ids)]),
	metrics: z
		.array(MetricName, { error: 'must be a list of metric names' })
		.max(MAX_LIST_METRICS, { error: `must have at most ${MAX_LIST_METRICS} names` })
		.transform((names) => [...new Set(names)])
		.default([])
});
export type ExperimentBatchBody = z.infer<typeof ExperimentBatchBody>;

/** `POST /api/experiments/:id/references` body. */
export const CreateReferenceBody = z.strictObject({ referencedId: Id });
export type CreateReferenceBody = z.infer<typeof CreateReferenceBody>;

export const WorkspaceExperimentsParams = z.object({ id: Id });
export const ReferenceParams = z.object({ id: Id, referencedId: Id });

export const ExperimentSort = z.enum(['created', 'updated', 'name']);
export type ExperimentSort = z.infer<typeof ExperimentSort>;
export const SortOrder = z.enum(['asc', 'desc']);
export type SortOrder = z.infer<typeof SortOrder>;

const oneOrMany = <T extends z.ZodType>(item: T) =>
	z.union([item, z.array(item)]).transform((value) => [value].flat() as z.infer<T>[]);

/**
 * Where a page ended: the sort key and id of its last item. Timestamps keep their microseconds
 * (a JS Date would drop them and skip rows created within the same millisecond).
 */
export interface ExperimentCursor {
	sort: ExperimentSort;
	order: SortOrder;
	key: string;
	id: string;
}

const CursorPayload = z.tuple([ExperimentSort, SortOrder, z.string().max(2000), Uuid]);
const CURSOR_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeExperimentCursor(cursor: ExperimentCursor): string {
	return Buffer.from(JSON.stringify([cursor.sort, cursor.order, cursor.key, cursor.id])).toString(
		'base64url'
	);
}

function decodeExperimentCursor(text: string): ExperimentCursor | undefined {
	let payload: unknown;
	try {
		payload = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
	} catch {
		return undefined;
	}
	const parsed = CursorPayload.safeParse(payload);
	if (!parsed.success) return undefined;
	const [sort, order, key, id] = parsed.data;
	const valid = sort === 'name' ? storableText(key) : isCursorTimestamp(key);
	return valid ? { sort, order, key, id } : undefined;
}

/** Exactly the text form we emit, and a real instant (no February 30th reaching Postgres). */
function isCursorTimestamp(key: string): boolean {
	if (!CURSOR_TIMESTAMP.test(key) || key.startsWith('0000')) return false;
	const date = new Date(`${key.slice(0, 23)}Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 23) === key.slice(0, 23);
}

/**
 * `GET /api/workspaces/:id/experiments` query. An empty `q` (a cleared search box) means no
 * search; a cursor is only valid with the sort and order that produced it.
 */
export const ListExperimentsQuery = z
	.object({
		limit: z
			.string()
			.regex(/^\d+$/, { error: 'must be a whole number from 1 to 200' })
			.transform(Number)
			.pipe(z.number().min(1, { error: 'must be at least 1' }).max(200, { error: 'must be at most 200' }))
			.default(50),
		cursor: z.string().optional(),
		q: text(200)
			.transform((value) => value.trim() || undefined)
			.optional(),
		tag: oneOrMany(Tag)
			.pipe(z.array(z.string()).max(20, { error: 'give at most 20 tags' }))
			.optional(),
		status: ExperimentStatus.optional(),
		sort: ExperimentSort.default('created'),
		order: SortOrder.optional(),
		metrics: metricNameList(MAX_LIST_METRICS).default([])
	})
	.transform(({ cursor, ...query }, ctx) => {
		const order = query.order ?? (query.sort === 'name' ? 'asc' : 'desc');
		let after: ExperimentCursor | undefined;
		if (cursor !== undefined) {
			after = decodeExperimentCursor(cursor);
			if (!after) {
				ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'is not a cursor from this list' });
				return z.NEVER;
			}
			if (after.sort !== query.sort || after.order !== order) {
				ctx.addIssue({
					code: 'custom',
					path: ['cursor'],
					message: `belongs to sort=${after.sort}&order=${after.order}; keep them while paging`
				});
				return z.NEVER;
			}
		}
		return { ...query, order, after };
	});
export type ListExperimentsQuery = z.infer<typeof ListExperimentsQuery>;

export const MetricSummary = z.object({
	name: z.string(),
	count: z.number().int(),
	first_step: z.number().int().nullable(),
	last_step: z.number().int().nullable(),
	min: z.number().nullable(),
	max: z.number().nullable(),
	last: z.number().nullable()
});
export type MetricSummary = z.infer<typeof MetricSummary>;

export const ResultValue = z.object({ name: z.string(), value: z.number(), logged_at: z.string() });
export type ResultValue = z.infer<typeof ResultValue>;

/**
 * An experiment as every endpoint returns it: snake_case, `url` to its page (README, API, "The
 * `Experiment` object"; ARCHITECTURE.md, Wire contract).
 */
export const Experiment = z.object({
	id: z.uuid(),
	name: z.string(),
	description: z.string(),
	tags: z.array(z.string()),
	hyperparams: z.array(z.object({ key: z.string(), value: HyperparamValue })),
	status: ExperimentStatus,
	workspace_id: z.uuid(),
	created_by: z.uuid().nullable(),
	created_at: z.string(),
	updated_at: z.string(),
	url: z.string(),
	/** Lists: only the summaries asked for; single reads: all. */
	metrics: z.array(MetricSummary),
	/** Lists: the first MAX_LIST_RESULTS by name; single reads: all. */
	results: z.array(ResultValue),
	metric_count: z.number().int(),
	result_count: z.number().int()
});
export type Experiment = z.infer<typeof Experiment>;

/**
 * `GET /api/workspaces/:id/experiments` response data. `metric_names`: the first names (sorted)
 * among the page's experiments, so a client can offer metric columns without every summary.
 */
export const ExperimentPage = z.object({
	items: z.array(Experiment),
	next_cursor: z.string().nullable(),
	metric_names: z.array(z.string())
});
export type ExperimentPage = z.infer<typeof ExperimentPage>;

/** Enough to show and link another experiment (references). */
export const ExperimentSummary = Experiment.pick({
	id: true,
	name: true,
	status: true,
	workspace_id: true,
	url: true
});
export type ExperimentSummary = z.infer<typeof ExperimentSummary>;

/** `GET /api/experiments/:id/references` response data: only experiments the caller may see. */
export const ExperimentReferences = z.object({
	outgoing: z.array(ExperimentSummary),
	incoming: z.array(ExperimentSummary)
});
export type ExperimentReferences = z.infer<typeof ExperimentReferences>;

/** `POST /api/experiments/:id/references` response data. */
export const ExperimentReference = z.object({
	experiment_id: z.uuid(),
	referenced_id: z.uuid(),
	created_at: z.string(),
	referenced: ExperimentSummary
});
export type ExperimentReference = z.infer<typeof ExperimentReference>;
