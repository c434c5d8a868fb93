/**
 * A text file's lines, read in chunks so that any file size costs one chunk of memory. A line
 * longer than `maxLineBytes` is not held: it is reported as `null` (the caller counts it) and
 * reading goes on at the next line. Lines end at `\n`; a `\r` before it is dropped.
 */
import { open } from 'node:fs/promises';
import { borrowChunk, returnChunk } from './chunks.js';

export interface LineOptions {
	chunkBytes?: number;
	maxLineBytes: number;
	/** Called with the number of bytes read from disk, for progress. */
	onBytes?: (bytes: number) => void;
}

/** Each line's text, or null for a line over the limit. */
export async function* readLines(path: string, options: LineOptions): AsyncGenerator<string | null> {
	const file = await open(path, 'r');
	const chunk = borrowChunk(options.chunkBytes ?? 1 << 20);
	/** The start of the line being read, carried over from earlier chunks. */
	let carried: Buffer[] = [];
	let carriedBytes = 0;
	let overlong = false;
	try {
		for (;;) {
			const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
			options.onBytes?.(bytesRead);
			if (bytesRead === 0) break;
			let start = 0;
			for (;;) {
				const newline = chunk.indexOf(10, start);
				if (newline === -1 || newline >= bytesRead) break;
				if (overlong || carriedBytes + newline - start > options.maxLineBytes) yield null;
				else yield text(carried, chunk.subarray(start, newline));
				carried = [];
				carriedBytes = 0;
				overlong = false;
				start = newline + 1;
			}
			if (start < bytesRead && !overlong) {
				carriedBytes += bytesRead - start;
				if (carriedBytes > options.maxLineBytes) {
					overlong = true;
					carried = [];
				} else carried.push(Buffer.from(chunk.subarray(start, bytesRead)));
			}
		}
		if (overlong) yield null;
		else if (carriedBytes > 0) yield text(carried, Buffer.alloc(0));
	} finally {
		returnChunk(chunk);
		await file.close();
	}
}

function text(carried: Buffer[], last: Buffer): string {
	const line = carried.length ? Buffer.concat([...carried, last]).toString('utf8') : last.toString('utf8');
	return line.endsWith('\r') ? line.slice(0, -1) : line;
}
