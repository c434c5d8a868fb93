/**
 * `tora export`: stream the server's CSV export to stdout or a file, never holding it in memory,
 * with a progress line on stderr when someone is watching (a TTY) or the export is large.
 */
import { once } from 'node:events';
import { open, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { CliError, type Api } from './cli-api.js';
import { formatBytes } from './cli-format.js';
import { describe, unwrap } from './http.js';

/** Without a TTY, progress is reported only past this size, once per this many bytes. */
export const LARGE_EXPORT_BYTES = 16 * 1024 * 1024;
const REDRAW_MS = 200;
/** A server that stops sending mid-export is given up on after this long without a byte. */
export const STALL_MS = 60_000;

export class Progress {
	private bytes = 0;
	private rows = 0;
	private shown = false;
	private lastDraw = 0;
	private nextLine = LARGE_EXPORT_BYTES;

	constructor(
		private readonly stream: { write(text: string): unknown },
		private readonly tty: boolean,
		private readonly now: () => number = Date.now
	) {}

	add(chunk: Uint8Array): void {
		this.bytes += chunk.byteLength;
		for (const byte of chunk) if (byte === 10) this.rows++;
		if (this.tty) {
			if (this.now() - this.lastDraw >= REDRAW_MS) this.draw('\r');
		} else if (this.bytes >= this.nextLine) {
			this.nextLine += LARGE_EXPORT_BYTES;
			this.draw('');
		}
	}

	done(): void {
		if (this.shown || this.tty) this.draw(this.tty ? '\r' : '', ' done');
		if (this.tty) this.stream.write('\n');
	}

	/** The export failed: the error message goes on a line of its own, after the progress line. */
	failed(): void {
		if (this.shown && this.tty) this.stream.write('\n');
	}

	private draw(prefix: string, suffix = ''): void {
		this.shown = true;
		this.lastDraw = this.now();
		// The header line is not a row.
		const rows = Math.max(0, this.rows - 1).toLocaleString('en-US');
		this.stream.write(
			`${prefix}tora export: ${formatBytes(this.bytes)}, ${rows} rows${suffix}${this.tty ? '\x1b[K' : '\n'}`
		);
	}
}

async function write(out: Writable, chunk: Uint8Array): Promise<void> {
	if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * The `--output` file. It is deleted again if the export does not complete, so a file that is
 * there is a whole export; only a regular file, though (never `/dev/stdout` and the like).
 */
class OutputFile {
	private constructor(
		readonly path: string,
		readonly stream: Writable,
		private readonly regular: boolean
	) {}

	static async create(path: string): Promise<OutputFile> {
		const handle = await open(path, 'w');
		const regular = (await handle.stat()).isFile();
		return new OutputFile(path, handle.createWriteStream(), regular);
	}

	async finish(): Promise<void> {
		this.stream.end();
		await once(this.stream, 'finish');
	}

	async discard(): Promise<void> {
		if (!this.stream.closed) {
			const closed = once(this.stream, 'close').catch(() => undefined);
			this.stream.destroy();
			await closed;
		}
		if (this.regular) await rm(this.path, { force: true });
	}
}

/**
 * Streams the export to `outputFile` (or stdout). A transfer that breaks off — the connection
 * closed before the end of the chunked body, which is how the server reports a failure once the
 * head is out — stalls, or is interrupted (Ctrl-C: the request is aborted) exits non-zero, and
 * leaves no partial file.
 */
export async function exportCsv(
	api: Api,
	experimentId: string,
	format: 'long' | 'wide',
	outputFile: string | undefined,
	stderr: NodeJS.WriteStream = process.stderr
): Promise<void> {
	const interrupted = new AbortController();
	// `once`: a second Ctrl-C ends the process the usual way.
	const onInterrupt = () => interrupted.abort();
	process.once('SIGINT', onInterrupt);
	try {
		await download(api, experimentId, format, outputFile, stderr, interrupted.signal);
	} finally {
		process.off('SIGINT', onInterrupt);
	}
}

async function download(
	api: Api,
	experimentId: string,
	format: 'long' | 'wide',
	outputFile: string | undefined,
	stderr: NodeJS.WriteStream,
	interrupted: AbortSignal
): Promise<void> {
	const path = `/experiments/${encodeURIComponent(experimentId)}/export.csv?format=${format}`;
	const interruption = () =>
		new CliError(
			`interrupted: the export was cancelled${outputFile ? ` and ${outputFile} not written` : ''}`,
			130
		);
	let response: Response;
	try {
		response = await api.http.open(path, 'text/csv', interrupted);
	} catch (error) {
		if (interrupted.aborted) throw interruption();
		throw new CliError(`could not reach ${api.baseUrl} (${describe(error)}): is the server running?`);
	}
	if (!response.ok || !response.body) {
		// unwrap() turns the error envelope into a ToraApiError.
		const text = await response.text();
		try {
			unwrap({ status: response.status, headers: response.headers, text });
		} catch (error) {
			throw api.explain(error, `experiment ${experimentId} not found`);
		}
		throw new CliError(`${api.baseUrl} sent an empty export (HTTP ${response.status})`);
	}
	let file: OutputFile | undefined;
	try {
		file = outputFile ? await OutputFile.create(outputFile) : undefined;
	} catch (error) {
		await response.body.cancel().catch(() => undefined);
		throw new CliError(`could not write ${outputFile}: ${(error as Error).message}`);
	}
	const out: Writable = file?.stream ?? process.stdout;
	let broken: Error | null = null;
	out.on('error', (error) => (broken = error));
	const progress = new Progress(stderr, Boolean(stderr.isTTY));
	const reader = response.body.getReader();
	let stalled = false;
	let failed: unknown;
	let idle: ReturnType<typeof setTimeout> | undefined;
	const watch = () => {
		clearTimeout(idle);
		idle = setTimeout(() => {
			stalled = true;
			void reader.cancel();
		}, STALL_MS);
	};
	try {
		for (;;) {
			watch();
			const { done, value } = await reader.read();
			if (done || broken) break;
			progress.add(value);
			// Waiting for 'drain' rejects if the output fails meanwhile.
			await write(out, value);
		}
	} catch (error) {
		broken ??= out.errored;
		if (!broken) failed = error;
	} finally {
		clearTimeout(idle);
		await reader.cancel().catch(() => undefined);
	}
	let failure: CliError | undefined;
	if (interrupted.aborted) failure = interruption();
	else if (stalled)
		failure = new CliError(`the export from ${api.baseUrl} stalled: no data for ${STALL_MS / 1000} s`);
	else if (failed !== undefined) {
		const removed = file ? `; ${outputFile} not written` : '';
		failure = new CliError(`the export from ${api.baseUrl} broke off: ${describe(failed)}${removed}`);
	} else if (broken) {
		// `tora export ... | head`: the reader went away, which is not an error.
		if ((broken as NodeJS.ErrnoException).code === 'EPIPE') return;
		failure = new CliError(`could not write ${outputFile ?? 'the output'}: ${(broken as Error).message}`);
	}
	if (failure) {
		progress.failed();
		await file?.discard();
		throw failure;
	}
	await file?.finish();
	progress.done();
}
