/**
 * Artifact storage in the data directory (`TORA_DATA_DIR/artifacts/<workspace>/<experiment>/<id>`),
 * the single server's default. Two servers sharing one data directory (and database) see the same
 * objects: an object appears at its key only by an atomic rename of a finished temporary file, so
 * a reader never sees half of one, and an upload cut off midway leaves only a temporary file that
 * the next attempt does not reuse. URLs are the server's own endpoints: uploads carry the single-use
 * token the database holds (functions/artifact-uploads.mts), downloads an HMAC-signed, short-lived
 * grant (functions/artifact-downloads.mts) under a secret kept in the data directory.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { UploadTarget } from '../contracts/artifacts.ts';
import {
	ObjectTooLargeError,
	RefusedObjectError,
	type ArtifactStorage,
	type PutOptions,
	type DownloadRequest,
	type UploadRequest,
	type Verification
} from './storage.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY = new RegExp(`^${UUID}(/${UUID}(/${UUID})?)?$`);

/** What a signed download URL grants: one object, under a name and type, until a time. */
export interface DownloadGrant {
	key: string;
	filename: string;
	contentType: string;
	expiresAt: number;
}

export class FilesystemStorage implements ArtifactStorage {
	readonly kind = 'filesystem';
	readonly root: string;
	#secret: Promise<Buffer> | undefined;

	constructor(
		dataDir: string,
		private readonly configuredSecret: string | undefined
	) {
		this.root = resolve(dataDir, 'artifacts');
	}

	/** The path of a key (or a key prefix: a workspace, a run); refuses anything but our own keys. */
	path(key: string): string {
		if (!KEY.test(key)) throw new Error(`not an artifact storage key: ${JSON.stringify(key)}`);
		return join(this.root, key);
	}

	async uploadTarget(_key: string, upload: UploadRequest): Promise<UploadTarget> {
		return {
			url: `${upload.origin}/api/artifact-uploads/${upload.token}`,
			method: 'PUT',
			headers: { 'content-type': 'application/octet-stream' },
			expires_at: upload.expiresAt.toISOString()
		};
	}

	async verify(key: string, expected: { size: number; sha256: string }): Promise<Verification> {
		const found = await stat(this.path(key)).catch(() => undefined);
		if (!found) return 'missing';
		if (found.size !== expected.size) return 'size-mismatch';
		const hash = createHash('sha256');
		await pipeline(createReadStream(this.path(key)), hash);
		return hash.digest('hex') === expected.sha256 ? 'ok' : 'hash-mismatch';
	}

	async downloadUrl(key: string, download: DownloadRequest): Promise<string> {
		const grant: DownloadGrant = {
			key,
			filename: download.filename,
			contentType: download.contentType,
			expiresAt: download.expiresAt.getTime()
		};
		return `${download.origin}/api/artifact-downloads/${await this.sign(grant)}`;
	}

	/**
	 * Streams `body` into a temporary file, counting and hashing, then renames it to the key.
	 * `accept` sees what was written before the rename and may refuse it (a problem string): the
	 * temporary file is removed, the key untouched. A body over `maxBytes` stops at the limit.
	 */
	async put(
		key: string,
		body: ReadableStream<Uint8Array>,
		options: PutOptions
	): Promise<{ size: number; sha256: string }> {
		const target = this.path(key);
		const temporary = join(
			this.root,
			'.incoming',
			`${key.replaceAll('/', '_')}.${randomBytes(6).toString('hex')}`
		);
		await mkdir(dirname(temporary), { recursive: true, mode: 0o700 });
		const hash = createHash('sha256');
		let size = 0;
		const counter = new Transform({
			transform(chunk: Buffer, _encoding, done) {
				size += chunk.length;
				if (size > options.maxBytes) return done(new ObjectTooLargeError(options.maxBytes));
				hash.update(chunk);
				done(null, chunk);
			}
		});
		try {
			await pipeline(
				Readable.fromWeb(body as unknown as NodeReadableStream),
				counter,
				createWriteStream(temporary, { mode: 0o600 })
			);
			const written = { size, sha256: hash.digest('hex') };
			const problem = options.accept?.(written);
			if (problem) throw new RefusedObjectError(problem);
			await mkdir(dirname(target), { recursive: true, mode: 0o700 });
			await rename(temporary, target);
			return written;
		} catch (error) {
			await rm(temporary, { force: true });
			throw error;
		}
	}

	async read(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
		const file = this.path(key);
		if (!(await stat(file).catch(() => undefined))) return undefined;
		return Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
	}

	async size(key: string): Promise<number | undefined> {
		return (await stat(this.path(key)).catch(() => undefined))?.size;
	}

	async remove(keys: string[]): Promise<void> {
		for (const key of keys) await rm(this.path(key), { force: true, recursive: true });
	}

	async sign(grant: DownloadGrant): Promise<string> {
		const payload = Buffer.from(JSON.stringify(grant)).toString('base64url');
		const mac = createHmac('sha256', await this.secret())
			.update(payload)
			.digest('base64url');
		return `${payload}.${mac}`;
	}

	/** The grant a download token carries, or undefined when it is forged, malformed or expired. */
	async openGrant(token: string, now = Date.now()): Promise<DownloadGrant | undefined> {
		const [payload, mac, extra] = token.split('.');
		if (!payload || !mac || extra !== undefined) return undefined;
		const expected = createHmac('sha256', await this.secret())
			.update(payload)
			.digest();
		const given = Buffer.from(mac, 'base64url');
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
		const grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as DownloadGrant;
		return grant.expiresAt > now && KEY.test(grant.key) ? grant : undefined;
	}

	/** TORA_JWT_SECRET when set, else a secret made once in the data directory (shared by its servers). */
	secret(): Promise<Buffer> {
		this.#secret ??= this.configuredSecret
			? Promise.resolve(createHash('sha256').update(`artifact-urls:${this.configuredSecret}`).digest())
			: loadOrCreateSecret(join(this.root, '..', 'artifact-url-secret'));
		return this.#secret;
	}
}

async function loadOrCreateSecret(file: string): Promise<Buffer> {
	try {
		return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
	} catch {
		await mkdir(dirname(file), { recursive: true, mode: 0o700 });
		// `wx`: of two servers starting together, one writes and both then read the same secret.
		await writeFile(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' }).catch(() => {});
		return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
	}
}
