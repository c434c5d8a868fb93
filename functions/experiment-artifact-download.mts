import type { Config } from '@netlify/functions';
import { servedContentType, urlExpiry } from './_lib/storage/artifact-http.ts';
import { ArtifactParams, type ArtifactDownload } from './_lib/contracts/artifacts.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { completeArtifact } from './_lib/repositories/artifact.repository.ts';
import { getStorage } from './_lib/storage/storage.ts';

export const config: Config = {
	path: '/api/experiments/:id/artifacts/:artifactId/download',
	method: ['GET']
};

/**
 * A short-lived URL to download an artifact from storage (the bytes never pass through a
 * function). It is served as an attachment with `X-Content-Type-Options: nosniff`, and HTML, SVG
 * and other active types as plain bytes, so nothing a run stored renders on this origin.
 */
export default endpoint(config, 'Artifacts', {
	GET: method({
		...onExperiment('viewer', ArtifactParams),
		docs: { success: '200 `{url, expires_at}` (valid 15 minutes)' },
		handle: async ({ req, db, params }) => {
			const row = await completeArtifact(db, params.id, params.artifactId);
			if (!row) throw notFound('Artifact');
			const expiresAt = urlExpiry();
			const url = await getStorage().downloadUrl(row.storage_key, {
				filename: row.path.slice(row.path.lastIndexOf('/') + 1),
				contentType: servedContentType(row.content_type),
				origin: publicOrigin(req),
				expiresAt
			});
			const data: ArtifactDownload = { url, expires_at: expiresAt.toISOString() };
			return json(data);
		}
	})
});
