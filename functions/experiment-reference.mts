import type { Config } from '@netlify/functions';
import { ReferenceParams } from './_lib/contracts/experiments.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { removeReference } from './_lib/repositories/experiment.repository.ts';

export const config: Config = { path: '/api/experiments/:id/references/:referencedId', method: ['DELETE'] };

/** Removing a link. An editor of the source may remove it even if they can no longer see the target. */
export default endpoint(config, 'Experiments', {
	DELETE: method({
		...onExperiment('editor', ReferenceParams),
		docs: { success: '200 `{experiment_id, referenced_id, deleted: true}`' },
		handle: async ({ db, params: { id, referencedId } }) => {
			if (!(await removeReference(db, id, referencedId))) throw notFound('Reference');
			return json({ experiment_id: id, referenced_id: referencedId, deleted: true });
		}
	})
});
