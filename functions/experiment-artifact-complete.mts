import type { Config } from '@netlify/functions';
import { artifactLimits, overQuota, sweepOrphanedObjects } from './_lib/storage/artifact-http.ts';
import { ArtifactParams } from './_lib/contracts/artifacts.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { conflict, notFound, validationError } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { completeUpload, toArtifact } from './_lib/repositories/artifact.repository.ts';
import { getStorage } from './_lib/storage/storage.ts';

export const config: Config = {
	path: '/api/experiments/:id/artifacts/:artifactId/complete',
	method: ['POST']
};

const PROBLEMS = {
	missing: 'nothing was uploaded for it (or the upload did not finish); ask for a new upload',
	'size-mismatch': 'the stored bytes are not the declared size',
	'hash-mismatch': 'the stored bytes do not have the declared sha256'
} as const;

/**
 * Completes an upload: storage must hold exactly the declared size and sha256. Then the artifact
 * is listed (replacing the one at its path when it was asked with `overwrite`). Anything else
 * removes the upload: a 400 saying what differed, and the client asks again. Completing twice
 * answers the same artifact.
 */
export default endpoint(config, 'Artifacts', {
	POST: method({
		...onExperiment('editor', ArtifactParams),
		docs: { success: '200 `Artifact`; 400 when the stored bytes differ from the declared size or hash' },
		handle: async ({ db, params }) => {
			const outcome = await completeUpload(
				db,
				getStorage(),
				params.id,
				params.artifactId,
				artifactLimits().quotaBytes
			);
			switch (outcome.kind) {
				case 'complete':
					// An artifact it overwrote leaves storage.
					await sweepOrphanedObjects(db);
					return json(toArtifact(outcome.artifact));
				case 'missing':
					throw notFound('Artifact');
				case 'rejected':
					await sweepOrphanedObjects(db);
					throw validationError(`Upload rejected and removed: ${PROBLEMS[outcome.problem]}.`, {
						[outcome.problem === 'hash-mismatch' ? 'sha256' : 'size']: [PROBLEMS[outcome.problem]]
					});
				case 'conflict':
					throw conflict(
						'Another upload completed other bytes at this path first; ask again with overwrite: true.'
					);
				case 'over-quota':
					await sweepOrphanedObjects(db);
					throw overQuota(outcome.used, outcome.quota, 0);
			}
		}
	})
});
