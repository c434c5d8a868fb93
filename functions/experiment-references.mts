import type { Config } from '@netlify/functions';
import { CreateReferenceBody, type ExperimentReference } from './_lib/contracts/experiments.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { conflict, notFound, validationError } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import {
	addReference,
	findVisibleSummary,
	listReferences
} from './_lib/repositories/experiment.repository.ts';

export const config: Config = { path: '/api/experiments/:id/references', method: ['GET', 'POST'] };

/**
 * Links between experiments (a fine-tune pointing at its base run). Either side may live in
 * another workspace; each side is listed only to callers who may see it.
 */
export default endpoint(config, 'Experiments', {
	GET: method({
		...onExperiment('viewer'),
		docs: { success: '200 `{outgoing, incoming}`' },
		handle: async ({ req, db, principal, params }) =>
			json(await listReferences(db, params.id, principal, publicOrigin(req)))
	}),
	POST: method({
		...onExperiment('editor'),
		body: CreateReferenceBody,
		docs: { success: '201 the link' },
		handle: async ({ req, db, principal, params: { id }, body: { referencedId } }) => {
			if (referencedId === id) {
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
				experiment_id: id,
				referenced_id: referenced.id,
				created_at: outcome.createdAt.toISOString(),
				referenced
			};
			return json(reference, 201);
		}
	})
});
