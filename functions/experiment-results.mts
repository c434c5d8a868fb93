import { authenticate } from './_lib/auth.ts';
import { requireExperimentRole } from './_lib/authorize.ts';
import { ExperimentIdParams } from './_lib/contracts/experiment-params.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readParams, type FunctionConfig } from './_lib/http.ts';

/** The experiment's final values (one per name, the latest logged). */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		await requireExperimentRole(db, principal, id, 'viewer');
		const results = await db
			.selectFrom('results')
			.select(['name', 'value', 'logged_at'])
			.where('experiment_id', '=', id)
			.orderBy('name')
			.execute();
		return json(results);
	}
});

export const config: FunctionConfig = { path: '/api/experiments/:id/results', method: ['GET'] };
