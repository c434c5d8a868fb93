/**
 * Console capture: process.stdout and process.stderr are teed. Every write goes to the real
 * stream first, unchanged and at once (nothing is reordered or delayed for the user); a copy is
 * split into lines, each numbered (`seq`, from 1 in print order, per run), timestamped and queued
 * for the console sender (sender.ts, channel 'console': batched, retried, spooled, idempotent).
 *
 * - A line is what ends with `\n`; a trailing `\r` is dropped, and of a line redrawn with `\r`
 *   (a progress bar) the last drawing is kept, as a terminal shows it. What is left unterminated
 *   is sent as a line when capture stops.
 * - Lines longer than 16 KB (16,384 UTF-16 units) are cut, ending with ` …[line cut]`.
 * - The queue is bounded (MAX_QUEUED_LINES lines, MAX_QUEUED_BYTES bytes). When a flood outruns
 *   the server, new lines are counted and dropped (the script is never held up) and, once there is
 *   room again, one line `[tora: N console lines dropped: ...]` on stderr marks the gap.
 * - Restored on stop(); if something else replaced the write functions after us, ours stays in
 *   the chain but passes writes straight through.
 */
import { StringDecoder } from 'node:string_decoder';
import { utf8Length, type QueuedEntry } from './sender.js';

export const MAX_LINE_CHARS = 16 * 1024;
export const CUT_MARKER = ' …[line cut]';
/** About 40 MB of memory at most: a burst of printing in a loop that never awaits fits. */
export const MAX_QUEUED_LINES = 200_000;
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export type StreamName = 'stdout' | 'stderr';

type Write = typeof process.stdout.write;

/** What is teed: process.stdout and process.stderr (other objects in tests). */
export type Streams = Record<StreamName, { write: Write }>;

/** Where captured lines go, and whether there is room for more. */
export interface ConsoleSink {
	put(entry: QueuedEntry): void;
	/** Lines and bytes still queued. */
	queued(): { lines: number; bytes: number };
	/** The server refused more console text for the run: stop capturing. */
	isFull(): boolean;
}

/** The real stderr's write while capture is on (so the SDK's own warnings are not captured). */
let realStderr: ((text: string) => void) | null = null;

/** Write to the real stderr, bypassing any capture. */
export function writeRealStderr(text: string): void {
	if (realStderr) realStderr(text);
	else process.stderr.write(text);
}

/** Cut an overlong line the way the server does (never splitting a surrogate pair). */
export function cutLine(text: string): string {
	if (text.length <= MAX_LINE_CHARS) return text;
	let cut = MAX_LINE_CHARS - CUT_MARKER.length;
	if (/[\uD800-\uDBFF]/.test(text[cut - 1])) cut -= 1;
	return text.slice(0, cut) + CUT_MARKER;
}

/** What a terminal shows of a line: the part after its last carriage return. */
function shown(line: string): string {
	const end = line.endsWith('\r') ? line.length - 1 : line.length;
	const start = line.lastIndexOf('\r', end - 1) + 1;
	return start === 0 && end === line.length ? line : line.slice(start, end);
}

class StreamState {
	readonly decoder = new StringDecoder('utf8');
	partial = '';
	/** The current line passed MAX_LINE_CHARS and was sent cut: skip the rest of it. */
	skipping = false;
	constructor(readonly name: StreamName) {}
}

export class ConsoleCapture {
	private seq: number;
	private readonly states = {
		stdout: new StreamState('stdout'),
		stderr: new StreamState('stderr')
	};
	private readonly originals = new Map<StreamName, Write>();
	private readonly installed = new Map<StreamName, Write>();
	private active = false;
	/** Lines dropped since the last marker. */
	private droppedRun = 0;
	/** Lines dropped in all. */
	dropped = 0;
	/** Printed lines queued in all. */
	captured = 0;
	/** Gap markers queued. */
	markers = 0;

	constructor(
		private readonly sink: ConsoleSink,
		/** The last seq the run already has (0 for a new run). */
		lastSeq = 0,
		private readonly streams: Streams = process
	) {
		this.seq = lastSeq;
	}

	start(): void {
		if (this.active) return;
		this.active = true;
		for (const name of ['stdout', 'stderr'] as const) {
			const stream = this.streams[name];
			const original = stream.write;
			this.originals.set(name, original);
			const observe = (chunk: unknown, encoding: unknown) => {
				if (!this.active) return;
				try {
					this.take(name, chunk, typeof encoding === 'string' ? encoding : undefined);
				} catch {
					// Capture must never break printing.
				}
			};
			// A function, not an arrow: the stream's own `this` goes on to the real write.
			const tee = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
				// The real stream first: the user's output is never delayed or lost by capture.
				const written = (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
				observe(chunk, rest[0]);
				return written;
			} as Write;
			stream.write = tee;
			this.installed.set(name, tee);
		}
		const stderrOriginal = this.originals.get('stderr')!;
		const stderr = this.streams.stderr;
		if (stderr === process.stderr) realStderr = (text) => void stderrOriginal.call(stderr, text);
	}

	/** Send what is left unterminated, then put the real write functions back. */
	stop(): void {
		if (!this.active) return;
		for (const state of Object.values(this.states)) {
			const rest = state.partial + state.decoder.end();
			state.partial = '';
			if (rest && !state.skipping) this.emit(state.name, rest, new Date().toISOString());
		}
		if (this.droppedRun > 0) this.emit('stderr', '', new Date().toISOString(), false);
		this.active = false;
		for (const name of ['stdout', 'stderr'] as const) {
			const stream = this.streams[name];
			// Someone wrapped us meanwhile: leave their wrapper; ours passes writes through now.
			if (stream.write === this.installed.get(name)) stream.write = this.originals.get(name)!;
		}
		if (this.streams.stderr === process.stderr) realStderr = null;
	}

	private take(name: StreamName, chunk: unknown, encoding: string | undefined): void {
		if (this.sink.isFull()) return;
		const state = this.states[name];
		let text: string;
		if (typeof chunk === 'string') {
			text =
				encoding && !/^utf-?8$/i.test(encoding)
					? Buffer.from(chunk, encoding as BufferEncoding).toString('utf8')
					: chunk;
		} else if (chunk instanceof Uint8Array) {
			text = state.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
		} else return;
		if (text.length === 0) return;
		const time = new Date().toISOString();
		let start = 0;
		for (;;) {
			const newline = text.indexOf('\n', start);
			if (newline === -1) break;
			const piece = text.slice(start, newline);
			start = newline + 1;
			if (state.skipping) {
				state.skipping = false;
				state.partial = '';
				continue;
			}
			const line = state.partial ? state.partial + piece : piece;
			state.partial = '';
			this.emit(name, line, time);
		}
		if (start < text.length && !state.skipping) {
			state.partial += text.slice(start);
			if (state.partial.length > MAX_LINE_CHARS) {
				// A redrawn line (progress bar) keeps only its last drawing; a plain long one is cut now.
				state.partial = state.partial.slice(state.partial.lastIndexOf('\r') + 1);
				if (state.partial.length > MAX_LINE_CHARS) {
					this.emit(name, state.partial, time);
					state.partial = '';
					state.skipping = true;
				}
			}
		}
	}

	/** Queue a line (`line` false: only the pending gap marker, if there is room for it). */
	private emit(name: StreamName, raw: string, time: string, line = true): void {
		const queued = this.sink.queued();
		if (queued.lines >= MAX_QUEUED_LINES || queued.bytes >= MAX_QUEUED_BYTES) {
			if (!line) return;
			this.dropped++;
			this.droppedRun++;
			return;
		}
		if (this.droppedRun > 0) {
			const count = this.droppedRun;
			this.droppedRun = 0;
			this.markers++;
			this.put(
				'stderr',
				`[tora: ${count} console line${count === 1 ? '' : 's'} dropped here: printed faster than they could be sent]`,
				time
			);
		}
		if (!line) return;
		this.captured++;
		this.put(name, cutLine(shown(raw)), time);
	}

	private put(name: StreamName, text: string, time: string): void {
		const json = `{"seq":${++this.seq},"time":"${time}","stream":"${name}","text":${JSON.stringify(text)}}`;
		this.sink.put({ text: json, bytes: utf8Length(json) });
	}
}
