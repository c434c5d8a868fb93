import { authenticate } from './_lib/auth.ts';
import { requireExperimentRole } from './_lib/authorize.ts';
import { ReferenceParams } from './_lib/contracts/experiments.ts';
import { getDb } from './_lib/db.ts';
import { notFound } from './_lib/errors.ts';
import { json, methods, readParams, type FunctionConfig } from './_lib/http.ts';
import { removeReference } from './_lib/repositories/experiment.repository.ts';

/** Removing a link. An editor of the source may remove it even if they can no longer see the target. */
export default methods({
	DELETE: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id, referencedId } = readParams(context, ReferenceParams);
		await requireExperimentRole(db, principal, id, 'editor');
		if (!(await removeReference(db, id, referencedId))) throw notFound('Reference');
		return json({ experiment_id: id, referenced_id: referencedId, deleted: true });
	}
});

export const config: FunctionConfig = {
	path: '/api/experiments/:id/references/:referencedId',
	method: ['DELETE']
};
