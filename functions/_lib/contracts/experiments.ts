import * as z from 'zod';
import { isMultiLineText, isOneLineText, multiLineTextError, oneLineTextError, Uuid } from './common.ts';
import { MetricName, metricNameList, SourceTimestamp } from './logs.ts';
import {
	CONTEXT_FIELDS,
	defaultSortOrder,
	formatKey,
	isContextField,
	QUERY_LIMITS,
	QuerySyntaxError,
	type ContextField,
	type Expr,
	type Key
} from './query/ast.ts';
import { parseKey, parseQuery, parseSortKey } from './query/parse.ts';
import { ContextSummary, ExperimentNotes } from './run-context.ts';
import {
	MAX_DESCRIPTION_LENGTH,
	MAX_EXPERIMENT_NAME_LENGTH,
	MAX_HYPERPARAM_KEY_LENGTH,
	MAX_HYPERPARAM_VALUE_LENGTH,
	MAX_HYPERPARAMS,
	MAX_IMPORT_KEY_LENGTH,
	MAX_PROJECT_NAME_LENGTH,
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
/**
 * Characters of a context text a list row carries in `context_values` (a command line may be
 * megabytes): enough for a cell. Filters and sorts read the whole value; the run's page shows it.
 */
export const MAX_LIST_CONTEXT_CHARS = 1000;

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

/** A project is named like a tag is: one line, unique in its workspace. */
export const ProjectName = label(MAX_PROJECT_NAME_LENGTH);

/** A source's own id for an imported run; the same key in a workspace answers the same run. */
export const ImportKey = label(MAX_IMPORT_KEY_LENGTH);

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
/**
 * The status shown: what the run said, except that a running run whose SDK has gone quiet (no
 * write or heartbeat for the crash timeout) shows as `crashed` until it is heard from again.
 */
export const RunStatus = z.enum(['running', 'finished', 'failed', 'crashed']);
export type RunStatus = z.infer<typeof RunStatus>;

/** `POST /api/experiments` body: exactly what the public SDK sends, plus nothing unknown. */
export const CreateExperimentBody = z
	.strictObject({
		name: ExperimentName,
		workspaceId: Uuid.nullish(),
		description: ExperimentDescription.optional(),
		hyperparams: Hyperparams.nullish(),
		tags: Tags.nullish(),
		/** A project of the workspace, by name; made on first use. */
		project: ProjectName.nullish(),
		/** Creating again with the same key answers the run made the first time (idempotent imports). */
		importKey: ImportKey.nullish(),
		/**
		 * When an imported run started at its source (milliseconds since the epoch): the run's
		 * `created_at`. Only with `importKey` — a live run starts now.
		 */
		startedAt: SourceTimestamp.nullish()
	})
	.check((ctx) => {
		if (ctx.value.startedAt != null && !ctx.value.importKey)
			ctx.issues.push({
				code: 'custom',
				path: ['startedAt'],
				message: 'is only for imported runs: send it with importKey',
				input: ctx.value.startedAt
			});
	});
export type CreateExperimentBody = z.infer<typeof CreateExperimentBody>;

/** `PATCH /api/experiments/:id` body: any subset; lists replace the stored list. */
export const UpdateExperimentBody = z
	.strictObject({
		name: ExperimentName.optional(),
		description: ExperimentDescription.optional(),
		hyperparams: Hyperparams.optional(),
		tags: Tags.optional(),
		status: ExperimentStatus.optional(),
		notes: ExperimentNotes.optional(),
		/** A project by name (made on first use); null takes the run out of its project. */
		project: ProjectName.nullable().optional()
	})
	.refine((body) => Object.values(body).some((value) => value !== undefined), {
		error: 'give at least one of name, description, hyperparams, tags, status, notes, project'
	});
export type UpdateExperimentBody = z.infer<typeof UpdateExperimentBody>;

/** `POST /api/experiments/batch` body (the compare view); `metrics`: summaries to include. */
export const ExperimentBatchBody = z.strictObject({
	ids: z
		.array(Uuid)
		.min(1, { error: 'must have at least 1 id' })
		.max(100, { error: 'must have at most 100 ids' })
		.transform((ids) => [...new Set(ids)]),
	metrics: z
		.array(MetricName, { error: 'must be a list of metric names' })
		.max(MAX_LIST_METRICS, { error: `must have at most ${MAX_LIST_METRICS} names` })
		.transform((names) => [...new Set(names)])
		.default([]),
	/** Context keys (`host`, `git.branch`, ...) whose values each item carries in `context_values`. */
	context: z
		.array(z.enum(CONTEXT_FIELDS, { error: `must be one of ${CONTEXT_FIELDS.join(', ')}` }), {
			error: 'must be a list of context keys'
		})
		.max(CONTEXT_FIELDS.length, { error: `must have at most ${CONTEXT_FIELDS.length} keys` })
		.transform((fields) => [...new Set(fields)])
		.default([])
});
export type ExperimentBatchBody = z.infer<typeof ExperimentBatchBody>;

/** `POST /api/experiments/:id/references` body. */
export const CreateReferenceBody = z.strictObject({ referencedId: Uuid });
export type CreateReferenceBody = z.infer<typeof CreateReferenceBody>;

export const WorkspaceExperimentsParams = z.object({ id: Uuid });
export const ReferenceParams = z.object({ id: Uuid, referencedId: Uuid });

/** The sorts the dashboard offers in its headers; the API sorts by any key of the query language. */
export const ExperimentSort = z.enum(['created', 'updated', 'name']);
export type ExperimentSort = z.infer<typeof ExperimentSort>;
export const SortOrder = z.enum(['asc', 'desc']);
export type SortOrder = z.infer<typeof SortOrder>;

const oneOrMany = <T extends z.ZodType>(item: T) =>
	z.union([item, z.array(item)]).transform((value) => [value].flat() as z.infer<T>[]);

/**
 * Where a page ended, under the sort that made it: whether its last run had a value for the sort
 * key, that value's parts as text (timestamps keep their microseconds: a JS Date would drop them
 * and skip rows created within the same millisecond), and the run's id.
 */
export interface ExperimentCursor {
	sort: string;
	order: SortOrder;
	present: boolean;
	values: string[];
	id: string;
}

const CursorPayload = z.tuple([
	z.string().max(600),
	SortOrder,
	z.boolean(),
	z.array(z.string().max(2000).refine(storableText)).max(3),
	Uuid
]);

export function encodeExperimentCursor(cursor: ExperimentCursor): string {
	const payload = [cursor.sort, cursor.order, cursor.present, cursor.values, cursor.id];
	return Buffer.from(JSON.stringify(payload)).toString('base64url');
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
	const [sort, order, present, values, id] = parsed.data;
	return { sort, order, present, values, id };
}

/**
 * `GET /api/workspaces/:id/experiments` query. `filter` is the run query language
 * (contracts/query), `sort` any key of it; `q`, `tag` and `status` still narrow the list as
 * before. An empty `q` or `filter` (a cleared box) means none; a cursor is only valid with the
 * sort and order that produced it. Which metric summaries each item carries: those named in
 * `metrics`, and the metrics of `metric.*` keys in `columns` and `sort`; the context keys among
 * `columns` and `sort` give each item `context_values`. `count=true` adds `total` to the page.
 */
export const ListExperimentsQuery = z
	.object({
		limit: z
			.string()
			.regex(/^\d+$/, { error: 'must be a whole number from 1 to 200' })
			.transform(Number)
			.pipe(z.number().min(1, { error: 'must be at least 1' }).max(200, { error: 'must be at most 200' }))
			.default(50),
		cursor: z.string().max(4000).optional(),
		q: text(200)
			.transform((value) => value.trim() || undefined)
			.optional(),
		filter: z
			.string()
			.max(QUERY_LIMITS.length + 200)
			.optional(),
		tag: oneOrMany(Tag)
			.pipe(z.array(z.string()).max(20, { error: 'give at most 20 tags' }))
			.optional(),
		status: ExperimentStatus.optional(),
		sort: z.string().max(600).default('created'),
		order: SortOrder.optional(),
		columns: oneOrMany(z.string().max(QUERY_LIMITS.length))
			.transform((lists) => lists.flatMap((list) => splitColumns(list)))
			.optional(),
		metrics: metricNameList(MAX_LIST_METRICS).default([]),
		/** `true`: the page also carries `total`, the number of runs matching (costs a count). */
		count: z
			.enum(['true', 'false'], { error: 'must be true or false' })
			.transform((value) => value === 'true')
			.optional()
	})
	.transform(({ cursor, filter: filterText, sort: sortText, columns: columnTexts, ...query }, ctx) => {
		const filter = tryParse(ctx, 'filter', () => parseQuery(filterText ?? ''));
		const sort = tryParse(ctx, 'sort', () => parseSortKey(sortText));
		const columns = (columnTexts ?? []).map((column) => tryParse(ctx, 'columns', () => parseKey(column)));
		if (!filter.ok || !sort.ok || columns.some((column) => !column.ok)) return z.NEVER;
		if (columns.length > MAX_LIST_COLUMNS) {
			ctx.addIssue({
				code: 'custom',
				path: ['columns'],
				message: `give at most ${MAX_LIST_COLUMNS} columns`
			});
			return z.NEVER;
		}
		const sortName = formatKey(sort.value);
		const order = query.order ?? defaultSortOrder(sort.value);
		let after: ExperimentCursor | undefined;
		if (cursor !== undefined) {
			after = decodeExperimentCursor(cursor);
			if (!after) {
				ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'is not a cursor from this list' });
				return z.NEVER;
			}
			if (after.sort !== sortName || after.order !== order) {
				ctx.addIssue({
					code: 'custom',
					path: ['cursor'],
					message: `belongs to sort=${after.sort}&order=${after.order}; keep them while paging`
				});
				return z.NEVER;
			}
		}
		const metricKeys = [sort, ...columns].flatMap(({ value: key }) =>
			key?.kind === 'metric' ? [key.name] : []
		);
		const metrics = [...new Set([...query.metrics, ...metricKeys])];
		if (metrics.length > MAX_LIST_METRICS) {
			ctx.addIssue({
				code: 'custom',
				path: ['columns'],
				message: `name at most ${MAX_LIST_METRICS} metrics in all`
			});
			return z.NEVER;
		}
		const context = [
			...new Set(
				[sort, ...columns].flatMap(({ value: key }): ContextField[] =>
					key?.kind === 'field' && isContextField(key.field) ? [key.field] : []
				)
			)
		];
		return { ...query, metrics, context, filter: filter.value, sort: sort.value, sortName, order, after };
	});
export type ListExperimentsQuery = z.infer<typeof ListExperimentsQuery>;

export const MetricSummary = z.object({
	name: z.string(),
	count: z.number().int(),
	first_step: z.number().int().nullable(),
	last_step: z.number().int().nullable(),
	min: z.number().nullable(),
	max: z.number().nullable(),
	last: z.number().nullable(),
	/** The value at the lowest step. */
	first: z.number().nullable()
});
export type MetricSummary = z.infer<typeof MetricSummary>;

export const ResultValue = z.object({ name: z.string(), value: z.number(), logged_at: z.string() });
export type ResultValue = z.infer<typeof ResultValue>;

/**
 * A context key's value in a list row, as the query language reads it: text (`host`, `runtime`
 * as "python 3.11.7", `command` joined by spaces; cut at MAX_LIST_CONTEXT_CHARS), a number
 * (`cpus`, `memory` in bytes), a boolean (`git.dirty`), the GPUs' names (`gpu`); null when the
 * run has none.
 */
export const ContextValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);
export type ContextValue = z.infer<typeof ContextValue>;

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
	status: RunStatus,
	workspace_id: z.uuid(),
	/** The project the run belongs to (id and name), or null. */
	project_id: z.uuid().nullable(),
	project: z.string().nullable(),
	created_by: z.uuid().nullable(),
	created_at: z.string(),
	updated_at: z.string(),
	/** The last time the run's SDK was heard from (any write, or a heartbeat). */
	last_seen_at: z.string(),
	url: z.string(),
	/** Lists: only the summaries asked for; single reads: all. */
	metrics: z.array(MetricSummary),
	/** Lists: the first MAX_LIST_RESULTS by name; single reads: all. */
	results: z.array(ResultValue),
	metric_count: z.number().int(),
	result_count: z.number().int(),
	/**
	 * Lists only, and only when asked for (the context keys among a list's `columns` and `sort`,
	 * a batch's `context`): each key's value, keyed as the query language writes it.
	 */
	context_values: z.record(z.string(), ContextValue).optional()
});
export type Experiment = z.infer<typeof Experiment>;

/**
 * One experiment as its own page reads it (`GET`/`PATCH /api/experiments/:id`): the list shape
 * plus its markdown notes and the summary of its captured context, which lists leave out.
 */
export const ExperimentDetail = Experiment.extend({
	notes: z.string(),
	context: ContextSummary.nullable()
});
export type ExperimentDetail = z.infer<typeof ExperimentDetail>;

/**
 * `GET /api/workspaces/:id/experiments` response data. `metric_names`: the first names (sorted)
 * among the page's experiments, so a client can offer metric columns without every summary.
 */
export const ExperimentPage = z.object({
	items: z.array(Experiment),
	next_cursor: z.string().nullable(),
	metric_names: z.array(z.string()),
	/** With `count=true` only: how many runs match `q`, `tag`, `status` and `filter`. */
	total: z.number().int().optional()
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

/** Column keys a list may name (each a query-language key). */
export const MAX_LIST_COLUMNS = 100;

/** `a,b` → ["a", "b"], leaving commas inside quoted names alone (`metric."a,b".min`). */
function splitColumns(list: string): string[] {
	const columns: string[] = [];
	let current = '';
	let quote: string | undefined;
	for (let i = 0; i < list.length; i++) {
		const c = list[i];
		if (quote) {
			if (c === '\\') current += list[i++] ?? '';
			else if (c === quote) quote = undefined;
		} else if (c === '"' || c === "'") quote = c;
		else if (c === ',') {
			if (current.trim()) columns.push(current.trim());
			current = '';
			continue;
		}
		current += c;
	}
	if (current.trim()) columns.push(current.trim());
	return columns;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; value?: undefined };

/** Runs a query-language parse, turning its error into an issue on `field` ("col 17: ..."). */
function tryParse<T>(ctx: z.RefinementCtx, field: string, parse: () => T): Attempt<T> {
	try {
		return { ok: true, value: parse() };
	} catch (error) {
		if (!(error instanceof QuerySyntaxError)) throw error;
		ctx.addIssue({ code: 'custom', path: [field], message: error.message });
		return { ok: false };
	}
}

export type { Expr as RunFilter, Key as RunKey };
