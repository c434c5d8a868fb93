import type { Config } from '@netlify/functions';
import * as z from 'zod';
import { hashToken } from './_lib/storage/artifact-http.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { ApiError, notFound, validationError } from './_lib/errors.ts';
import { IncompleteBodyError, json } from './_lib/http.ts';
import { takeUploadToken } from './_lib/repositories/artifact.repository.ts';
import { FilesystemStorage } from './_lib/storage/filesystem.ts';
import { ObjectTooLargeError, RefusedObjectError, getStorage } from './_lib/storage/storage.ts';

export const config: Config = { path: '/api/artifact-uploads/:token', method: ['PUT'] };

const UploadParams = z.object({
	token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'must be an upload token' })
});

/**
 * The single server's upload URL (filesystem storage): the body is the file, streamed to disk,
 * never buffered. The token in the path is the credential: single use, 15 minutes, for one pending
 * artifact. Bytes beyond the declared size stop the upload (413); a size or hash other than the
 * declared one is refused (400); either way, or when the client hangs up, nothing is kept and the
 * client asks for a new upload. Elsewhere (Supabase Storage) uploads go to Storage: 404.
 */
export default endpoint(config, 'Artifacts', {
	PUT: method({
		access: 'anyone',
		params: UploadParams,
		docs: {
			who: 'the holder of the upload URL',
			request: "the file's bytes (any content type)",
			success: '200 `{size, sha256}`; then complete the artifact'
		},
		handle: async ({ req, db, params }) => {
			const storage = getStorage();
			if (!(storage instanceof FilesystemStorage)) throw notFound('Upload URL');
			const row = await takeUploadToken(db, hashToken(params.token));
			if (!row) throw notFound('Upload URL (expired, used, or never issued; ask for a new upload)');
			const size = Number(row.size);
			const declared = Number(req.headers.get('content-length') ?? NaN);
			if (declared > size)
				throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `The body exceeds the declared size of ${size} bytes.`);
			try {
				const written = await storage.put(row.storage_key, req.body ?? new Blob([]).stream(), {
					maxBytes: size,
					accept: (got) =>
						got.size !== size
							? `the body has ${got.size} bytes, not the declared ${size}`
							: got.sha256 !== row.sha256
								? `the body's sha256 is ${got.sha256}, not the declared ${row.sha256}`
								: undefined
				});
				return json(written);
			} catch (error) {
				if (error instanceof ObjectTooLargeError) {
					throw new ApiError(
						413,
						'PAYLOAD_TOO_LARGE',
						`The body exceeds the declared size of ${size} bytes.`
					);
				}
				if (error instanceof RefusedObjectError) throw validationError(`Upload refused: ${error.message}.`);
				if (req.signal.aborted || isCutOff(error)) throw new IncompleteBodyError();
				throw error;
			}
		}
	})
});

/** The request stream broke off: the client (or a proxy) closed the connection mid-upload. */
function isCutOff(error: unknown): boolean {
	const code = (error as { code?: string })?.code;
	return (
		code === 'ECONNRESET' ||
		code === 'ERR_STREAM_PREMATURE_CLOSE' ||
		(error as Error)?.name === 'AbortError' ||
		/aborted|terminated/i.test(String((error as Error)?.message))
	);
}
