/**
 * `tora import csv <file>`: the long CSV export (`tora export`, `GET /experiments/{id}/export.csv`)
 * back into an experiment: `name,step,value,logged_at`, a row per point, with text cells made
 * inert for spreadsheets (a name starting with `-` is written `"'-name"`), which is undone here.
 *
 * The file does not name the experiment it came from, so the import key is `csv:` and the SHA-256
 * of the file's content (read once before the import), unless `--key` names the source (the
 * exported experiment's id, say). Importing the same file again finds the same experiment, and
 * its points (msg_ids from the key, the name, the step and the row number) are stored once.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CliError } from '../cli-api.js';
import { borrowChunk, returnChunk } from './chunks.js';
import { experimentName, importKey } from './fields.js';
import { readLines } from './lines.js';
import type { ImportStats } from './stats.js';
import type { RunSpec, RunWriter, SeriesHandle } from './uploader.js';

const LONG_HEADER = 'name,step,value,logged_at';
/** Rows of the export are well under this; a longer line is not one of them. */
const MAX_ROW = 4096;
/** What csvText() in functions/_lib/csv.ts prefixes with a quote. */
const INERT = /^'[=+\-@\t\r]/;

export interface CsvSource {
	path: string;
	name: string;
	key: string;
}

/** Checks the header and works out the run's name and key (hashing the file unless `key` is given). */
export async function describeCsv(
	path: string,
	options: { name?: string; key?: string },
	stats: ImportStats
): Promise<CsvSource> {
	const { size } = await stat(path);
	const header = await firstLine(path);
	if (header !== LONG_HEADER) {
		if (header !== null && /^step(,|$)/.test(header))
			throw new CliError(
				`${path} is a wide export (step,<metric>,...): export with --format long to import it`
			);
		throw new CliError(
			`${path} is not a Tora long CSV export: its first line should be ${LONG_HEADER}${header === null ? '' : `, not ${JSON.stringify(header.slice(0, 80))}`}`
		);
	}
	stats.bytesTotal += size;
	let key = options.key;
	if (!key) {
		stats.bytesTotal += size;
		key = await contentHash(path, (bytes) => (stats.bytesDone += bytes));
	}
	const name =
		options.name ??
		(basename(path)
			.replace(/\.csv$/i, '')
			.replace(/-long$/, '') ||
			'imported run');
	return { path, name, key };
}

export function runSpec(source: CsvSource): RunSpec {
	return {
		key: importKey('csv', source.key),
		name: experimentName(source.name),
		project: null,
		description: `Imported from a Tora CSV export (${basename(source.path)}).`,
		status: 'finished'
	};
}

const BAD_ROW = 'CSV rows that are not name,step,value,logged_at';

export async function readRun(source: CsvSource, writer: RunWriter, stats: ImportStats): Promise<void> {
	const onBytes = (bytes: number) => (stats.bytesDone += bytes);
	const handles = new Map<string, SeriesHandle>();
	let row = -1;
	for await (const line of readLines(source.path, { maxLineBytes: MAX_ROW, onBytes })) {
		row++;
		if (row === 0) continue;
		if (line === null) {
			stats.skip(BAD_ROW);
			continue;
		}
		if (line === '') continue;
		const cells = splitRow(line);
		if (!cells || cells.length !== 4 || !/^\d+$/.test(cells[1]) || cells[2].trim() === '') {
			stats.skip(BAD_ROW);
			continue;
		}
		const [cell, stepText, valueText, loggedAt] = cells;
		const name = INERT.test(cell) ? cell.slice(1) : cell;
		const time = Date.parse(loggedAt);
		if (Number.isNaN(time)) {
			stats.skip(BAD_ROW);
			continue;
		}
		let handle = handles.get(name);
		if (!handle) {
			handle = writer.handle(name);
			handles.set(name, handle);
		}
		const wait = writer.add(handle, Number(stepText), Number(valueText), time, row);
		if (wait) await wait;
	}
}

/** RFC 4180 cells of one line; null when a quote is left open. */
export function splitRow(line: string): string[] | null {
	const cells: string[] = [];
	let i = 0;
	for (;;) {
		if (line[i] === '"') {
			let cell = '';
			i++;
			for (;;) {
				const quote = line.indexOf('"', i);
				if (quote === -1) return null;
				cell += line.slice(i, quote);
				if (line[quote + 1] === '"') {
					cell += '"';
					i = quote + 2;
				} else {
					i = quote + 1;
					break;
				}
			}
			cells.push(cell);
			if (i === line.length) return cells;
			if (line[i] !== ',') return null;
			i++;
		} else {
			const comma = line.indexOf(',', i);
			if (comma === -1) {
				cells.push(line.slice(i));
				return cells;
			}
			cells.push(line.slice(i, comma));
			i = comma + 1;
		}
	}
}

async function firstLine(path: string): Promise<string | null> {
	for await (const line of readLines(path, { maxLineBytes: 64 * 1024, chunkBytes: 64 * 1024 })) return line;
	return null;
}

async function contentHash(path: string, onBytes: (bytes: number) => void): Promise<string> {
	const hash = createHash('sha256');
	const file = await open(path, 'r');
	const chunk = borrowChunk(1 << 20);
	try {
		for (;;) {
			const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
			if (bytesRead === 0) break;
			hash.update(chunk.subarray(0, bytesRead));
			onBytes(bytesRead);
		}
	} finally {
		returnChunk(chunk);
		await file.close();
	}
	return hash.digest('hex');
}
