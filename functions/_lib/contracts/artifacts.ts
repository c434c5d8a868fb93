/**
 * Artifacts: files stored with an experiment. Shapes of the upload request, the list and the
 * rows, and the one rule for an artifact's path, which the SDKs mirror.
 */
import * as z from 'zod';
import { Uuid } from './common.ts';

/** The longest artifact path, in characters. */
export const MAX_ARTIFACT_PATH = 512;

/** Artifacts one list page returns at most. */
export const MAX_ARTIFACT_PAGE = 1000;

/** How long an upload or download URL stays valid: long enough to start a large transfer. */
export const ARTIFACT_URL_TTL_SECONDS = 15 * 60;

/**
 * Why a path is refused, or undefined for a good one. Paths are relative, `/`-separated names
 * inside the run: no `..` (nothing may point outside it), no leading `/` or drive letter, no
 * backslash (a separator elsewhere), no NUL or control characters (they break file systems,
 * terminals and headers).
 */
export function artifactPathProblem(path: string): string | undefined {
	if (path.length === 0) return 'must not be empty';
	if (path.length > MAX_ARTIFACT_PATH) return `must be at most ${MAX_ARTIFACT_PATH} characters`;
	// eslint-disable-next-line no-control-regex
	if (/[\u0000-\u001f\u007f]/.test(path)) return 'must not contain NUL or control characters';
	if (path.includes('\\')) return 'must use / as the separator, not a backslash';
	if (path.startsWith('/') || /^[A-Za-z]:/.test(path))
		return 'must be relative (no leading / or drive letter)';
	const segments = path.split('/');
	if (segments.includes('..')) return 'must not contain ".." segments';
	if (segments.every((segment) => segment === '' || segment === '.')) return 'must name a file';
	return undefined;
}

/** `./a//b` → `a/b`: one spelling per file, so idempotency by path holds. */
export function normaliseArtifactPath(path: string): string {
	return path
		.split('/')
		.filter((segment) => segment !== '' && segment !== '.')
		.join('/');
}

export const ArtifactPath = z
	.string({ error: 'must be a string' })
	.superRefine((path, ctx) => {
		const problem = artifactPathProblem(path);
		if (problem) ctx.addIssue({ code: 'custom', message: problem });
	})
	.transform(normaliseArtifactPath);

const Sha256 = z
	.string()
	.regex(/^[0-9a-fA-F]{64}$/, { error: 'must be 64 hexadecimal characters (SHA-256)' })
	.transform((hash) => hash.toLowerCase());

const ContentType = z
	.string()
	.max(255)
	.regex(
		/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=[A-Za-z0-9!#$&^_.+"-]+)*$/,
		{
			error: 'must be a MIME type such as image/png'
		}
	);

/** `POST /api/experiments/:id/artifacts`: ask to upload one file. */
export const CreateArtifactBody = z.strictObject({
	path: ArtifactPath,
	size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
	sha256: Sha256,
	contentType: ContentType.optional(),
	/** Replace a complete artifact with different bytes at the same path (else a 409). */
	overwrite: z.boolean().optional(),
	/** A logged image's step and name (the Media panel). */
	step: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
	mediaKey: z
		.string()
		.min(1)
		.max(255)
		// eslint-disable-next-line no-control-regex
		.regex(/^[^\u0000-\u001f\u007f]+$/, { error: 'must not contain control characters' })
		.optional()
});
export type CreateArtifactBody = z.infer<typeof CreateArtifactBody>;

export const ArtifactParams = z.object({ id: Uuid, artifactId: Uuid });

export const ArtifactListQuery = z.object({
	limit: z.coerce.number().int().min(1).max(MAX_ARTIFACT_PAGE).default(100),
	/** The last path of the previous page. */
	after: ArtifactPath.optional(),
	/** Only paths under this directory (`checkpoints` lists `checkpoints/...`). */
	prefix: ArtifactPath.optional(),
	mediaKey: z.string().min(1).max(255).optional()
});

export type ArtifactState = 'pending' | 'complete';

export interface Artifact {
	id: string;
	experiment_id: string;
	path: string;
	size: number;
	sha256: string;
	content_type: string;
	state: ArtifactState;
	created_by: string | null;
	created_at: string;
	completed_at: string | null;
	step: number | null;
	media_key: string | null;
}

/** Where and how the client sends the bytes (the single server's URL, or Supabase Storage's). */
export interface UploadTarget {
	url: string;
	method: 'PUT' | 'POST';
	headers: Record<string, string>;
	expires_at: string;
}

/** `POST .../artifacts`: the row, and the upload to make unless the same bytes are stored already. */
export interface ArtifactUpload {
	artifact: Artifact;
	upload: UploadTarget | null;
}

export interface ArtifactList {
	artifacts: Artifact[];
	/** Pass as `after` for the next page; null on the last. */
	next_after: string | null;
	/** The workspace's stored bytes and its quota. */
	usage: { bytes: number; quota_bytes: number };
}

export interface ArtifactDownload {
	url: string;
	expires_at: string;
}
