import type { Config } from '@netlify/functions';
import * as z from 'zod';
import { attachment } from './_lib/storage/artifact-http.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { FilesystemStorage } from './_lib/storage/filesystem.ts';
import { getStorage } from './_lib/storage/storage.ts';

export const config: Config = { path: '/api/artifact-downloads/:token', method: ['GET'] };

const DownloadParams = z.object({ token: z.string().max(4096) });

/**
 * The single server's download URL (filesystem storage): an HMAC-signed grant for one object,
 * valid 15 minutes, streamed from disk as an attachment. The API's Content-Security-Policy
 * (`default-src 'none'`) and `nosniff` come with every API response, so nothing renders or runs.
 */
export default endpoint(config, 'Artifacts', {
	GET: method({
		access: 'anyone',
		params: DownloadParams,
		docs: { who: 'the holder of the download URL', success: '200 the file, as an attachment' },
		handle: async ({ params }) => {
			const storage = getStorage();
			if (!(storage instanceof FilesystemStorage)) throw notFound('Download URL');
			const grant = await storage.openGrant(params.token).catch(() => undefined);
			const size = grant && (await storage.size(grant.key));
			if (!grant || size === undefined) throw notFound('Download URL (expired, or the artifact is gone)');
			const body = await storage.read(grant.key);
			if (!body) throw notFound('Artifact');
			return new Response(body, {
				headers: {
					'content-type': grant.contentType,
					'content-length': String(size),
					'content-disposition': attachment(grant.filename),
					'x-content-type-options': 'nosniff',
					'cache-control': 'private, no-store'
				}
			});
		}
	})
});
