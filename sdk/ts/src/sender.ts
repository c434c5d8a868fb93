/**
 * The background sender: a bounded in-memory queue drained by one async loop. The caller only
 * validates and appends an encoded entry (never awaits, never throws); the loop posts batches
 * (at 1,000 waiting entries or every second), retries with backoff, and reports what it had to
 * drop. Mirrors sdk/python/tora/_sender.py, except that nothing is spooled to disk yet.
 */
import { errorMessage, Http, isRetryable, parseJson, withRetries, describe } from './http.js';

export const MAX_QUEUE = 1_000_000;
export const BATCH_THRESHOLD = 1_000;
export const INTERVAL_MS = 1_000;
/** The server's limit. */
export const MAX_BATCH_ENTRIES = 10_000;
/** The server accepts 2 MB; stay well clear of it. */
export const MAX_BATCH_BYTES = 1_500_000;
/** `{"logs":[]}` */
const ENVELOPE_BYTES = 11;

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

	get length(): number {
		return this.items.length - this.head;
	}

	push(entry: QueuedEntry): void {
		this.items.push(entry);
	}

	peek(): QueuedEntry | undefined {
		return this.items[this.head];
	}

	shift(): QueuedEntry | undefined {
		if (this.head >= this.items.length) return undefined;
		const entry = this.items[this.head++];
		if (this.head >= 4096 && this.head * 2 >= this.items.length) {
			this.items = this.items.slice(this.head);
			this.head = 0;
		}
		return entry;
	}

	clear(): number {
		const count = this.length;
		this.items = [];
		this.head = 0;
		return count;
	}
}

/**
 * Take the next batch off the queue: at most `maxEntries` entries and `maxBytes` of request body.
 * Always takes at least one entry when the queue is not empty.
 */
export function takeBatch(
	queue: EntryQueue,
	maxEntries: number = MAX_BATCH_ENTRIES,
	maxBytes: number = MAX_BATCH_BYTES
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

export function batchBody(batch: string[]): string {
	return `{"logs":[${batch.join(',')}]}`;
}

export interface SenderStats {
	/** Entries the server accepted (including duplicates it skipped). */
	sent: number;
	/** Entries the server already had (by msg_id). */
	duplicates: number;
	/** Entries given up on (rejected by the server, unreachable server, full queue). */
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
}

export class Sender {
	readonly experimentId: string;
	private readonly http: Http;
	private readonly path: string;
	private readonly retryBudgetMs: number;
	private readonly maxQueue: number;
	private readonly threshold: number;
	private readonly maxBatchEntries: number;
	private readonly maxBatchBytes: number;
	private readonly warn: (message: string) => void;
	private readonly queue = new EntryQueue();
	private readonly warned = new Set<string>();
	private readonly abort = new AbortController();
	private timer: ReturnType<typeof setInterval> | null;
	private scheduled = false;
	private running: Promise<void> | null = null;
	private closed = false;
	private sent = 0;
	private duplicates = 0;
	private dropped = 0;

	constructor(options: SenderOptions) {
		this.http = options.http;
		this.experimentId = options.experimentId;
		this.path = `/experiments/${encodeURIComponent(options.experimentId)}/logs/batch`;
		this.retryBudgetMs = options.retryBudgetMs;
		this.maxQueue = options.maxQueue ?? MAX_QUEUE;
		this.threshold = options.threshold ?? BATCH_THRESHOLD;
		this.maxBatchEntries = options.maxBatchEntries ?? MAX_BATCH_ENTRIES;
		this.maxBatchBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES;
		this.warn = options.onWarning ?? ((message) => console.warn(message));
		this.timer = setInterval(() => {
			if (this.queue.length > 0) void this.kick();
		}, options.intervalMs ?? INTERVAL_MS);
		// Never keep the process alive just to tick; finish()/flush() are how to wait for delivery.
		this.timer.unref?.();
	}

	get stats(): SenderStats {
		return { sent: this.sent, duplicates: this.duplicates, dropped: this.dropped, queued: this.queue.length };
	}

	/** Queue one encoded entry. Never blocks, never throws. */
	put(entry: QueuedEntry): void {
		if (this.closed) {
			this.dropped++;
			this.warnOnce('closed', `tora: experiment ${this.experimentId} is finished; a log entry was dropped`);
			return;
		}
		if (this.queue.length >= this.maxQueue) {
			// TODO(spool): the Python SDK writes the overflow to ~/.tora/spool for a later sync.
			this.dropped++;
			this.warnOnce(
				'overflow',
				`tora: the in-memory queue is full (${this.maxQueue} entries); new entries are being dropped`
			);
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

	/** Resolves once everything queued so far was delivered or dropped. Never rejects. */
	async flush(): Promise<void> {
		while (this.queue.length > 0 || this.running) {
			await this.kick();
		}
	}

	/**
	 * Stop the timer and deliver what is queued within `timeoutMs`; after that, in-flight retries
	 * stop and whatever is left is dropped (and counted). Idempotent.
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
			// After the abort, the loop drops what it holds and returns promptly.
			await this.flush();
		} finally {
			clearTimeout(deadline);
		}
		return this.stats;
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
				const left = this.queue.clear();
				this.drop(left, 'the exit deadline passed');
				return;
			}
			const batch = takeBatch(this.queue, this.maxBatchEntries, this.maxBatchBytes);
			try {
				await this.deliver(batch, 0);
			} catch (error) {
				// Never let the loop die.
				this.drop(batch.length, `of an unexpected error (${describe(error)})`);
			}
		}
	}

	private async deliver(batch: string[], depth: number): Promise<void> {
		if (batch.length === 0) return;
		const body = batchBody(batch);
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
				this.drop(batch.length, 'the exit deadline passed');
				return;
			}
			const reason = response
				? `HTTP ${response.status}`
				: error === undefined
					? 'no answer'
					: describe(error);
			// TODO(spool): the Python SDK saves these to ~/.tora/spool for `tora sync`.
			this.drop(
				batch.length,
				`${this.http.baseUrl} could not be reached for ${Math.round(this.retryBudgetMs / 1000)} s (${reason})`
			);
			return;
		}
		const status = response.status;
		const parsed = parseJson(response.text);
		const message = errorMessage(parsed, response.text.slice(0, 200) || `HTTP ${status}`);
		if (status === 413 && batch.length > 1 && depth < 8) {
			const half = Math.floor(batch.length / 2);
			await this.deliver(batch.slice(0, half), depth + 1);
			await this.deliver(batch.slice(half), depth + 1);
			return;
		}
		if (status === 400 && depth < 2) {
			const bad = badIndices(parsed, batch.length);
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
		this.dropped += batch.length;
		this.warnOnce(
			`${status}:${message}`,
			`tora: the server rejected a batch of ${batch.length} log entries for experiment ${this.experimentId} (HTTP ${status}): ${message}. They were dropped.`
		);
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

/** The batch indices a 400's `fields` names (`logs.3.value` → 3). */
export function badIndices(body: unknown, count: number): Set<number> {
	const fields = (body as { error?: { fields?: unknown } } | null | undefined)?.error?.fields;
	const bad = new Set<number>();
	if (fields && typeof fields === 'object') {
		for (const key of Object.keys(fields)) {
			const match = /^logs\.(\d+)(\.|$)/.exec(key);
			if (match) {
				const index = Number(match[1]);
				if (index < count) bad.add(index);
			}
		}
	}
	return bad;
}
