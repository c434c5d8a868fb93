/**
 * TFRecord files (what TensorBoard's event files are), read in chunks so that a file of any size
 * costs about one chunk of memory. Each record is framed as
 *
 *   uint64 length (little-endian) · uint32 masked CRC-32C of those 8 bytes · data · uint32 masked CRC-32C of data
 *
 * A record whose data CRC is wrong is skipped (its length was checked, so the next record is
 * found). A length whose CRC is wrong cannot be trusted, so the reader scans forward byte by byte
 * for the next frame whose length and data both check out, and skips what lies between. A file
 * that ends inside a record (a writer that was killed) loses only that last record. Every skip is
 * reported to `onIssue`, never dropped silently.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { borrowChunk, returnChunk } from './chunks.js';
import { maskedCrc32c } from './crc32c.js';

export type RecordIssueKind =
	/** The record's data did not match its CRC: the record was skipped. */
	| 'bad-data-crc'
	/** A length did not match its CRC: the bytes up to the next good record were skipped. */
	| 'corrupt-region'
	/** The file ends inside a record (or inside a corrupt region). */
	| 'truncated'
	/** A record too large to hold (an image or a graph, never a scalar): skipped unread. */
	| 'oversized'
	/** No good record in the first `maxResyncBytes`: not a TFRecord file at all. */
	| 'not-tfrecord';

export interface RecordIssue {
	kind: RecordIssueKind;
	/** Where in the file the skipped bytes start. */
	offset: number;
	/** How many bytes were skipped. */
	bytes: number;
}

export interface RecordReaderOptions {
	/** Bytes read from the file at a time. */
	chunkBytes?: number;
	/** Records longer than this are skipped without being read into memory. */
	maxRecordBytes?: number;
	/** How far to scan for the next good frame after a corrupt length before giving up on the file. */
	maxResyncBytes?: number;
	/** Called with the number of bytes read from disk, for progress. */
	onBytes?: (bytes: number) => void;
	onIssue: (issue: RecordIssue) => void;
}

const HEADER = 12;
const FOOTER = 4;
const TWO_32 = 2 ** 32;

/**
 * Calls `onRecord` with each good record of the file, in order: its data is `bytes[start, end)`,
 * valid only during the call (no view is made per record). A returned promise is awaited before
 * the next record is read (the caller's back-pressure).
 */
export async function readRecords(
	path: string,
	options: RecordReaderOptions,
	onRecord: (bytes: Buffer, start: number, end: number) => Promise<void> | void
): Promise<void> {
	const chunkBytes = options.chunkBytes ?? 1 << 20;
	const maxRecordBytes = options.maxRecordBytes ?? 64 << 20;
	const maxResyncBytes = options.maxResyncBytes ?? 16 << 20;
	const file = await open(path, 'r');
	const { size } = await file.stat();
	const input = new Input(file, chunkBytes, options.onBytes);
	// Awaiting only when bytes are missing keeps the per-record cost to plain calls.
	const ensure = (count: number) => input.available >= count || input.ensure(count);
	try {
		let good = 0;
		for (;;) {
			if (!(await ensure(1))) return;
			const offset = input.offset;
			if (!(await ensure(HEADER))) {
				options.onIssue({ kind: 'truncated', offset, bytes: input.available });
				return;
			}
			let length = input.headerLength(maxRecordBytes);
			if (length === null) {
				// Either corruption (skip to the next good frame) or not a record file at all.
				const found = await resync(input, maxRecordBytes, maxResyncBytes);
				if (found === null) {
					const kind = good === 0 && offset === 0 ? 'not-tfrecord' : 'corrupt-region';
					options.onIssue({ kind, offset, bytes: size - offset });
					return;
				}
				options.onIssue({ kind: 'corrupt-region', offset, bytes: input.offset - offset });
				length = found;
			}
			if (length < 0) {
				// A trusted length over the limit: step over it without holding it.
				const frame = HEADER - length + FOOTER;
				const skipped = await input.skip(frame);
				options.onIssue({ kind: skipped ? 'oversized' : 'truncated', offset, bytes: frame });
				if (!skipped) return;
				continue;
			}
			if (!(await ensure(HEADER + length + FOOTER))) {
				options.onIssue({ kind: 'truncated', offset, bytes: input.available });
				return;
			}
			if (!input.dataMatches(length)) {
				options.onIssue({ kind: 'bad-data-crc', offset, bytes: HEADER + length + FOOTER });
			} else {
				good++;
				const start = input.dataStart;
				const wait = onRecord(input.bytes, start, start + length);
				if (wait) await wait;
			}
			input.consume(HEADER + length + FOOTER);
		}
	} finally {
		// What was not read (the rest of a file given up on) counts as done, for progress.
		options.onBytes?.(Math.max(0, size - input.bytesRead));
		input.release();
		await file.close();
	}
}

/**
 * Scans forward one byte at a time from a frame whose length failed its CRC, for the next frame
 * whose length and data both check out (a length CRC alone matches by chance once in 2^32 tries).
 * Resolves with that frame's length, the input positioned on it; null when none is found within
 * `maxResyncBytes` or before the end of the file.
 */
async function resync(input: Input, maxRecordBytes: number, maxResyncBytes: number): Promise<number | null> {
	const from = input.offset;
	for (;;) {
		input.consume(1);
		if (input.offset - from > maxResyncBytes) return null;
		if (input.available < HEADER && !(await input.ensure(HEADER))) return null;
		const length = input.headerLength(maxRecordBytes);
		if (length === null || length < 0) continue;
		if (input.available < HEADER + length + FOOTER && !(await input.ensure(HEADER + length + FOOTER)))
			continue;
		if (input.dataMatches(length)) return length;
	}
}

/** A window on the file: bytes `[start, end)` of `buffer` are the file from `offset` on. */
class Input {
	private buffer: Buffer;
	private start = 0;
	private end = 0;
	private eof = false;
	/** The file offset of `buffer[start]`. */
	offset = 0;
	/** Bytes read from the file so far. */
	bytesRead = 0;

	constructor(
		private readonly file: FileHandle,
		private readonly chunkBytes: number,
		private readonly onBytes: ((bytes: number) => void) | undefined
	) {
		this.buffer = borrowChunk(chunkBytes);
	}

	/** Gives the read buffer back for the next file (when it is still a chunk's size). */
	release(): void {
		if (this.buffer.length === this.chunkBytes) returnChunk(this.buffer);
	}

	get available(): number {
		return this.end - this.start;
	}

	/** Whether `count` bytes are available, reading (and growing the buffer) as needed. */
	async ensure(count: number): Promise<boolean> {
		while (this.available < count) {
			if (this.eof) return false;
			if (this.start + count > this.buffer.length) {
				// Move what is left to the front, and grow only for a record larger than the buffer.
				const target = count > this.buffer.length ? Buffer.allocUnsafe(count + this.chunkBytes) : this.buffer;
				this.buffer.copy(target, 0, this.start, this.end);
				this.buffer = target;
				this.end -= this.start;
				this.start = 0;
			}
			const { bytesRead } = await this.file.read(this.buffer, this.end, this.buffer.length - this.end, null);
			if (bytesRead === 0) this.eof = true;
			this.end += bytesRead;
			this.bytesRead += bytesRead;
			this.onBytes?.(bytesRead);
		}
		// After a large record, go back to a chunk-sized buffer.
		if (
			this.buffer.length > 2 * this.chunkBytes &&
			this.available <= this.chunkBytes &&
			count <= this.chunkBytes
		) {
			const small = borrowChunk(this.chunkBytes);
			this.buffer.copy(small, 0, this.start, this.end);
			this.buffer = small;
			this.end -= this.start;
			this.start = 0;
		}
		return true;
	}

	consume(count: number): void {
		this.start += count;
		this.offset += count;
	}

	/**
	 * The frame length at the current position when its CRC checks out: the length, or its
	 * negation when it is over `maxRecordBytes`; null when the CRC does not match.
	 */
	headerLength(maxRecordBytes: number): number | null {
		const b = this.buffer;
		const s = this.start;
		if (maskedCrc32c(b, s, s + 8) !== b.readUInt32LE(s + 8)) return null;
		const length = b.readUInt32LE(s + 4) * TWO_32 + b.readUInt32LE(s);
		return length > maxRecordBytes ? -Math.min(length, Number.MAX_SAFE_INTEGER) : length;
	}

	dataMatches(length: number): boolean {
		const from = this.start + HEADER;
		return maskedCrc32c(this.buffer, from, from + length) === this.buffer.readUInt32LE(from + length);
	}

	/** The buffer holding the current frame, and where its data starts in it. */
	get bytes(): Buffer {
		return this.buffer;
	}

	get dataStart(): number {
		return this.start + HEADER;
	}

	/** Steps over `count` bytes without keeping them; false when the file ends first. */
	async skip(count: number): Promise<boolean> {
		let left = count;
		for (;;) {
			const step = Math.min(left, this.available);
			this.consume(step);
			left -= step;
			if (left === 0) return true;
			if (!(await this.ensure(1))) return false;
		}
	}
}

/** One TFRecord frame around `data` (for writers: tests and benchmarks make event files with it). */
export function frameRecord(data: Uint8Array): Buffer {
	const frame = Buffer.allocUnsafe(HEADER + data.length + FOOTER);
	frame.writeUInt32LE(data.length >>> 0, 0);
	frame.writeUInt32LE(Math.floor(data.length / TWO_32), 4);
	frame.writeUInt32LE(maskedCrc32c(frame, 0, 8), 8);
	frame.set(data, HEADER);
	frame.writeUInt32LE(maskedCrc32c(data), HEADER + data.length);
	return frame;
}
