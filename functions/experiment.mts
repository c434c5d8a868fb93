import type { Config } from '@netlify/functions';
import { UpdateExperimentBody } from './_lib/contracts/experiments.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { conflict, notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { withDetail } from './_lib/repositories/experiment-detail.ts';
import { writeNotes } from './_lib/repositories/run-context.repository.ts';
import { ensureProject } from './_lib/repositories/project.repository.ts';
import {
	deleteExperiment,
	getExperiment,
	updateExperiment
} from './_lib/repositories/experiment.repository.ts';

const UPDATE_BODY_LIMIT = 1024 * 1024;

export const config: Config = { path: '/api/experiments/:id', method: ['GET', 'PATCH', 'DELETE'] };

/**
 * One experiment: viewers read it (the SDK's `load_experiment`), editors change or delete it.
 * `undefined` after a passed role check means it was deleted in between: still a 404.
 */
export default endpoint(config, 'Experiments', {
	GET: method({
		...onExperiment('viewer'),
		docs: { success: '200 `Experiment` with `notes` and `context`' },
		handle: async ({ req, db, params }) => {
			const experiment = await getExperiment(db, params.id, publicOrigin(req));
			if (!experiment) throw notFound('Experiment');
			return json(await withDetail(db, experiment));
		}
	}),
	PATCH: method({
		...onExperiment('editor'),
		body: UpdateExperimentBody,
		// Notes may be 100,000 characters of up to 4 bytes each, escaped as JSON.
		bodyLimit: UPDATE_BODY_LIMIT,
		docs: {
			request:
				'`{name?, description?, tags?, hyperparams?, status?, notes?, project?}` (`notes`: markdown; `project`: a name, made on first use, or null to unassign)',
			success: '200 `Experiment` with `notes` and `context`'
		},
		handle: async ({ req, db, principal, grant, params, body }) => {
			const { notes, project, ...changes } = body;
			const experiment = await db.transaction().execute(async (tx) => {
				let projectId: string | null | undefined = project === null ? null : undefined;
				if (project) {
					const found = await ensureProject(tx, grant.workspaceId, project, principal.userId);
					if (found.kind === 'too-many') throw conflict(`A workspace holds at most ${found.limit} projects.`);
					if (found.kind === 'missing') return undefined;
					projectId = found.id;
				}
				const updated = await updateExperiment(tx, params.id, { ...changes, projectId }, publicOrigin(req));
				if (updated && notes !== undefined) await writeNotes(tx, params.id, notes, principal.userId);
				return updated;
			});
			if (!experiment) throw notFound('Experiment');
			return json(await withDetail(db, experiment));
		}
	}),
	DELETE: method({
		...onExperiment('editor'),
		docs: { success: '200 `{id, deleted: true}`' },
		handle: async ({ db, params }) => {
			if (!(await deleteExperiment(db, params.id))) throw notFound('Experiment');
			return json({ id: params.id, deleted: true });
		}
	})
});
