/**
 * Artifact storage behind one interface: the single server's data directory (`filesystem.ts`) or
 * a private Supabase Storage bucket (`supabase.ts`). Objects are keyed
 * `<workspace>/<experiment>/<artifact id>`; the catalogue (paths, hashes, who and when) is the
 * `artifacts` table. Large bodies never pass through a function: clients get a short-lived upload
 * URL (`uploadTarget`) and a short-lived download URL (`downloadUrl`) and talk to storage, which on
 * the single server is its own `/api/artifact-uploads` and `/api/artifact-downloads` endpoints.
 */
import { getConfig } from '../config.ts';
import type { UploadTarget } from '../contracts/artifacts.ts';
import { ApiError } from '../errors.ts';
import { FilesystemStorage } from './filesystem.ts';
import { SupabaseStorage } from './supabase.ts';

export interface UploadRequest {
	size: number;
	contentType: string;
	/** The single-use token the single server's upload URL carries (filesystem only). */
	token: string;
	/** The origin of the URLs handed out (the request's, or TORA_PUBLIC_URL). */
	origin: string;
	expiresAt: Date;
}

export interface DownloadRequest {
	/** The name the browser saves the file under. */
	filename: string;
	contentType: string;
	origin: string;
	expiresAt: Date;
}

export interface PutOptions {
	maxBytes: number;
	contentType?: string;
	/** Sees what was written before it becomes visible and may refuse it (a problem: nothing kept). */
	accept?: (written: { size: number; sha256: string }) => string | undefined;
}

/** What completing an upload finds in storage, against the declared size and hash. */
export type Verification = 'ok' | 'missing' | 'size-mismatch' | 'hash-mismatch';

export interface ArtifactStorage {
	readonly kind: 'filesystem' | 'supabase';
	uploadTarget(key: string, upload: UploadRequest): Promise<UploadTarget>;
	verify(key: string, expected: { size: number; sha256: string }): Promise<Verification>;
	downloadUrl(key: string, download: DownloadRequest): Promise<string>;
	/**
	 * Writes a body that passes through the server anyway (MLflow's PUT, small on Netlify),
	 * at most `maxBytes`; returns what was written. A body over the limit writes nothing.
	 */
	put(
		key: string,
		body: ReadableStream<Uint8Array>,
		options: PutOptions
	): Promise<{ size: number; sha256: string }>;
	/** The object's bytes (MLflow's GET), undefined when it is missing. */
	read(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
	/** Removes objects; a key that is already gone is no error. */
	remove(keys: string[]): Promise<void>;
}

/** `accept` refused what was written (a size or hash other than the declared one); nothing was kept. */
export class RefusedObjectError extends Error {}

/** A body over the limit `put` was given; nothing was kept. */
export class ObjectTooLargeError extends Error {
	constructor(readonly limit: number) {
		super(`the object exceeds ${limit} bytes`);
	}
}

export const objectKey = (workspaceId: string, experimentId: string, artifactId: string) =>
	`${workspaceId}/${experimentId}/${artifactId}`;

let cached: { setup: unknown; storage: ArtifactStorage } | undefined;

/** This deployment's storage (TORA_STORAGE); a 503 naming what to set when it is not usable. */
export function getStorage(): ArtifactStorage {
	const config = getConfig();
	const setup = config.storage;
	// Tests swap the configuration: a new setup gets a new backend.
	if (cached?.setup === setup) return cached.storage;
	let storage: ArtifactStorage;
	if (setup.kind === 'disabled')
		throw new ApiError(503, 'UNAVAILABLE', `Artifact storage is not configured: ${setup.problem}`);
	else if (setup.kind === 'filesystem')
		storage = new FilesystemStorage(config.dataDir ?? '.tora', config.localJwtSecret);
	else storage = new SupabaseStorage(setup);
	cached = { setup, storage };
	return storage;
}
