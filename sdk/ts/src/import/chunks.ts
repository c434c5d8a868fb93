/**
 * Read buffers, reused from one file to the next. Files are read one at a time, and an import may
 * read thousands of them: a fresh megabyte per file would pile up outside the JavaScript heap
 * until a garbage collection happens to free it.
 */
const free: Buffer[] = [];
const KEEP = 2;

export function borrowChunk(size: number): Buffer {
	const index = free.findIndex((chunk) => chunk.length === size);
	return index === -1 ? Buffer.allocUnsafe(size) : free.splice(index, 1)[0];
}

export function returnChunk(chunk: Buffer): void {
	if (free.length < KEEP) free.push(chunk);
}
