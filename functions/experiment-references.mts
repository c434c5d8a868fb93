import { authenticate } from './_lib/auth.ts';
import { requireExperimentRole } from './_lib/authorize.ts';
import { ExperimentIdParams } from './_lib/contracts/experiment-params.ts';
import { CreateReferenceBody, type ExperimentReference } from './_lib/contracts/experiments.ts';
import { getDb } from './_lib/db.ts';
import { conflict, notFound, validationError } from './_lib/errors.ts';
import { json, methods, readBody, readParams, type FunctionConfig } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import {
	addReference,
	findVisibleSummary,
	listReferences
} from './_lib/repositories/experiment.repository.ts';

/**
 * Links between experiments (a fine-tune pointing at its base run). Either side may live in
 * another workspace; each side is listed only to callers who may see it.
 */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		await requireExperimentRole(db, principal, id, 'viewer');
		return json(await listReferences(db, id, principal, publicOrigin(req)));
	},
	POST: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		const { referencedId } = await readBody(req, CreateReferenceBody);
		await requireExperimentRole(db, principal, id, 'editor');
		if (referencedId === id.toLowerCase()) {
			throw validationError('An experiment cannot reference itself', {
				referencedId: ['must be another experiment']
			});
		}
		const origin = publicOrigin(req);
		const referenced = await findVisibleSummary(db, principal, referencedId, origin);
		if (!referenced) throw notFound('Referenced experiment');
		const outcome = await addReference(db, id, referenced.id);
		if (outcome.kind === 'duplicate') throw conflict('This experiment already references that one.');
		if (outcome.kind === 'missing') throw notFound('Experiment');
		const reference: ExperimentReference = {
			experiment_id: id.toLowerCase(),
			referenced_id: referenced.id,
			created_at: outcome.createdAt.toISOString(),
			referenced
		};
		return json(reference, 201);
	}
});

export const config: FunctionConfig = { path: '/api/experiments/:id/references', method: ['GET', 'POST'] };
