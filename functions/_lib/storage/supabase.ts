/**
 * Artifact storage in a private Supabase Storage bucket (Netlify's default), through the Storage
 * REST endpoints with the service-role key, which never leaves the server. Clients upload to a
 * signed upload URL and download from a signed URL (with `download=` so Storage answers with
 * `Content-Disposition: attachment`): the bytes never pass through a function. Completing an
 * upload reads the object back once from Storage to check its size and SHA-256.
 * The bucket is created by the documented setup step (README, Artifacts): private, no policies.
 */
import { createHash } from 'node:crypto';
import type { StorageSetup } from '../config.ts';
import type { UploadTarget } from '../contracts/artifacts.ts';
import {
	ObjectTooLargeError,
	RefusedObjectError,
	type ArtifactStorage,
	type DownloadRequest,
	type PutOptions,
	type UploadRequest,
	type Verification
} from './storage.ts';

type SupabaseSetup = Extract<StorageSetup, { kind: 'supabase' }>;

export class SupabaseStorage implements ArtifactStorage {
	readonly kind = 'supabase';

	constructor(private readonly setup: SupabaseSetup) {}

	async uploadTarget(key: string, upload: UploadRequest): Promise<UploadTarget> {
		const signed = (await this.call('POST', `object/upload/sign/${this.object(key)}`, {
			headers: { 'x-upsert': 'true' }
		})) as { url: string };
		return {
			url: this.absolute(signed.url),
			method: 'PUT',
			headers: { 'content-type': upload.contentType, 'x-upsert': 'true' },
			expires_at: upload.expiresAt.toISOString()
		};
	}

	async verify(key: string, expected: { size: number; sha256: string }): Promise<Verification> {
		const response = await this.fetch('GET', `object/authenticated/${this.object(key)}`);
		if (response.status === 404 || response.status === 400) {
			await response.body?.cancel();
			return 'missing';
		}
		await this.check(response);
		const hash = createHash('sha256');
		let size = 0;
		for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
			size += chunk.byteLength;
			// Larger than declared: no need to read the rest.
			if (size > expected.size) {
				await response.body?.cancel().catch(() => {});
				return 'size-mismatch';
			}
			hash.update(chunk);
		}
		if (size !== expected.size) return 'size-mismatch';
		return hash.digest('hex') === expected.sha256 ? 'ok' : 'hash-mismatch';
	}

	async downloadUrl(key: string, download: DownloadRequest): Promise<string> {
		const seconds = Math.max(1, Math.round((download.expiresAt.getTime() - Date.now()) / 1000));
		const signed = (await this.call('POST', `object/sign/${this.object(key)}`, {
			json: { expiresIn: seconds }
		})) as { signedURL: string };
		const url = new URL(this.absolute(signed.signedURL));
		url.searchParams.set('download', download.filename);
		return url.href;
	}

	async put(
		key: string,
		body: ReadableStream<Uint8Array>,
		options: PutOptions
	): Promise<{ size: number; sha256: string }> {
		// Bodies that reach a function are small (its request limit): buffered, checked, then sent.
		const chunks: Uint8Array[] = [];
		let size = 0;
		for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
			size += chunk.byteLength;
			if (size > options.maxBytes) throw new ObjectTooLargeError(options.maxBytes);
			chunks.push(chunk);
		}
		const bytes = Buffer.concat(chunks);
		const written = { size, sha256: createHash('sha256').update(bytes).digest('hex') };
		const problem = options.accept?.(written);
		if (problem) throw new RefusedObjectError(problem);
		await this.call('POST', `object/${this.object(key)}`, {
			headers: { 'content-type': options.contentType ?? 'application/octet-stream', 'x-upsert': 'true' },
			body: bytes
		});
		return written;
	}

	async read(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
		const response = await this.fetch('GET', `object/authenticated/${this.object(key)}`);
		if (response.status === 404 || response.status === 400) {
			await response.body?.cancel();
			return undefined;
		}
		await this.check(response);
		return response.body ?? undefined;
	}

	async remove(keys: string[]): Promise<void> {
		// Storage removes at most 1,000 names a call.
		for (let i = 0; i < keys.length; i += 1000) {
			await this.call('DELETE', `object/${encodeURIComponent(this.setup.bucket)}`, {
				json: { prefixes: keys.slice(i, i + 1000) }
			});
		}
	}

	private object(key: string): string {
		return `${encodeURIComponent(this.setup.bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
	}

	/** Storage answers URLs relative to `/storage/v1`. */
	private absolute(relative: string): string {
		return `${this.setup.supabaseUrl}/storage/v1${relative.startsWith('/') ? '' : '/'}${relative}`;
	}

	private fetch(
		method: string,
		path: string,
		options: { headers?: Record<string, string>; json?: unknown; body?: Uint8Array } = {}
	): Promise<Response> {
		const headers: Record<string, string> = {
			authorization: `Bearer ${this.setup.serviceKey}`,
			apikey: this.setup.serviceKey,
			...options.headers
		};
		let body: BodyInit | undefined = options.body as BodyInit | undefined;
		if (options.json !== undefined) {
			headers['content-type'] = 'application/json';
			body = JSON.stringify(options.json);
		}
		return fetch(`${this.setup.supabaseUrl}/storage/v1/${path}`, { method, headers, body });
	}

	private async call(
		method: string,
		path: string,
		options: { headers?: Record<string, string>; json?: unknown; body?: Uint8Array } = {}
	): Promise<unknown> {
		const response = await this.fetch(method, path, options);
		await this.check(response);
		return response.json();
	}

	private async check(response: Response): Promise<void> {
		if (response.ok) return;
		const text = await response.text().catch(() => '');
		throw new Error(`Supabase Storage answered ${response.status}: ${text.slice(0, 200)}`);
	}
}
