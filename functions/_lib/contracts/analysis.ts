/**
 * Analyses of many runs: the contract of `POST /api/analysis/importance` (hyperparameter
 * importance for one target, functions/_lib/analysis/importance.ts).
 */
import * as z from 'zod';
import { MAX_PARAMS, MAX_RUNS } from '../analysis/importance.ts';
import { Uuid } from './common.ts';
import { Hyperparam } from './experiments.ts';
import { formatKey, QUERY_LIMITS, QuerySyntaxError, type Expr, type Key } from './query/ast.ts';
import { parseKey, parseQuery } from './query/parse.ts';

export { MAX_PARAMS as MAX_IMPORTANCE_PARAMS, MAX_RUNS as MAX_IMPORTANCE_RUNS };
/** Runs one request may name by id. */
export const MAX_IMPORTANCE_IDS = 1000;

/** What a target may be: a value every run has at most one of. */
export type ImportanceTarget = Extract<Key, { kind: 'metric' } | { kind: 'result' }>;

/** Which runs: named ones (any workspace the caller reads), or a workspace's runs matching a filter. */
export type ImportanceScope =
	{ kind: 'runs'; ids: string[] } | { kind: 'workspace'; workspaceId: string; filter?: Expr };

const TARGET_ERROR = 'must be metric.<name>.<last|min|max|first|count|last_step> or result.<name>';

/**
 * `POST /api/analysis/importance` body: `{experimentIds, target, params?}` or `{workspaceId,
 * filter?, target, params?}`. `target` and `filter` are the run query language; a parse error
 * names its column ("col 9: ..."), as the runs list does. `params` are hyperparameter names
 * (default: every one the runs have, the most common first).
 */
export const ImportanceBody = z
	.strictObject({
		experimentIds: z
			.array(Uuid, { error: 'must be a list of experiment ids' })
			.min(1, { error: 'must have at least 1 id' })
			.max(MAX_IMPORTANCE_IDS, { error: `must have at most ${MAX_IMPORTANCE_IDS} ids` })
			.transform((ids) => [...new Set(ids)])
			.optional(),
		workspaceId: Uuid.optional(),
		filter: z
			.string({ error: 'must be a query string' })
			.max(QUERY_LIMITS.length + 200)
			.optional(),
		target: z.string({ error: TARGET_ERROR }).max(600, { error: 'must be at most 600 characters' }),
		params: z
			.array(Hyperparam.shape.key, { error: 'must be a list of hyperparameter names' })
			.min(1, { error: 'must name at least 1 hyperparameter (or leave it out for all)' })
			.max(MAX_PARAMS, { error: `must have at most ${MAX_PARAMS} names` })
			.transform((names) => [...new Set(names)])
			.optional()
	})
	.transform(({ experimentIds, workspaceId, filter: filterText, target: targetText, params }, ctx) => {
		/** An issue at `field`, or on the body itself (`_`) without one. */
		const fail = (field: string | undefined, message: string) => {
			ctx.addIssue({ code: 'custom', path: field ? [field] : [], message });
			return z.NEVER;
		};
		if ((experimentIds === undefined) === (workspaceId === undefined)) {
			return fail(undefined, 'give either experimentIds or workspaceId (with an optional filter)');
		}
		if (experimentIds && filterText !== undefined) {
			return fail('filter', 'applies to a workspace’s runs: give workspaceId instead of experimentIds');
		}
		let target: Key;
		let filter: Expr | undefined;
		try {
			target = parseKey(targetText);
		} catch (error) {
			if (!(error instanceof QuerySyntaxError)) throw error;
			return fail('target', error.message);
		}
		if (target.kind !== 'metric' && target.kind !== 'result') return fail('target', TARGET_ERROR);
		try {
			filter = parseQuery(filterText ?? '');
		} catch (error) {
			if (!(error instanceof QuerySyntaxError)) throw error;
			return fail('filter', error.message);
		}
		const scope: ImportanceScope = experimentIds
			? { kind: 'runs', ids: experimentIds }
			: { kind: 'workspace', workspaceId: workspaceId!, filter };
		return { scope, target, targetName: formatKey(target), params };
	});
export type ImportanceBody = z.infer<typeof ImportanceBody>;

export const ParameterImportance = z.object({
	key: z.string(),
	/** How the values were read: log10 for Pearson on `log`; categories have no correlation. */
	kind: z.enum(['numeric', 'log', 'boolean', 'categorical']),
	pearson: z.number().nullable(),
	spearman: z.number().nullable(),
	/** Its share of the forest's permutation importance (shares sum to 1); null with too few runs. */
	importance: z.number().nullable(),
	/** Runs with both the target and this parameter. */
	runs_used: z.number().int()
});
export type ParameterImportance = z.infer<typeof ParameterImportance>;

/** `POST /api/analysis/importance` response data. */
export const ImportanceAnalysis = z.object({
	/** The target as the query language writes it. */
	target: z.string(),
	/** Runs the caller may read that the request selects (ids found, or matching the filter). */
	runs_matched: z.number().int(),
	/** Whether more than MAX_IMPORTANCE_RUNS matched, so a deterministic sample of that many was read. */
	sampled: z.boolean(),
	/** Runs read that have a finite target value, and those without one. */
	runs_used: z.number().int(),
	runs_without_target: z.number().int(),
	/** Runs the forest was fitted on (a deterministic sample above its own bound); 0 when none. */
	forest_runs: z.number().int(),
	/** The share of the target's variance the forest predicts on runs it did not train on. */
	out_of_bag_r2: z.number().nullable(),
	/** By importance, then |Spearman|, then key. */
	parameters: z.array(ParameterImportance),
	/** Parameters with one value in every run (`constant`) or in none (`absent`). */
	left_out: z.array(z.object({ key: z.string(), reason: z.enum(['constant', 'absent']) })),
	/** Why the numbers say little (too few runs, ...), or that a sample was analysed. */
	note: z.string().nullable()
});
export type ImportanceAnalysis = z.infer<typeof ImportanceAnalysis>;
