/**
 * The background sender: a bounded in-memory queue drained by one async loop. The caller only
 * validates and appends an encoded entry (never awaits, never throws); the loop posts batches
 * (at 1,000 waiting entries or every second), retries with backoff, and spills to the spool what
 * it cannot deliver. Mirrors sdk/python/tora/_sender.py.
 */
import {
	describe,
	errorMessage,
	Http,
	isRetryable,
	parseJson,
	unreachableReason,
	withRetries
} from './http.js';
import { appendLines, appendLinesSync, logsLines } from './spool.js';

export const MAX_QUEUE = 1_000_000;
export const BATCH_THRESHOLD = 1_000;
export const INTERVAL_MS = 1_000;
/** The server's limit. */
export const MAX_BATCH_ENTRIES = 10_000;
/**
 * A target size for one batch body, not the server's limit (2 MiB): batches are cut below it so
 * JSON framing and a large last entry never push a request over.
 */
export const TARGET_BATCH_BYTES = 1_500_000;
/** Entries written to the spool at a time once the queue is full. */
export const OVERFLOW_CHUNK = 1_000;
/** `{"logs":[]}` (`{"lines":[]}` is one more) */
const ENVELOPE_BYTES = 12;

/**
 * What a sender delivers: log entries (`POST .../logs/batch`, `{"logs": [...]}`) or console lines
 * (`POST .../console`, `{"lines": [...]}`, at most 5,000 a request). Both are idempotent (msg_id,
 * seq), both spool the same way (spool.ts).
 */
export type Channel = 'logs' | 'console';
/** The server's limit on console lines per request. */
export const MAX_CONSOLE_BATCH_LINES = 5_000;

export interface QueuedEntry {
	/** The entry as JSON. */
	text: string;
	/** Its UTF-8 length. */
	bytes: number;
}

export function utf8Length(text: string): number {
	// eslint-disable-next-line no-control-regex
	return /^[\x00-\x7f]*$/.test(text) ? text.length : new TextEncoder().encode(text).byteLength;
}

/**
 * One log entry as JSON. `metadata` is already-encoded JSON (see validation.encodeMetadata);
 * `value` is finite and `step` a safe integer or null (validated by the caller).
 */
export function encodeEntry(
	name: string,
	msgId: string,
	value: number,
	step: number | null,
	metadata: string
): QueuedEntry {
	const text = `{"name":${JSON.stringify(name)},"msg_id":"${msgId}","value":${String(value)},"step":${step === null ? 'null' : String(step)},"metadata":${metadata}}`;
	return { text, bytes: utf8Length(text) };
}

/** A FIFO with O(1) shift (an array and a head index, compacted as it drains). */
export class EntryQueue {
	private items: QueuedEntry[] = [];
	private head = 0;
	/** The queued entries' UTF-8 bytes. */
	bytes = 0;

	get length(): number {
		return this.items.length - this.head;
	}

	push(entry: QueuedEntry): void {
		this.items.push(entry);
		this.bytes += entry.bytes;
	}

	peek(): QueuedEntry | undefined {
		return this.items[this.head];
	}

	shift(): QueuedEntry | undefined {
		if (this.head >= this.items.length) return undefined;
		const entry = this.items[this.head++];
		this.bytes -= entry.bytes;
		if (this.head >= 4096 && this.head * 2 >= this.items.length) {
			this.items = this.items.slice(this.head);
			this.head = 0;
		}
		return entry;
	}

	/** Empty the queue, returning the entries' JSON in order. */
	takeAll(): string[] {
		const texts = this.items.slice(this.head).map((entry) => entry.text);
		this.items = [];
		this.head = 0;
		this.bytes = 0;
		return texts;
	}
}

/**
 * Take the next batch off the queue: at most `maxEntries` entries and `maxBytes` of request body.
 * Always takes at least one entry when the queue is not empty.
 */
export function takeBatch(
	queue: EntryQueue,
	maxEntries: number = MAX_BATCH_ENTRIES,
	maxBytes: number = TARGET_BATCH_BYTES
): string[] {
	const out: string[] = [];
	let size = ENVELOPE_BYTES;
	while (out.length < maxEntries) {
		const next = queue.peek();
		if (!next) break;
		const added = next.bytes + (out.length > 0 ? 1 : 0); // the comma
		if (out.length > 0 && size + added > maxBytes) break;
		queue.shift();
		out.push(next.text);
		size += added;
	}
	return out;
}

export function batchBody(batch: string[], channel: Channel = 'logs'): string {
	return `{"${channel === 'console' ? 'lines' : 'logs'}":[${batch.join(',')}]}`;
}

export interface SenderStats {
	/** Entries the server accepted (including duplicates it skipped). */
	sent: number;
	/** Entries the server already had (by msg_id). */
	duplicates: number;
	/** Entries saved to the spool for `tora sync` (unreachable server, full queue, exit deadline). */
	spilled: number;
	/** Entries given up on (rejected by the server, or unwritable spool, or no spool). */
	dropped: number;
	/** Entries still waiting. */
	queued: number;
}

export interface SenderOptions {
	http: Http;
	experimentId: string;
	/** How long one batch keeps retrying before it is dropped, in ms. */
	retryBudgetMs: number;
	maxQueue?: number;
	threshold?: number;
	intervalMs?: number;
	maxBatchEntries?: number;
	maxBatchBytes?: number;
	/** Where warnings go (each distinct problem once). Default: console.warn. */
	onWarning?: (message: string) => void;
	/** Where undeliverable entries are saved; absent or null: they are dropped (and counted). */
	spoolDir?: string | null;
	/** Default: 'logs'. */
	channel?: Channel;
	/**
	 * Console only: the server refused a batch because the run's console is full (413 naming
	 * `lines`). The sender drops what it holds, takes nothing more, and calls this once.
	 */
	onFull?: (message: string) => void;
}

export class Sender {
	readonly experimentId: string;
	readonly channel: Channel;
	private readonly http: Http;
	private readonly path: string;
	private readonly retryBudgetMs: number;
	private readonly maxQueue: number;
	private readonly threshold: number;
	private readonly maxBatchEntries: number;
	private readonly maxBatchBytes: number;
	private readonly warn: (message: string) => void;
	private readonly spoolDir: string | null;
	private readonly queue = new EntryQueue();
	/** Entries that arrived while the queue was full, spilled a chunk at a time. */
	private overflow: string[] = [];
	/** The batch being delivered: at process exit it may or may not have arrived. */
	private inflight: string[] | null = null;
	/** Spool writes under way, with their entries. */
	private readonly spilling = new Map<Promise<void>, string[]>();
	private readonly warned = new Set<string>();
	private readonly abort = new AbortController();
	private timer: ReturnType<typeof setInterval> | null;
	private scheduled = false;
	private running: Promise<void> | null = null;
	private closed = false;
	/** Console only: the run's console is full; everything is dropped from now on. */
	private full = false;
	private readonly onFull: ((message: string) => void) | null;
	private sent = 0;
	private duplicates = 0;
	private dropped = 0;
	private spilled = 0;
	/** The spool file this sender last wrote to. */
	spoolFile: string | null = null;

	constructor(options: SenderOptions) {
		this.http = options.http;
		this.experimentId = options.experimentId;
		this.channel = options.channel ?? 'logs';
		this.onFull = options.onFull ?? null;
		this.path = `/experiments/${encodeURIComponent(options.experimentId)}/${this.channel === 'console' ? 'console' : 'logs/batch'}`;
		this.retryBudgetMs = options.retryBudgetMs;
		this.maxQueue = options.maxQueue ?? MAX_QUEUE;
		this.threshold = options.threshold ?? BATCH_THRESHOLD;
		this.maxBatchEntries =
			options.maxBatchEntries ?? (this.channel === 'console' ? MAX_CONSOLE_BATCH_LINES : MAX_BATCH_ENTRIES);
		this.maxBatchBytes = options.maxBatchBytes ?? TARGET_BATCH_BYTES;
		this.warn = options.onWarning ?? ((message) => console.warn(message));
		this.spoolDir = options.spoolDir ?? null;
		this.timer = setInterval(() => {
			if (this.queue.length > 0) void this.kick();
		}, options.intervalMs ?? INTERVAL_MS);
		// Never keep the process alive just to tick; finish()/flush() are how to wait for delivery.
		this.timer.unref?.();
	}

	get stats(): SenderStats {
		return {
			sent: this.sent,
			duplicates: this.duplicates,
			spilled: this.spilled,
			dropped: this.dropped,
			queued: this.queue.length
		};
	}

	/** Entries and bytes waiting in memory (cheaper than stats, for a caller that asks per entry). */
	get queuedLines(): number {
		return this.queue.length;
	}

	get queuedBytes(): number {
		return this.queue.bytes;
	}

	/** Console only: whether the server said the run's console is full. */
	get isFull(): boolean {
		return this.full;
	}

	/** Queue one encoded entry. Never blocks, never throws. */
	put(entry: QueuedEntry): void {
		if (this.full) {
			this.dropped++;
			return;
		}
		if (this.closed) {
			this.dropped++;
			this.warnOnce('closed', `tora: experiment ${this.experimentId} is finished; a log entry was dropped`);
			return;
		}
		if (this.queue.length >= this.maxQueue) {
			// The server has been slow or away for a long while. Never block the caller.
			if (!this.spoolDir) {
				this.dropped++;
				this.warnOnce(
					'overflow',
					`tora: the in-memory queue is full (${this.maxQueue} entries); new entries are being dropped`
				);
				return;
			}
			this.overflow.push(entry.text);
			if (this.overflow.length >= OVERFLOW_CHUNK) {
				this.warnOnce(
					'overflow',
					`tora: the in-memory queue is full (${this.maxQueue} entries); new entries go to the spool`
				);
				void this.spill(this.takeOverflow(), 'the in-memory queue is full', true);
			}
			return;
		}
		this.queue.push(entry);
		if (this.queue.length >= this.threshold && !this.running && !this.scheduled) {
			// Not on the caller's stack: let a synchronous logging loop carry on.
			this.scheduled = true;
			setTimeout(() => {
				this.scheduled = false;
				void this.kick();
			}, 0);
		}
	}

	/** Resolves once everything queued so far was delivered, spilled or dropped. Never rejects. */
	async flush(): Promise<void> {
		if (this.overflow.length > 0) void this.spill(this.takeOverflow(), 'the in-memory queue was full', true);
		for (;;) {
			if (this.queue.length > 0 || this.running) await this.kick();
			else if (this.spilling.size > 0) await Promise.all(this.spilling.keys());
			else return;
		}
	}

	/**
	 * Stop the timer and deliver what is queued within `timeoutMs`; after that, in-flight requests
	 * are cancelled and whatever is left goes to the spool. Idempotent.
	 */
	async close(timeoutMs: number): Promise<SenderStats> {
		this.closed = true;
		if (this.timer) {
			clearInterval(this.timer);
			this.timer = null;
		}
		let deadline: ReturnType<typeof setTimeout> | undefined;
		const expired = new Promise<void>((resolve) => {
			deadline = setTimeout(() => {
				this.abort.abort();
				resolve();
			}, timeoutMs);
		});
		try {
			await Promise.race([this.flush(), expired]);
			// After the abort, the loop spills what it holds and returns promptly.
			await this.flush();
		} finally {
			clearTimeout(deadline);
		}
		return this.stats;
	}

	/**
	 * For process 'exit' handlers, where nothing asynchronous runs any more: write to the spool,
	 * synchronously, everything not known to be delivered (the batch in flight included: the
	 * server skips whatever of it already arrived). Returns the number of entries written.
	 */
	spillNow(): number {
		const texts = [
			...(this.inflight ?? []),
			...[...this.spilling.values()].flat(),
			...this.queue.takeAll(),
			...this.takeOverflow()
		];
		this.closed = true;
		if (texts.length === 0 || !this.spoolDir) return 0;
		try {
			this.spoolFile = appendLinesSync(
				this.spoolDir,
				this.experimentId,
				logsLines(this.experimentId, this.http.baseUrl, texts, this.channel)
			);
			this.spilled += texts.length;
			return texts.length;
		} catch (error) {
			this.drop(texts.length, `they could not be written to ${this.spoolDir} (${describe(error)})`);
			return 0;
		}
	}

	private kick(): Promise<void> {
		if (!this.running) {
			this.running = this.drain().finally(() => {
				this.running = null;
			});
		}
		return this.running;
	}

	private async drain(): Promise<void> {
		while (this.queue.length > 0) {
			if (this.abort.signal.aborted) {
				await this.spill(this.queue.takeAll(), 'the exit deadline passed', true);
				return;
			}
			const batch = takeBatch(this.queue, this.maxBatchEntries, this.maxBatchBytes);
			this.inflight = batch;
			try {
				await this.deliver(batch, 0);
			} catch (error) {
				// Never let the loop die.
				await this.spill(batch, `of an unexpected error (${describe(error)})`);
			} finally {
				this.inflight = null;
			}
		}
	}

	private async deliver(batch: string[], depth: number): Promise<void> {
		if (batch.length === 0 || this.full) return;
		const body = batchBody(batch, this.channel);
		const { response, error } = await withRetries(
			(signal) => this.http.request('POST', this.path, body, signal),
			{
				budgetMs: this.retryBudgetMs,
				signal: this.abort.signal
			}
		);
		if (response && response.status >= 200 && response.status < 300) {
			this.sent += batch.length;
			const data = (parseJson(response.text) as { data?: { duplicates?: unknown } } | undefined)?.data;
			if (data && typeof data.duplicates === 'number') this.duplicates += data.duplicates;
			return;
		}
		if (!response || isRetryable(response.status)) {
			if (this.abort.signal.aborted) {
				await this.spill(batch, 'the exit deadline passed', true);
				return;
			}
			const reason = unreachableReason({ response, error });
			await this.spill(
				batch,
				`${this.http.baseUrl} could not be reached for ${Math.round(this.retryBudgetMs / 1000)} s (${reason})`
			);
			// Whatever queued up meanwhile waited as long: save it too, and start afresh.
			await this.spill(this.queue.takeAll(), 'the server is unreachable', true);
			return;
		}
		const status = response.status;
		const parsed = parseJson(response.text);
		const message = errorMessage(parsed, response.text.slice(0, 200) || `HTTP ${status}`);
		if (status === 413 && this.channel === 'console' && badFields(parsed).has('lines')) {
			this.becomeFull(batch.length, message);
			return;
		}
		if (status === 413 && batch.length > 1 && depth < 8) {
			const half = Math.floor(batch.length / 2);
			await this.deliver(batch.slice(0, half), depth + 1);
			await this.deliver(batch.slice(half), depth + 1);
			return;
		}
		if (status === 400 && depth < 2) {
			const bad = badIndices(parsed, batch.length, this.channel === 'console' ? 'lines' : 'logs');
			if (bad.size > 0 && bad.size < batch.length) {
				this.dropped += bad.size;
				this.warnOnce(
					`400:${message}`,
					`tora: the server rejected ${bad.size} log entries and kept the rest: ${message}`
				);
				await this.deliver(
					batch.filter((_, index) => !bad.has(index)),
					depth + 1
				);
				return;
			}
		}
		if ((status === 401 || status === 403 || status === 404) && this.spoolDir) {
			// The entries are fine; the key or the experiment is not. Keep them for a later sync.
			this.warnOnce(
				String(status),
				`tora: the server refused the logs for experiment ${this.experimentId} (HTTP ${status}: ${message}); saving them to the spool`
			);
			await this.spill(batch, `HTTP ${status}`, true);
			return;
		}
		this.dropped += batch.length;
		this.warnOnce(
			`${status}:${message}`,
			`tora: the server rejected a batch of ${batch.length} log entries for experiment ${this.experimentId} (HTTP ${status}): ${message}. They were dropped.`
		);
	}

	/** The run's console is full: drop what is held, take nothing more, say so once. */
	private becomeFull(inBatch: number, message: string): void {
		this.full = true;
		this.dropped += inBatch + this.queue.length + this.overflow.length;
		this.queue.takeAll();
		this.overflow = [];
		if (!this.onFull) return;
		try {
			this.onFull(message);
		} catch {
			// a throwing hook must not break the sender
		}
	}

	private takeOverflow(): string[] {
		const texts = this.overflow;
		this.overflow = [];
		return texts;
	}

	/** Save entries to the spool (drop them when there is none). Never rejects. */
	private async spill(texts: string[], reason: string, quiet = false): Promise<void> {
		if (texts.length === 0) return;
		const directory = this.spoolDir;
		if (!directory) {
			this.drop(texts.length, reason);
			return;
		}
		const lines = logsLines(this.experimentId, this.http.baseUrl, texts, this.channel);
		const written: Promise<void> = appendLines(directory, this.experimentId, lines).then(
			(path) => {
				this.spilled += texts.length;
				this.spoolFile = path;
				if (!quiet) {
					this.warnOnce(
						`spill:${reason}`,
						`tora: ${reason}; saved ${texts.length} entries to ${path} and carrying on. Upload them later with \`npx tora sync\`.`
					);
				}
			},
			(error: unknown) =>
				this.drop(texts.length, `they could not be written to the spool in ${directory} (${describe(error)})`)
		);
		this.spilling.set(written, texts);
		try {
			await written;
		} finally {
			this.spilling.delete(written);
		}
	}

	private drop(count: number, reason: string): void {
		if (count === 0) return;
		this.dropped += count;
		this.warnOnce(`drop:${reason}`, `tora: dropped ${count} log entries because ${reason}`);
	}

	private warnOnce(key: string, message: string): void {
		if (this.warned.has(key)) return;
		this.warned.add(key);
		try {
			this.warn(message);
		} catch {
			// a throwing warning hook must not break the sender
		}
	}
}

/** The field names an error envelope's `fields` has. */
function badFields(body: unknown): Set<string> {
	const fields = (body as { error?: { fields?: unknown } } | null | undefined)?.error?.fields;
	return new Set(fields && typeof fields === 'object' ? Object.keys(fields) : []);
}

/** The batch indices a 400's `fields` names (`logs.3.value` → 3; `lines.3.text` for console). */
export function badIndices(body: unknown, count: number, field: 'logs' | 'lines' = 'logs'): Set<number> {
	const fields = (body as { error?: { fields?: unknown } } | null | undefined)?.error?.fields;
	const bad = new Set<number>();
	if (fields && typeof fields === 'object') {
		for (const key of Object.keys(fields)) {
			const match = new RegExp(`^${field}\\.(\\d+)(\\.|$)`).exec(key);
			if (match) {
				const index = Number(match[1]);
				if (index < count) bad.add(index);
			}
		}
	}
	return bad;
}
