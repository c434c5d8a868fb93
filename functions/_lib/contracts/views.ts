/**
 * Saved views of the runs table, autocomplete keys and bulk actions on runs: the contracts of
 * `/api/workspaces/:id/views`, `/keys` and `/experiments/bulk`.
 */
import * as z from 'zod';
import { isOneLineText, isStorableText, oneLineTextError, STORABLE_TEXT_ERROR, Uuid } from './common.ts';
import { SortOrder, Tag } from './experiments.ts';
import { QuerySyntaxError } from './query/ast.ts';
import { parseKey, parseQuery, parseSortKey } from './query/parse.ts';

export const MAX_VIEW_NAME_LENGTH = 100;
/** Views one workspace may hold. */
export const MAX_VIEWS_PER_WORKSPACE = 200;
/** A view's whole state, and its `compare` part, as JSON text (UTF-8 bytes). */
export const MAX_VIEW_STATE_BYTES = 16 * 1024;
export const MAX_VIEW_COMPARE_BYTES = 8 * 1024;
export const MAX_VIEW_FILTER_LENGTH = 2000;
export const MAX_VIEW_KEY_LENGTH = 600;
export const MAX_VIEW_COLUMNS = 100;

const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

export const ViewName = z
	.string()
	.trim()
	.min(1, { error: 'must not be empty' })
	.refine((value) => [...value].length <= MAX_VIEW_NAME_LENGTH, {
		error: `must be at most ${MAX_VIEW_NAME_LENGTH} characters`
	})
	.refine(isOneLineText, { error: oneLineTextError })
	.refine(isStorableText, { error: STORABLE_TEXT_ERROR });

/** Text jsonb can hold: no NUL and no lone surrogate, in keys or values, at any depth. */
function storableJson(value: unknown): boolean {
	if (typeof value === 'string') return isStorableText(value);
	if (Array.isArray(value)) return value.every(storableJson);
	if (value !== null && typeof value === 'object') {
		return Object.entries(value).every(([key, item]) => isStorableText(key) && storableJson(item));
	}
	return true;
}

const storableString = (max: number) =>
	z
		.string()
		.max(max, { error: `must be at most ${max} characters` })
		.refine(isStorableText, { error: STORABLE_TEXT_ERROR });

/** A query-language parse as an issue at `path` ("col 17: ..."), so the site can point at it. */
function checkParses(ctx: z.RefinementCtx, path: (string | number)[], parse: () => unknown) {
	try {
		parse();
	} catch (error) {
		if (!(error instanceof QuerySyntaxError)) throw error;
		ctx.addIssue({ code: 'custom', path, message: error.message });
	}
}

/**
 * What a view remembers of the runs table. Checked with the query language when saved; stored
 * as given and never checked again on read, so a view a later grammar refuses still opens.
 */
export const ViewState = z
	.strictObject({
		filter: storableString(MAX_VIEW_FILTER_LENGTH).optional(),
		sort: storableString(MAX_VIEW_KEY_LENGTH).optional(),
		order: SortOrder.optional(),
		columns: z
			.array(storableString(MAX_VIEW_KEY_LENGTH))
			.max(MAX_VIEW_COLUMNS, { error: `must have at most ${MAX_VIEW_COLUMNS} columns` })
			.optional(),
		/** The compare page's chart settings: any JSON the site keeps there. */
		compare: z
			.record(z.string(), z.json())
			.refine(storableJson, { error: STORABLE_TEXT_ERROR })
			.refine((value) => jsonBytes(value) <= MAX_VIEW_COMPARE_BYTES, {
				error: `must be at most ${MAX_VIEW_COMPARE_BYTES} bytes of JSON`
			})
			.optional()
	})
	.superRefine((state, ctx) => {
		if (state.filter !== undefined) checkParses(ctx, ['filter'], () => parseQuery(state.filter!));
		if (state.sort !== undefined) checkParses(ctx, ['sort'], () => parseSortKey(state.sort!));
		state.columns?.forEach((column, index) => checkParses(ctx, ['columns', index], () => parseKey(column)));
		if (jsonBytes(state) > MAX_VIEW_STATE_BYTES) {
			ctx.addIssue({
				code: 'custom',
				path: [],
				message: `must be at most ${MAX_VIEW_STATE_BYTES} bytes of JSON`
			});
		}
	});
export type ViewState = z.infer<typeof ViewState>;

/** `POST /api/workspaces/:id/views` body. */
export const CreateViewBody = z.strictObject({
	name: ViewName,
	state: ViewState,
	isDefault: z.boolean().optional()
});
export type CreateViewBody = z.infer<typeof CreateViewBody>;

/** `PATCH /api/workspaces/:id/views/:viewId` body: any subset. */
export const UpdateViewBody = z
	.strictObject({
		name: ViewName.optional(),
		state: ViewState.optional(),
		isDefault: z.boolean().optional()
	})
	.refine((body) => Object.values(body).some((value) => value !== undefined), {
		error: 'give at least one of name, state, isDefault'
	});
export type UpdateViewBody = z.infer<typeof UpdateViewBody>;

export const ViewParams = z.object({ id: Uuid, viewId: Uuid });

/**
 * A saved view as the API returns it. `state` is what was saved; when the grammar changed since,
 * its query may no longer parse (the site shows the error).
 */
export const SavedView = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	name: z.string(),
	state: z.record(z.string(), z.unknown()),
	is_default: z.boolean(),
	created_by: z.uuid().nullable(),
	created_at: z.string(),
	updated_at: z.string()
});
export type SavedView = z.infer<typeof SavedView>;

// ---- autocomplete keys ----------------------------------------------------------------------

/** Names per kind in `GET /api/workspaces/:id/keys`, and values per `?values=` answer. */
export const MAX_KEY_NAMES = 1000;
export const MAX_KEY_VALUES = 100;
/** `?values=` looks at this many of the workspace's newest runs. */
export const KEY_VALUES_RUNS = 1000;

/** The keys `?values=` answers for: those whose values are words a person picks from. */
const VALUE_FIELDS = new Set(['name', 'tag', 'status', 'creator', 'project']);

/** `GET /api/workspaces/:id/keys` query: without `values`, the names; with it, that key's values. */
export const KeysQuery = z
	.object({ values: z.string().max(MAX_VIEW_KEY_LENGTH).optional() })
	.transform((query, ctx) => {
		if (query.values === undefined) return { values: undefined };
		try {
			const key = parseKey(query.values);
			if (key.kind === 'hp' || (key.kind === 'field' && VALUE_FIELDS.has(key.field))) {
				return { values: key };
			}
			ctx.addIssue({
				code: 'custom',
				path: ['values'],
				message: 'values are listed for hp.<name>, name, tag, status, creator and project'
			});
		} catch (error) {
			if (!(error instanceof QuerySyntaxError)) throw error;
			ctx.addIssue({ code: 'custom', path: ['values'], message: error.message });
		}
		return z.NEVER;
	});
export type KeysQuery = z.infer<typeof KeysQuery>;

/** `GET /api/workspaces/:id/keys` data: every name used in the workspace, by kind (sorted). */
export interface WorkspaceKeys {
	hyperparams: string[];
	metrics: string[];
	results: string[];
	tags: string[];
}

/** `GET /api/workspaces/:id/keys?values=` data: most frequent first. */
export interface KeyValues {
	values: Array<string | number | boolean>;
}

// ---- bulk actions ---------------------------------------------------------------------------

export const MAX_BULK_IDS = 1000;
/** Runs one bulk call may change when it selects by filter. */
export const MAX_BULK_MATCHES = 10_000;

const BulkIds = z
	.array(Uuid)
	.min(1, { error: 'must have at least 1 id' })
	.max(MAX_BULK_IDS, { error: `must have at most ${MAX_BULK_IDS} ids` })
	.transform((ids) => [...new Set(ids)]);

const BulkFilter = z
	.string()
	.max(MAX_VIEW_FILTER_LENGTH + 200)
	.transform((text, ctx) => {
		try {
			// Wrapped: an empty filter (every run) parses to no expression, yet was given.
			return { expr: parseQuery(text) };
		} catch (error) {
			if (!(error instanceof QuerySyntaxError)) throw error;
			ctx.addIssue({ code: 'custom', message: error.message });
			return z.NEVER;
		}
	});

const BulkTags = z
	.array(Tag, { error: 'must be a list of tags' })
	.min(1, { error: 'must have at least 1 tag' })
	.max(50, { error: 'must have at most 50 tags' })
	.transform((tags) => {
		const seen = new Set<string>();
		return tags.filter((tag) => !seen.has(tag.toLowerCase()) && seen.add(tag.toLowerCase()));
	});

/**
 * `POST /api/workspaces/:id/experiments/bulk` body: the runs (`ids`, or every run matching
 * `filter`, an empty filter meaning all) and what to do to them.
 */
export const BulkBody = z
	.strictObject({
		ids: BulkIds.optional(),
		filter: BulkFilter.optional(),
		action: z.enum(['add-tags', 'remove-tags', 'delete']),
		tags: BulkTags.optional()
	})
	.superRefine((body, ctx) => {
		if ((body.ids === undefined) === (body.filter === undefined)) {
			ctx.addIssue({ code: 'custom', path: [], message: 'give either ids or filter' });
		}
		const tagAction = body.action !== 'delete';
		if (tagAction && body.tags === undefined) {
			ctx.addIssue({ code: 'custom', path: ['tags'], message: `is required for ${body.action}` });
		}
		if (!tagAction && body.tags !== undefined) {
			ctx.addIssue({ code: 'custom', path: ['tags'], message: 'is only for add-tags and remove-tags' });
		}
	});
export type BulkBody = z.infer<typeof BulkBody>;

/** `POST /api/workspaces/:id/experiments/bulk` data: runs selected, and runs actually changed. */
export interface BulkResult {
	matched: number;
	changed: number;
}
