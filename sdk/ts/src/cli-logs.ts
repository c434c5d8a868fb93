/**
 * `tora logs <experiment> [--follow] [--json]`: a run's console lines, read page by page by line
 * number (`GET /experiments/{id}/console?after=`). stdout lines go to stdout and stderr lines to
 * stderr; with --json every line is one JSON object on stdout (JSON Lines). --follow keeps reading
 * about every second until the run is no longer running, then prints what is left and exits.
 */
import type { Api } from './cli-api.js';
import { printable } from './cli-format.js';
import type { WireExperiment } from './wire.js';

export const PAGE_LINES = 5000;
export const FOLLOW_INTERVAL_MS = 1000;

export interface ConsoleLine {
	seq: number;
	time: string;
	stream: 'stdout' | 'stderr';
	text: string;
}

interface ConsolePage {
	lines: ConsoleLine[];
	cursor: number;
	more: boolean;
	last_seq: number;
}

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/**
 * A printed line made safe for a terminal: colour sequences (SGR, `ESC [ … m`) and tabs are kept,
 * as the script printed them; every other control character is shown as an escape (`\x1b`), so
 * a line cannot retitle the window, write the clipboard or move the cursor.
 */
export function terminalLine(text: string): string {
	let out = '';
	let last = 0;
	for (const match of text.matchAll(SGR)) {
		out += safe(text.slice(last, match.index)) + match[0];
		last = match.index + match[0].length;
	}
	return out + safe(text.slice(last));
}

function safe(text: string): string {
	return text
		.split('\t')
		.map((part) => printable(part))
		.join('\t');
}

/** JSON on one line, with the characters JSON.stringify leaves raw (DEL, C1, bidi) escaped too. */
export function jsonLine(line: ConsoleLine): string {
	return JSON.stringify({ seq: line.seq, time: line.time, stream: line.stream, text: line.text }).replace(
		/[\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g,
		(char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
	);
}

export interface LogsOptions {
	follow: boolean;
	json: boolean;
	/** For tests; default: process.stdout / process.stderr. */
	out?: (text: string) => void;
	err?: (text: string) => void;
	intervalMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Print the run's console; with `follow`, until the run stops running. Resolves with the lines printed. */
export async function printLogs(api: Api, id: string, options: LogsOptions): Promise<number> {
	const out = options.out ?? ((text: string) => void process.stdout.write(text));
	const err = options.err ?? ((text: string) => void process.stderr.write(text));
	const path = `/experiments/${encodeURIComponent(id)}`;
	let cursor = 0;
	let printed = 0;
	const readAll = async () => {
		for (;;) {
			const page = await api.call<ConsolePage>(
				'GET',
				`${path}/console?after=${cursor}&limit=${PAGE_LINES}`,
				undefined,
				`experiment ${id} not found`
			);
			for (const line of page.lines) {
				if (options.json) out(jsonLine(line) + '\n');
				else (line.stream === 'stderr' ? err : out)(terminalLine(line.text) + '\n');
				printed++;
			}
			cursor = page.cursor;
			if (!page.more || page.lines.length === 0) return;
		}
	};
	await readAll();
	if (!options.follow) return printed;
	for (;;) {
		const experiment = await api.call<WireExperiment>('GET', path, undefined, `experiment ${id} not found`);
		// Lines sent before the status changed are stored by then: one last read gets them all.
		const running = experiment.status === 'running';
		await readAll();
		if (!running) return printed;
		await sleep(options.intervalMs ?? FOLLOW_INTERVAL_MS);
	}
}
