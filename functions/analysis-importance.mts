import type { Config } from '@netlify/functions';
import { analyseImportance, type ImportanceAnalysis as Analysis } from './_lib/analysis/importance.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { ImportanceBody, MAX_IMPORTANCE_RUNS, type ImportanceAnalysis } from './_lib/contracts/analysis.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { queryClock } from './_lib/liveness.ts';
import { readAnalysisRuns } from './_lib/repositories/analysis.repository.ts';

export const config: Config = { path: '/api/analysis/importance', method: ['POST'] };

/**
 * Hyperparameter importance for one target over the compared runs (by id, across any
 * workspaces the caller reads; the others are simply absent) or a workspace's runs matching a
 * filter (the viewer role there, checked as the runs list checks it). POST because a thousand
 * ids do not fit a URL; it reads, it changes nothing. Bounded: at most MAX_IMPORTANCE_RUNS runs
 * are read (a deterministic sample above that, which the answer reports) and the analysis's
 * own bounds (functions/_lib/analysis/importance.ts) fix its work.
 */
export default endpoint(config, 'Experiments', {
	POST: method({
		access: 'signed-in',
		body: ImportanceBody,
		docs: {
			who: 'signed in or key (viewer of `workspaceId`)',
			request: '`{experimentIds, target, params?}` (1–1000 ids) or `{workspaceId, filter?, target, params?}`',
			success:
				'200 `{parameters: [{key, kind, pearson, spearman, importance, runs_used}], runs_used, note, ...}`'
		},
		handle: async ({ db, principal, body }) => {
			if (body.scope.kind === 'workspace') {
				await requireWorkspaceRole(db, principal, body.scope.workspaceId, 'viewer');
			}
			const { runs, matched } = await readAnalysisRuns(
				db,
				principal,
				body.scope,
				body.target,
				body.params,
				queryClock()
			);
			const analysis = analyseImportance(runs, { params: body.params });
			return json(toResponse(body.targetName, matched, analysis));
		}
	})
});

function toResponse(target: string, matched: number, analysis: Analysis): ImportanceAnalysis {
	const sampled = matched > MAX_IMPORTANCE_RUNS;
	const sampleNote = sampled
		? `Analysed a deterministic sample of ${MAX_IMPORTANCE_RUNS} of the ${matched} matching runs.`
		: null;
	return {
		target,
		runs_matched: matched,
		sampled,
		runs_used: analysis.runsUsed,
		runs_without_target: analysis.runsWithoutTarget,
		forest_runs: analysis.forestRuns,
		out_of_bag_r2: analysis.outOfBagR2,
		parameters: analysis.parameters.map((parameter) => ({
			key: parameter.key,
			kind: parameter.kind,
			pearson: parameter.pearson,
			spearman: parameter.spearman,
			importance: parameter.importance,
			runs_used: parameter.runsUsed
		})),
		left_out: analysis.leftOut,
		note: [sampleNote, analysis.note].filter(Boolean).join(' ') || null
	};
}
