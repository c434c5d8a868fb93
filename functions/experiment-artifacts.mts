import type { Config } from '@netlify/functions';
import { artifactLimits, fileTooLarge, newUploadToken, overQuota } from './_lib/storage/artifact-http.ts';
import {
	ArtifactListQuery,
	CreateArtifactBody,
	type ArtifactList,
	type ArtifactUpload
} from './_lib/contracts/artifacts.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { conflict } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import {
	listArtifacts,
	requestUpload,
	toArtifact,
	workspaceUsage
} from './_lib/repositories/artifact.repository.ts';
import { getStorage } from './_lib/storage/storage.ts';

export const config: Config = { path: '/api/experiments/:id/artifacts', method: ['GET', 'POST'] };

/**
 * A run's artifacts. GET lists the complete ones by path; POST asks to upload one file and
 * answers where to send its bytes (a short-lived, single-use URL: the single server's own, or
 * Supabase Storage's), then `POST .../artifacts/:artifactId/complete`. The same bytes at the same
 * path are already stored: 200 with the artifact and no upload. Other bytes at a stored path are a
 * 409 unless `overwrite` is true.
 */
export default endpoint(config, 'Artifacts', {
	GET: method({
		...onExperiment('viewer'),
		query: ArtifactListQuery,
		docs: { success: '200 `{artifacts: [Artifact], next_after, usage: {bytes, quota_bytes}}` (by path)' },
		handle: async ({ db, params, query, grant }) => {
			const { rows, more } = await listArtifacts(db, params.id, query);
			const data: ArtifactList = {
				artifacts: rows.map(toArtifact),
				next_after: more ? rows[rows.length - 1].path : null,
				usage: {
					bytes: await workspaceUsage(db, grant.workspaceId),
					quota_bytes: artifactLimits().quotaBytes
				}
			};
			return json(data);
		}
	}),
	POST: method({
		...onExperiment('editor'),
		body: CreateArtifactBody,
		docs: {
			success:
				'201 `{artifact, upload: {url, method, headers, expires_at}}`; 200 with `upload: null` when the same bytes are stored; 409 other bytes at the path; 413 over the file limit or quota'
		},
		handle: async ({ req, db, principal, grant, params, body }) => {
			const storage = getStorage();
			const { maxBytes, quotaBytes } = artifactLimits();
			const token = newUploadToken();
			const contentType = body.contentType ?? 'application/octet-stream';
			const outcome = await requestUpload(db, {
				workspaceId: grant.workspaceId,
				experimentId: params.id,
				createdBy: principal.userId,
				path: body.path,
				size: body.size,
				sha256: body.sha256,
				contentType,
				overwrite: body.overwrite ?? false,
				step: body.step ?? null,
				mediaKey: body.mediaKey ?? null,
				maxBytes,
				quotaBytes,
				tokenHash: token.hash,
				expiresAt: token.expiresAt
			});
			switch (outcome.kind) {
				case 'too-large':
					throw fileTooLarge(outcome.limit);
				case 'over-quota':
					throw overQuota(outcome.used, outcome.quota, body.size);
				case 'conflict':
					throw conflict(
						`"${body.path}" already holds other bytes (sha256 ${outcome.existing.sha256}); pass overwrite: true to replace it.`
					);
				case 'stored': {
					const data: ArtifactUpload = { artifact: toArtifact(outcome.artifact), upload: null };
					return json(data);
				}
				case 'pending': {
					const upload = await storage.uploadTarget(outcome.artifact.storage_key, {
						size: body.size,
						contentType,
						token: token.token,
						origin: publicOrigin(req),
						expiresAt: token.expiresAt
					});
					const data: ArtifactUpload = { artifact: toArtifact(outcome.artifact), upload };
					return json(data, 201);
				}
			}
		}
	})
});
