/**
 * The append-only spool: what could not be delivered, one JSON object per line in
 * `<spool dir>/<experiment id>.jsonl`, uploaded later by `tora sync` (or `python -m tora sync`:
 * the format is the Python SDK's, sdk/python/tora/_spool.py).
 *
 * A line is `{"v":1,"experiment_id","base_url","logs":[LogEntry...]}` (entries keep their msg_ids,
 * so an upload that repeats or overlaps what the server has stores every point once) or
 * `{"v":1,"experiment_id","base_url","status":"finished"|"failed"}` for a final status that could
 * not be set, or `{"v":1,"experiment_id","base_url","console":[{seq,time,stream,text}...]}` for
 * console lines (numbered, so a repeated upload keeps each once), or `{..., "context": {...}}` for
 * the start-up context (already redacted). API keys are never written.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExperimentStatus } from './wire.js';

/** Entries per line: one line is one full batch on upload. */
export const LINE_ENTRIES = 10_000;

export function spoolPath(directory: string, experimentId: string): string {
	return join(directory, `${experimentId}.jsonl`);
}

function prefix(experimentId: string, baseUrl: string): string {
	return `{"v":1,"experiment_id":${JSON.stringify(experimentId)},"base_url":${JSON.stringify(baseUrl)}`;
}

/**
 * Lines holding `entries` (each already a JSON LogEntry, or for the console channel a JSON
 * console line under `"console"`), at most LINE_ENTRIES per line.
 */
export function logsLines(
	experimentId: string,
	baseUrl: string,
	entries: string[],
	channel: 'logs' | 'console' = 'logs'
): string[] {
	const lines: string[] = [];
	for (let start = 0; start < entries.length; start += LINE_ENTRIES) {
		const chunk = entries.slice(start, start + LINE_ENTRIES);
		lines.push(`${prefix(experimentId, baseUrl)},"${channel}":[${chunk.join(',')}]}`);
	}
	return lines;
}

/** The start-up context (already redacted), for a run whose server could not be reached. */
export function contextLine(experimentId: string, baseUrl: string, context: unknown): string {
	return `${prefix(experimentId, baseUrl)},"context":${JSON.stringify(context)}}`;
}

export function statusLine(experimentId: string, baseUrl: string, status: ExperimentStatus): string {
	return `${prefix(experimentId, baseUrl)},"status":${JSON.stringify(status)}}`;
}

// Appends from this process go one after another, so lines from two writers never interleave.
let queue: Promise<unknown> = Promise.resolve();

/** Append lines (and fsync them). Resolves with the file's path. */
export function appendLines(directory: string, experimentId: string, lines: string[]): Promise<string> {
	const path = spoolPath(directory, experimentId);
	const data = lines.map((line) => line + '\n').join('');
	const write = queue.then(async () => {
		await mkdir(directory, { recursive: true, mode: 0o700 });
		const file = await open(path, 'a', 0o600);
		try {
			await file.write(data);
			await file.sync();
		} finally {
			await file.close();
		}
		return path;
	});
	queue = write.catch(() => undefined);
	return write;
}

/** The same, synchronously: for process 'exit' handlers, where nothing asynchronous runs. */
export function appendLinesSync(directory: string, experimentId: string, lines: string[]): string {
	const path = spoolPath(directory, experimentId);
	mkdirSync(directory, { recursive: true, mode: 0o700 });
	appendFileSync(path, lines.map((line) => line + '\n').join(''), { mode: 0o600 });
	return path;
}
