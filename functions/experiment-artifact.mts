import type { Config } from '@netlify/functions';
import { sweepOrphanedObjects } from './_lib/storage/artifact-http.ts';
import { ArtifactParams } from './_lib/contracts/artifacts.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { completeArtifact, deleteArtifact, toArtifact } from './_lib/repositories/artifact.repository.ts';

export const config: Config = {
	path: '/api/experiments/:id/artifacts/:artifactId',
	method: ['GET', 'DELETE']
};

/** One complete artifact: viewers read its row, editors delete it (and its object). */
export default endpoint(config, 'Artifacts', {
	GET: method({
		...onExperiment('viewer', ArtifactParams),
		docs: { success: '200 `Artifact`' },
		handle: async ({ db, params }) => {
			const row = await completeArtifact(db, params.id, params.artifactId);
			if (!row) throw notFound('Artifact');
			return json(toArtifact(row));
		}
	}),
	DELETE: method({
		...onExperiment('editor', ArtifactParams),
		docs: { success: '200 `{deleted: true}`' },
		handle: async ({ db, params }) => {
			if (!(await deleteArtifact(db, params.id, params.artifactId))) throw notFound('Artifact');
			await sweepOrphanedObjects(db);
			return json({ deleted: true });
		}
	})
});
