/**
 * Artifacts from the TS SDK: files and directories uploaded in the background, streamed from disk
 * (never read whole into memory), one code path for every server: ask for an upload
 * (`POST /experiments/{id}/artifacts` with the size and sha256), send the bytes to the URL it
 * answers (the single server's own, or Supabase Storage's), complete it. Network errors, 429 and
 * 5xx restart the file from a new request (the server drops the half-sent one), with backoff,
 * within the retry budget. The same bytes at the same path are a no-op, so a retry or a rerun
 * uploads nothing twice. Mirrors sdk/python/tora/_artifacts.py.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ToraApiError, ToraConnectionError, ToraError } from './errors.js';
import { Http, isRetryable, requestData, sleep, type RetryOptions } from './http.js';

export interface WireArtifact {
	id: string;
	experiment_id: string;
	path: string;
	size: number;
	sha256: string;
	content_type: string;
	state: 'pending' | 'complete';
	created_by: string | null;
	created_at: string;
	completed_at: string | null;
	step: number | null;
	media_key: string | null;
}

interface WireUpload {
	artifact: WireArtifact;
	upload: { url: string; method: string; headers: Record<string, string> } | null;
}

/** One file to store: where it is on disk and its path in the run. */
export interface ArtifactFile {
	file: string;
	path: string;
}

/** The files of `source` (a file, or every file under a directory) with their paths in the run. */
export async function artifactFiles(source: string, name?: string): Promise<ArtifactFile[]> {
	const info = await stat(source);
	const root = (name ?? basename(source.replace(/[/\\]+$/, ''))).replace(/^\/+|\/+$/g, '');
	if (!info.isDirectory()) return [{ file: source, path: root }];
	const files: ArtifactFile[] = [];
	const walk = async (dir: string): Promise<void> => {
		const entries = await readdir(dir, { withFileTypes: true });
		entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		for (const entry of entries) {
			const full = join(dir, entry.name);
			if (entry.isDirectory()) await walk(full);
			else if (entry.isFile())
				files.push({
					file: full,
					path: [root, relative(source, full).split(sep).join('/')].filter(Boolean).join('/')
				});
		}
	};
	await walk(source);
	return files;
}

const TYPES: Record<string, string> = {
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.gif': 'image/gif',
	'.webp': 'image/webp',
	'.json': 'application/json',
	'.txt': 'text/plain',
	'.yaml': 'application/yaml',
	'.yml': 'application/yaml',
	'.csv': 'text/csv',
	'.md': 'text/markdown'
};

export const contentTypeOf = (file: string) =>
	TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';

/** The file's size and sha256, read as a stream. */
export async function digest(file: string): Promise<{ size: number; sha256: string }> {
	const hash = createHash('sha256');
	let size = 0;
	for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
		size += (chunk as Buffer).length;
		hash.update(chunk as Buffer);
	}
	return { size, sha256: hash.digest('hex') };
}

/** A failure worth starting the file again for (the network, the server busy or restarting). */
class RetryableUpload extends Error {}

export interface UploadOptions {
	overwrite?: boolean;
	retry: RetryOptions;
	/** Media: the image's step and name. */
	step?: number;
	mediaKey?: string;
}

/** Stores one file: ask, send (streamed), complete. Retryable failures throw RetryableUpload. */
async function uploadOnce(
	http: Http,
	experimentId: string,
	item: ArtifactFile,
	options: UploadOptions
): Promise<WireArtifact> {
	const { size, sha256 } = await digest(item.file);
	const base = `/experiments/${encodeURIComponent(experimentId)}/artifacts`;
	const asked = await requestData<WireUpload>(
		http,
		'POST',
		base,
		{
			path: item.path,
			size,
			sha256,
			contentType: contentTypeOf(item.file),
			...(options.overwrite ? { overwrite: true } : {}),
			...(options.step !== undefined ? { step: options.step } : {}),
			...(options.mediaKey !== undefined ? { mediaKey: options.mediaKey } : {})
		},
		options.retry
	);
	if (!asked.upload) return asked.artifact;
	let response: Response;
	try {
		response = await fetch(asked.upload.url, {
			method: asked.upload.method,
			headers: { ...asked.upload.headers, 'content-length': String(size) },
			body: Readable.toWeb(createReadStream(item.file, { highWaterMark: 1 << 20 })) as ReadableStream,
			duplex: 'half'
		} as RequestInit);
		await response.arrayBuffer();
	} catch (error) {
		throw new RetryableUpload(`sending ${item.path} failed: ${(error as Error).message}`);
	}
	// 404: the single-use URL was taken or expired (a retried send); a new request gets a new one.
	if (isRetryable(response.status) || response.status === 404) {
		throw new RetryableUpload(`sending ${item.path} got HTTP ${response.status}`);
	}
	if (!response.ok)
		throw new ToraApiError(response.status, null, `sending ${item.path} got HTTP ${response.status}`);
	try {
		return await requestData<WireArtifact>(
			http,
			'POST',
			`${base}/${asked.artifact.id}/complete`,
			undefined,
			options.retry
		);
	} catch (error) {
		// The bytes changed on disk while they were sent: hash them again.
		if (error instanceof ToraApiError && error.status === 400) throw new RetryableUpload(error.message);
		throw error;
	}
}

/** Retryable failures of one file started again at least this often, however short the budget. */
const MIN_ATTEMPTS = 3;

/** One file, started again from a new request after a retryable failure while the budget lasts. */
export async function uploadFile(
	http: Http,
	experimentId: string,
	item: ArtifactFile,
	options: UploadOptions
): Promise<WireArtifact> {
	const deadline = Date.now() + options.retry.budgetMs;
	for (let attempt = 1; ; attempt++) {
		try {
			return await uploadOnce(http, experimentId, item, options);
		} catch (error) {
			const retry = error instanceof RetryableUpload || error instanceof ToraConnectionError;
			const spent = attempt >= MIN_ATTEMPTS && Date.now() >= deadline;
			if (!retry || spent || options.retry.signal?.aborted) throw error;
			await sleep(Math.random() * Math.min(8_000, 500 * 2 ** attempt), options.retry.signal);
		}
	}
}

export interface ArtifactQueueOptions {
	http: Http;
	experimentId: string;
	retryBudgetMs: number;
	onWarning: (message: string) => void;
	/** Files sent at once. */
	concurrency?: number;
}

/**
 * The background queue behind `logArtifact`: calls return at once; files go out a few at a time.
 * A file that cannot be stored is reported through `onWarning`, never thrown into the caller.
 */
export class ArtifactQueue {
	private readonly pending: Array<{ item: ArtifactFile; options: Partial<UploadOptions> }> = [];
	private readonly listing: Promise<void>[] = [];
	private running = 0;
	private idle: Array<() => void> = [];
	private readonly abort = new AbortController();
	stored = 0;
	failed = 0;

	constructor(private readonly settings: ArtifactQueueOptions) {}

	/** Queues a file or a directory (its files are found in the background too). */
	add(source: string, name?: string, options: Partial<UploadOptions> = {}): void {
		const listed = artifactFiles(source, name)
			.then((files) => {
				for (const item of files) this.pending.push({ item, options });
				this.pump();
			})
			.catch((error) => {
				this.failed++;
				this.settings.onWarning(`tora: artifact ${source} not uploaded: ${(error as Error).message}`);
			})
			.finally(() => {
				this.listing.splice(this.listing.indexOf(listed), 1);
				this.settle();
			});
		this.listing.push(listed);
	}

	private pump(): void {
		const limit = this.settings.concurrency ?? 4;
		while (this.running < limit && this.pending.length) {
			const { item, options } = this.pending.shift()!;
			this.running++;
			uploadFile(this.settings.http, this.settings.experimentId, item, {
				...options,
				retry: { budgetMs: this.settings.retryBudgetMs, signal: this.abort.signal }
			})
				.then(() => this.stored++)
				.catch((error) => {
					this.failed++;
					this.settings.onWarning(`tora: artifact ${item.path} not uploaded: ${(error as Error).message}`);
				})
				.finally(() => {
					this.running--;
					this.pump();
					this.settle();
				});
		}
	}

	private settle(): void {
		if (this.running || this.pending.length || this.listing.length) return;
		for (const resolve of this.idle.splice(0)) resolve();
	}

	/** Resolves once every queued file is stored or given up on. Never rejects. */
	flush(): Promise<void> {
		if (!this.running && !this.pending.length && !this.listing.length) return Promise.resolve();
		return new Promise((resolve) => this.idle.push(resolve));
	}

	/** flush(), for at most `timeoutMs`; then stops retrying. True when everything got through. */
	async close(timeoutMs: number): Promise<boolean> {
		let timer: NodeJS.Timeout | undefined;
		const timedOut = new Promise<boolean>((resolve) => {
			timer = setTimeout(() => resolve(false), timeoutMs);
		});
		const done = await Promise.race([this.flush().then(() => true), timedOut]);
		clearTimeout(timer);
		if (!done) {
			this.abort.abort();
			this.settings.onWarning(
				`tora: ${this.pending.length + this.running} artifact upload(s) unfinished at exit`
			);
		}
		return done && this.failed === 0;
	}
}

/** Every complete artifact of a run (all pages). */
export async function listArtifacts(
	http: Http,
	experimentId: string,
	retry: RetryOptions
): Promise<WireArtifact[]> {
	const all: WireArtifact[] = [];
	let after: string | null = null;
	do {
		const query: string = `?limit=1000${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
		const page: { artifacts: WireArtifact[]; next_after: string | null } = await requestData(
			http,
			'GET',
			`/experiments/${encodeURIComponent(experimentId)}/artifacts${query}`,
			undefined,
			retry
		);
		all.push(...page.artifacts);
		after = page.next_after;
	} while (after !== null);
	return all;
}

/**
 * Downloads an artifact (by path, or every artifact under a directory path) to `out`: streamed to
 * a temporary file, its sha256 checked against the catalogue, then renamed into place.
 */
export async function downloadArtifacts(
	http: Http,
	experimentId: string,
	name: string,
	out: string,
	retry: RetryOptions
): Promise<Array<{ artifact: WireArtifact; file: string }>> {
	const clean = name.replace(/^\/+|\/+$/g, '');
	const all = await listArtifacts(http, experimentId, retry);
	const exact = all.find((a) => a.path === clean);
	const chosen = exact ? [exact] : all.filter((a) => a.path.startsWith(`${clean}/`));
	if (chosen.length === 0) throw new ToraError(`no artifact "${clean}" in experiment ${experimentId}`);
	const written: Array<{ artifact: WireArtifact; file: string }> = [];
	for (const artifact of chosen) {
		const file = exact ? out : join(out, ...artifact.path.slice(clean.length + 1).split('/'));
		const grant = await requestData<{ url: string }>(
			http,
			'GET',
			`/experiments/${encodeURIComponent(experimentId)}/artifacts/${artifact.id}/download`,
			undefined,
			retry
		);
		const response = await fetch(grant.url);
		if (!response.ok || !response.body)
			throw new ToraApiError(
				response.status,
				null,
				`downloading ${artifact.path} got HTTP ${response.status}`
			);
		const { mkdir } = await import('node:fs/promises');
		await mkdir(join(file, '..'), { recursive: true });
		const temporary = `${file}.tora-partial`;
		const hash = createHash('sha256');
		const source = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
		source.on('data', (chunk: Buffer) => hash.update(chunk));
		try {
			await pipeline(source, createWriteStream(temporary));
			if (hash.digest('hex') !== artifact.sha256)
				throw new ToraError(`${artifact.path}: the download's sha256 differs from the stored one`);
			await rename(temporary, file);
		} catch (error) {
			await rm(temporary, { force: true });
			throw error;
		}
		written.push({ artifact, file });
	}
	return written;
}
