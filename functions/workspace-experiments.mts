import { authenticate } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { ListExperimentsQuery, WorkspaceExperimentsParams } from './_lib/contracts/experiments.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readParams, readQuery, type FunctionConfig } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { listWorkspaceExperiments } from './_lib/repositories/experiment.repository.ts';

/**
 * A workspace's experiments, searched, filtered and paged by cursor (`next_cursor`); each carries
 * only the metric summaries named in `metrics`, so a page costs the same however many metrics
 * its experiments hold.
 */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, WorkspaceExperimentsParams);
		const query = readQuery(req, ListExperimentsQuery);
		await requireWorkspaceRole(db, principal, id, 'viewer');
		return json(await listWorkspaceExperiments(db, id, query, publicOrigin(req)));
	}
});

export const config: FunctionConfig = { path: '/api/workspaces/:id/experiments', method: ['GET'] };
