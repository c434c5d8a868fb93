/**
 * What a share link's token opens: the link (one 404 for every way a token can fail), the runs it
 * covers, and those runs as the shared page shows them, with anonymous links stripped of
 * everything that says who made the runs or where.
 */
import type { ContextSummary } from './contracts/run-context.ts';
import { ListExperimentsQuery, type Experiment } from './contracts/experiments.ts';
import { MAX_SHARED_RUNS, type SharedContent, type SharedExperiment } from './contracts/share-links.ts';
import type { Db } from './db.ts';
import { ApiError } from './errors.ts';
import { queryClock } from './liveness.ts';
import { getExperiment, listWorkspaceExperiments } from './repositories/experiment.repository.ts';
import { readContextSummary, readNotes } from './repositories/run-context.repository.ts';
import { findLiveLink, findView, type LiveLink } from './repositories/share-link.repository.ts';
import { recordUnknownToken, refuseIfGuessing } from './share-rate-limit.ts';
import { hashShareToken, isShareToken } from './share-token.ts';

/** The one answer for a token that opens nothing, whatever the reason. */
export const sharedNotFound = () =>
	new ApiError(404, 'NOT_FOUND', 'This share link does not exist or no longer works.');

/** The live link a token names; a 404 (counted against the client) or a 429 otherwise. */
export async function openLink(db: Db, token: string, client: string): Promise<LiveLink> {
	refuseIfGuessing(client);
	const link = isShareToken(token) ? await findLiveLink(db, hashShareToken(token)) : undefined;
	if (!link) {
		recordUnknownToken(client);
		throw sharedNotFound();
	}
	return link;
}

/** Origin placeholder: shared answers carry no experiment URLs (they would point at our pages). */
const NO_ORIGIN = '';

/**
 * The ids of the runs a link covers, in its order: the run, the selection (runs deleted since
 * dropped), or the first MAX_SHARED_RUNS runs the view's filter matches now. `reason` says why a
 * view shows none.
 */
export async function sharedRunIds(
	db: Db,
	link: LiveLink
): Promise<{ ids: string[]; reason: string | null }> {
	if (link.experimentId) return { ids: [link.experimentId], reason: null };
	if (link.experimentIds) return { ids: link.experimentIds, reason: null };
	const view = link.viewId ? await findView(db, link.viewId) : undefined;
	if (!view) return { ids: [], reason: null };
	const { filter, sort, order } = view.state;
	const query = ListExperimentsQuery.safeParse({
		limit: String(MAX_SHARED_RUNS),
		...(typeof filter === 'string' && filter.trim() ? { filter } : {}),
		...(typeof sort === 'string' ? { sort } : {}),
		...(typeof order === 'string' ? { order } : {})
	});
	if (!query.success) return { ids: [], reason: "the view's filter or sort no longer parses" };
	const page = await listWorkspaceExperiments(db, link.workspaceId, query.data, NO_ORIGIN, queryClock());
	return { ids: page.items.map((item) => item.id), reason: null };
}

/** A context summary with nothing that names a machine, a person or a repository. */
function anonymousContext(context: ContextSummary | null): ContextSummary | null {
	return context && { ...context, git: null, host: null, cwd: null, command: null };
}

function toShared(
	experiment: Experiment,
	detail: { notes: string; context: ContextSummary | null },
	anonymous: boolean
): SharedExperiment {
	return {
		id: experiment.id,
		name: experiment.name,
		description: experiment.description,
		tags: experiment.tags,
		hyperparams: experiment.hyperparams,
		status: experiment.status,
		project: anonymous ? null : experiment.project,
		created_at: experiment.created_at,
		updated_at: experiment.updated_at,
		metrics: experiment.metrics,
		results: experiment.results,
		notes: detail.notes,
		context: anonymous ? anonymousContext(detail.context) : detail.context
	};
}

/**
 * The shared content, or undefined when the link's target is gone (a deleted run, a deleted
 * view, a selection whose runs are all deleted): the caller answers that with the same 404.
 * A single run carries its notes and context; the runs of a selection or view carry neither
 * (the compare page shows neither), which keeps a 100-run answer to one read per run.
 */
export async function readSharedContent(db: Db, link: LiveLink): Promise<SharedContent | undefined> {
	const { ids, reason } = await sharedRunIds(db, link);
	const view = link.viewId ? await findView(db, link.viewId) : undefined;
	if (link.viewId && !view) return undefined;
	const found = await Promise.all(ids.map((id) => getExperiment(db, id, NO_ORIGIN)));
	// A selection names runs by id; only those still in the link's workspace are shown.
	const runs = found.filter(
		(run) => run !== undefined && run.workspace_id === link.workspaceId
	) as Experiment[];
	if (link.target !== 'view' && runs.length === 0) return undefined;
	const experiments = await Promise.all(
		runs.map(async (run) => {
			if (link.target !== 'experiment') return toShared(run, { notes: '', context: null }, link.anonymous);
			const [notes, context] = await Promise.all([readNotes(db, run.id), readContextSummary(db, run.id)]);
			return toShared(run, { notes, context }, link.anonymous);
		})
	);
	return {
		target: link.target,
		anonymous: link.anonymous,
		expires_at: link.expiresAt?.toISOString() ?? null,
		workspace: link.anonymous ? null : link.workspaceName,
		shared_by: link.anonymous ? null : link.creatorEmail,
		view: view ?? null,
		experiments,
		reason
	};
}
