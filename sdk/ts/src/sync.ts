/**
 * `tora sync`: upload the spool (the same files and procedure as `python -m tora sync`).
 *
 * Each `<experiment id>.jsonl` is first renamed to `<name>.syncing-<pid>` (so a run still writing
 * to the spool starts a fresh file instead of racing us), then uploaded line by line with the
 * entries' original msg_ids: whatever the server already has is skipped, so an interrupted or
 * repeated sync never duplicates a point. A file is deleted once every line was acknowledged;
 * lines that could not be delivered are appended back to `<experiment id>.jsonl` for next time.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as config from './config.js';
import {
	errorMessage,
	Http,
	isRetryable,
	parseJson,
	unreachableReason,
	withRetries,
	type FetchLike
} from './http.js';
import {
	badIndices,
	batchBody,
	MAX_BATCH_ENTRIES,
	MAX_CONSOLE_BATCH_LINES,
	TARGET_BATCH_BYTES,
	utf8Length,
	type Channel
} from './sender.js';
import { appendLinesSync, statusLine } from './spool.js';
import type { ExperimentStatus } from './wire.js';

export interface SyncOptions {
	/** Default: TORA_SPOOL_DIR, else ~/.tora/spool. */
	spoolDir?: string;
	/** Upload here instead of to the server each run used. */
	baseUrl?: string;
	/** Default: TORA_API_KEY, else the `tora login` key for that server. */
	apiKey?: string;
	/** How long one batch keeps retrying (ms). Default: TORA_RETRY_TIMEOUT s, else 60 s. */
	retryTimeoutMs?: number;
	/** Progress lines. Default: stdout. */
	print?: (line: string) => void;
	fetch?: FetchLike;
}

export interface SyncTotals {
	files: number;
	/** Entries the server acknowledged. */
	sent: number;
	/** ... of which it stored (the rest it already had). */
	stored: number;
	duplicates: number;
	/** Entries the server refused as invalid (skipped for good). */
	rejected: number;
	/** Files that could not be uploaded completely (their lines wait for the next sync). */
	failed: number;
}

/** The server refused in a way that retrying now cannot fix (auth, a missing experiment...). */
class Stop extends Error {}

function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** [claimed path, experiment id] for every spool file, including ones a crashed sync left. */
function claim(directory: string): Array<[string, string]> {
	const names = readdirSync(directory).sort();
	const claimed: string[] = [];
	for (const name of names) {
		const match = /\.jsonl\.syncing-(\d+)$/.exec(name);
		if (!match) continue;
		const pid = Number(match[1]);
		if (pid !== process.pid && pidAlive(pid)) continue; // another sync is working on it
		claimed.push(join(directory, name));
	}
	for (const name of names) {
		if (!name.endsWith('.jsonl')) continue;
		const target = join(directory, `${name}.syncing-${process.pid}`);
		try {
			renameSync(join(directory, name), target);
		} catch {
			continue; // taken by another sync meanwhile
		}
		claimed.push(target);
	}
	return claimed.map((path) => [path, path.slice(directory.length + 1).split('.jsonl')[0]]);
}

/** Entries into batches within the server's limits. */
function batches(entries: string[], maxEntries: number): string[][] {
	const out: string[][] = [];
	let current: string[] = [];
	let size = 12;
	for (const entry of entries) {
		const bytes = utf8Length(entry) + 1;
		if (current.length > 0 && (current.length >= maxEntries || size + bytes > TARGET_BATCH_BYTES)) {
			out.push(current);
			current = [];
			size = 12;
		}
		current.push(entry);
		size += bytes;
	}
	if (current.length > 0) out.push(current);
	return out;
}

interface Target {
	http: Http;
	budgetMs: number;
	print: (line: string) => void;
}

/** Upload log entries (`logs`) or console lines (`console`; the server keeps each seq once). */
async function uploadLogs(
	target: Target,
	experimentId: string,
	logs: unknown[],
	totals: SyncTotals,
	channel: Channel = 'logs'
) {
	const isConsole = channel === 'console';
	const path = `/experiments/${encodeURIComponent(experimentId)}/${isConsole ? 'console' : 'logs/batch'}`;
	const pending = batches(
		logs.map((entry) => JSON.stringify(entry)),
		isConsole ? MAX_CONSOLE_BATCH_LINES : MAX_BATCH_ENTRIES
	);
	while (pending.length > 0) {
		const batch = pending.shift()!;
		const { response, error } = await withRetries(
			(signal) => target.http.request('POST', path, batchBody(batch, channel), signal),
			{ budgetMs: target.budgetMs }
		);
		if (!response || isRetryable(response.status)) {
			const reason = unreachableReason({ response, error });
			throw new Stop(`${target.http.baseUrl} unreachable (${reason})`);
		}
		const body = parseJson(response.text);
		if (response.status >= 200 && response.status < 300) {
			const data = (
				body as { data?: { stored?: unknown; accepted?: unknown; duplicates?: unknown } } | undefined
			)?.data;
			totals.sent += batch.length;
			totals.stored += Number(data?.stored ?? data?.accepted) || 0;
			totals.duplicates += Number(data?.duplicates) || 0;
			continue;
		}
		const message = errorMessage(body, response.text.slice(0, 200) || `HTTP ${response.status}`);
		const fields = (body as { error?: { fields?: Record<string, unknown> } } | undefined)?.error?.fields;
		if (isConsole && response.status === 413 && fields && 'lines' in fields) {
			// The run's console is full: the rest of these lines can never be stored.
			target.print(
				`  ${pending.reduce((n, b) => n + b.length, batch.length)} console lines skipped: ${message}`
			);
			totals.rejected += pending.reduce((n, b) => n + b.length, batch.length);
			return;
		}
		if (response.status === 413 && batch.length > 1) {
			const half = Math.floor(batch.length / 2);
			pending.unshift(batch.slice(0, half), batch.slice(half));
			continue;
		}
		if (response.status === 400) {
			const bad = badIndices(body, batch.length, isConsole ? 'lines' : 'logs');
			target.print(`  ${bad.size || batch.length} entries rejected by the server and skipped: ${message}`);
			if (bad.size > 0 && bad.size < batch.length) {
				totals.rejected += bad.size;
				pending.unshift(batch.filter((_, index) => !bad.has(index)));
			} else {
				totals.rejected += batch.length;
			}
			continue;
		}
		throw new Stop(`HTTP ${response.status}: ${message}`);
	}
}

/** PUT a spooled context (a repeat replaces it with the same). */
async function uploadContext(target: Target, experimentId: string, context: unknown): Promise<void> {
	const { response, error } = await withRetries(
		(signal) =>
			target.http.request('PUT', `/experiments/${encodeURIComponent(experimentId)}/context`, context, signal),
		{ budgetMs: target.budgetMs }
	);
	if (!response || isRetryable(response.status)) {
		const reason = unreachableReason({ response, error });
		throw new Stop(`${target.http.baseUrl} unreachable (${reason})`);
	}
	if (response.status >= 200 && response.status < 300) {
		target.print('  uploaded the run context');
		return;
	}
	const message = errorMessage(parseJson(response.text), response.text.slice(0, 200));
	if (response.status === 400 || response.status === 413) {
		target.print(`  the run context was refused and skipped: ${message}`);
		return;
	}
	throw new Stop(`HTTP ${response.status}: ${message}`);
}

async function setStatus(target: Target, experimentId: string, status: ExperimentStatus): Promise<void> {
	const { response, error } = await withRetries(
		(signal) =>
			target.http.request('PATCH', `/experiments/${encodeURIComponent(experimentId)}`, { status }, signal),
		{ budgetMs: target.budgetMs }
	);
	if (!response || isRetryable(response.status)) {
		const reason = unreachableReason({ response, error });
		throw new Stop(`${target.http.baseUrl} unreachable (${reason})`);
	}
	if (response.status < 200 || response.status >= 300) {
		const message = errorMessage(parseJson(response.text), response.text.slice(0, 200));
		throw new Stop(`could not set status ${status}: HTTP ${response.status}: ${message}`);
	}
}

function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Upload every spool file. `code` is 0 when everything was delivered, 1 when some is left for later. */
export async function sync(options: SyncOptions = {}): Promise<{ code: number; totals: SyncTotals }> {
	const print = options.print ?? ((line: string) => console.log(line));
	const directory = config.spoolDir(options.spoolDir);
	const budgetMs = config.durationMs(options.retryTimeoutMs, 'TORA_RETRY_TIMEOUT', 60_000);
	const totals: SyncTotals = { files: 0, sent: 0, stored: 0, duplicates: 0, rejected: 0, failed: 0 };
	if (!existsSync(directory)) {
		print(`tora sync: nothing to upload (${directory} does not exist)`);
		return { code: 0, totals };
	}
	const targets = new Map<string, Target>();
	const targetFor = (recorded: unknown): Target => {
		const { baseUrl, apiKey } = config.credentials(
			options.baseUrl || (typeof recorded === 'string' ? recorded : undefined),
			options.apiKey
		);
		if (!apiKey) throw new Stop(`no API key for ${baseUrl}: set TORA_API_KEY or run \`tora login\``);
		let target = targets.get(baseUrl);
		if (!target) {
			target = { http: new Http({ baseUrl, apiKey, fetch: options.fetch }), budgetMs, print };
			targets.set(baseUrl, target);
		}
		return target;
	};
	const files = claim(directory);
	if (files.length === 0) {
		print(`tora sync: nothing to upload in ${directory}`);
		return { code: 0, totals };
	}
	for (const [path, experimentId] of files) {
		const lines = readFileSync(path, 'utf8').split('\n');
		print(
			`${experimentId}.jsonl (experiment ${experimentId}): ${plural(lines.filter((l) => l.trim()).length, 'line')}`
		);
		const before = { ...totals };
		const left: string[] = [];
		let stopped: string | null = null;
		let status: { target: Target; status: ExperimentStatus } | null = null;
		for (const [index, line] of lines.entries()) {
			if (!line.trim()) continue;
			if (stopped !== null) {
				left.push(line);
				continue;
			}
			const record = parseJson(line) as Record<string, unknown> | undefined;
			if (!record || typeof record !== 'object' || Array.isArray(record)) {
				print(`  line ${index + 1} is not valid JSON (an interrupted write?); skipped`);
				continue;
			}
			try {
				const target = targetFor(record.base_url);
				const experiment = typeof record.experiment_id === 'string' ? record.experiment_id : experimentId;
				if (Array.isArray(record.logs)) await uploadLogs(target, experiment, record.logs, totals);
				else if (Array.isArray(record.console))
					await uploadLogs(target, experiment, record.console, totals, 'console');
				else if (record.context && typeof record.context === 'object' && !Array.isArray(record.context))
					await uploadContext(target, experiment, record.context);
				else if (record.status === 'finished' || record.status === 'failed' || record.status === 'running')
					status = { target, status: record.status };
			} catch (error) {
				if (!(error instanceof Stop)) throw error;
				stopped = error.message;
				left.push(line);
			}
		}
		if (stopped === null && status) {
			try {
				await setStatus(status.target, experimentId, status.status);
				print(`  marked ${status.status}`);
			} catch (error) {
				if (!(error instanceof Stop)) throw error;
				stopped = error.message;
				left.push(statusLine(experimentId, status.target.http.baseUrl, status.status));
			}
		}
		totals.files++;
		const sent = totals.sent - before.sent;
		const rejected = totals.rejected - before.rejected;
		print(
			`  uploaded ${sent} ${sent === 1 ? 'entry' : 'entries'}: ${totals.stored - before.stored} stored, ${totals.duplicates - before.duplicates} already on the server${rejected ? `, ${rejected} rejected` : ''}`
		);
		if (left.length > 0) {
			appendLinesSync(directory, experimentId, left);
			totals.failed++;
			print(`  stopped: ${stopped}; ${plural(left.length, 'line')} kept for the next sync`);
		}
		rmSync(path);
	}
	print(
		`tora sync: ${plural(totals.files, 'file')}, ${totals.sent} entries uploaded (${totals.stored} stored, ${totals.duplicates} already there${totals.rejected ? `, ${totals.rejected} rejected` : ''})${totals.failed ? `; ${plural(totals.failed, 'file')} could not be fully uploaded` : '; spool is empty'}`
	);
	return { code: totals.failed ? 1 : 0, totals };
}
