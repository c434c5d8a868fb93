/**
 * Sending imported runs to the server: one experiment per source run, created with an import key
 * (so the same source run always lands on the same experiment), then its points in batches of up
 * to 10,000 entries / 1.5 MB through `POST /experiments/{id}/logs/batch`, a few batches in flight
 * at once. Each point's msg_id comes from the source (ids.ts), so a batch sent twice — a retry, or
 * a second import — stores nothing twice. At most `inFlight` batches are in flight; a full batch
 * waits for a free slot and the reader waits with it, which keeps memory bounded however large the
 * source.
 *
 * Point times: entries carry `timestamp` (milliseconds since the epoch) so the server can store
 * the source's wall time as the point's time. A server that does not know the field refuses it by
 * name; the uploader then keeps each time in the point's metadata as `{"ts": ms}` instead — where
 * Tora's MLflow API keeps the timestamps MLflow clients send, and where its get-history reads them
 * — and says so in the summary (charts and exports then show the import's time).
 */
import { CliError, type Api } from '../cli-api.js';
import { isRetryable, parseJson, unreachableReason, unwrap, withRetries, type RawResponse } from '../http.js';
import { MAX_STEP } from '../validation.js';
import type { ExperimentStatus, HyperparamValue } from '../wire.js';
import { metricName } from './fields.js';
import { seriesKey, writePointId } from './ids.js';
import type { ImportStats, RunOutcome } from './stats.js';

/** Where an entry carries its point's time. */
export type TimesIn = 'timestamp' | 'metadata';

/** The server's limit on distinct metrics per experiment. */
export const MAX_SERIES_PER_RUN = 10_000;
/** The entry field that carries a point's time (milliseconds since the epoch). */
export const TIME_FIELD = 'timestamp';
/** The server takes point times up to a day ahead of its clock; this leaves room for skew. */
const MAX_TIME_AHEAD_MS = 12 * 60 * 60 * 1000;

export interface UploadOptions {
	/** Batches in flight at once. */
	inFlight: number;
	/** Entries per batch (the server takes at most 10,000). */
	maxEntries: number;
	/** JSON bytes per batch (the server takes at most 2 MB). */
	maxBytes: number;
	/** How long a request is retried while the server is unreachable or overloaded. */
	retryBudgetMs: number;
}

export const DEFAULT_UPLOAD: UploadOptions = {
	inFlight: 4,
	maxEntries: 10_000,
	maxBytes: 1_500_000,
	retryBudgetMs: 60_000
};

/** A source run, as the importers describe it. */
export interface RunSpec {
	/** The source's id for the run (`mlflow:<run id>`), sent as the experiment's import key. */
	key: string;
	name: string;
	project: string | null;
	description?: string;
	hyperparams?: Array<{ key: string; value: HyperparamValue }>;
	tags?: string[];
	/** Markdown notes, set when the experiment is created. */
	notes?: string;
	/** A run context (`PUT /experiments/{id}/context` body), set when the experiment is created. */
	context?: Record<string, unknown>;
	/** The status to end in; null leaves it as the server has it. */
	status: ExperimentStatus | null;
	/** Make the experiment even when the run has no points (its params and tags are worth having). */
	createEmpty?: boolean;
	/**
	 * When the run started at its source (epoch ms), its `created_at`. Without it, the earliest
	 * point time the run's first batch carries (sources without a start time: TensorBoard, CSV).
	 */
	startedAt?: number | null;
}

/** A series of one run: its metric name (as JSON, ready to send) and the key its msg_ids come from. */
export interface SeriesHandle {
	/** The entry up to its msg_id: `{"name":"loss","msg_id":"` (metric names are ASCII). */
	readonly prefix: Buffer;
	readonly key: Uint8Array;
	/** Set when the series is not imported: why, for counting its points. */
	readonly skip?: string;
}

const EMPTY_KEY = new Uint8Array(16);
const EMPTY = Buffer.alloc(0);

interface Created {
	id: string;
	status?: string;
}

export interface OpenedRun extends Created {
	/** false: the workspace already had it (an earlier import of the same source run). */
	created: boolean;
}

export class Uploader {
	/** Where entries carry their time: the `timestamp` field, until a server refuses it, then metadata. */
	timesIn: TimesIn = 'timestamp';
	/** Source times after this are not sent (the server refuses times over a day ahead). */
	readonly latestTime = Date.now() + MAX_TIME_AHEAD_MS;
	/**
	 * Whether the server's answer about `timestamp` is known. Until it is, one batch is sent at a
	 * time: a refusal then costs one batch rebuilt as text, not one per batch in flight.
	 */
	private timesKnown = false;
	readonly pool: BufferPool;
	private readonly active = new Set<Promise<void>>();
	private failure: Error | null = null;

	constructor(
		private readonly api: Api | null,
		readonly stats: ImportStats,
		readonly options: UploadOptions = DEFAULT_UPLOAD,
		private readonly target: { workspaceId?: string; project?: string | null } = {}
	) {
		// One buffer per batch in flight, one waiting for a slot, one being filled.
		this.pool = new BufferPool(options.maxBytes + MAX_ENTRY_BYTES, options.inFlight + 2);
	}

	get dryRun(): boolean {
		return this.api === null;
	}

	/** A writer for the run's points; its experiment is made when the first batch is sent. */
	openRun(spec: RunSpec): RunWriter {
		return new RunWriter(this, spec);
	}

	/**
	 * Creates the run's experiment, or finds the one an earlier import made (same import key).
	 * Resolves null on a dry run, or when the server refuses this run (reported; the import goes on).
	 */
	async createRun(spec: RunSpec): Promise<OpenedRun | null> {
		if (!this.api) return null;
		const project = this.target.project !== undefined ? this.target.project : spec.project;
		const body: Record<string, unknown> = { name: spec.name, importKey: spec.key };
		if (this.target.workspaceId) body.workspaceId = this.target.workspaceId;
		if (project) body.project = project;
		if (spec.description) body.description = spec.description;
		if (spec.hyperparams?.length) body.hyperparams = spec.hyperparams;
		if (spec.tags?.length) body.tags = spec.tags;
		if (spec.startedAt != null) body.startedAt = spec.startedAt;
		const response = await this.request('POST', '/experiments', body);
		if (response.status === 400) {
			const { message, fields } = errorOf(response);
			const unknown = Object.values(fields ?? {})
				.flat()
				.some((text) => /Unrecognized key.*"(importKey|project)"/.test(text));
			if (unknown)
				throw new CliError(
					`${this.api.baseUrl} does not know projects and import keys yet (${message}): without them an import could not be repeated safely, so nothing was imported. Update the server.`
				);
			this.stats.skip(`runs refused by the server (${describeFields(message, fields)})`);
			return null;
		}
		const experiment = this.data<Created>(response, 'workspace not found');
		const created = response.status === 201;
		if (created) {
			this.stats.runsCreated++;
			if (spec.context)
				await this.optional('PUT', `/experiments/${experiment.id}/context`, spec.context, 'context');
			if (spec.notes)
				await this.optional('PATCH', `/experiments/${experiment.id}`, { notes: spec.notes }, 'notes');
		} else this.stats.runsExisting++;
		return { ...experiment, created };
	}

	/**
	 * Queues a batch once a slot is free (resolving then); `delivered` settles when the server
	 * has answered (a failure is kept for throwIfFailed(), never rejected).
	 */
	async enqueue(experimentId: string, batch: Batch): Promise<{ delivered: Promise<void> }> {
		while (this.active.size >= (this.timesKnown ? this.options.inFlight : 1)) await Promise.race(this.active);
		if (this.failure) batch.release?.();
		this.throwIfFailed();
		const delivery: Promise<void> = this.deliver(experimentId, batch)
			.catch((error: unknown) => {
				this.failure ??= error instanceof Error ? error : new Error(String(error));
			})
			.finally(() => {
				batch.release?.();
				this.active.delete(delivery);
			});
		this.active.add(delivery);
		return { delivered: delivery };
	}

	throwIfFailed(): void {
		if (this.failure) throw this.failure;
	}

	/** Waits for every batch in flight. */
	async drain(): Promise<void> {
		await Promise.all(this.active);
		this.throwIfFailed();
	}

	/** Sets the final status, when the source has one the experiment does not show yet. */
	async finishRun(experiment: Created, status: ExperimentStatus | null): Promise<void> {
		if (!this.api || status === null || status === 'running' || experiment.status === status) return;
		const response = await this.request('PATCH', `/experiments/${experiment.id}`, { status });
		this.data(response, `experiment ${experiment.id} not found`);
	}

	private async deliver(experimentId: string, batch: Batch): Promise<void> {
		const response = await this.request('POST', `/experiments/${experimentId}/logs/batch`, batch.body);
		if (response.status === 413 && batch.count > 1) {
			const entries = entriesOf(batch);
			const half = Math.ceil(entries.length / 2);
			await this.deliver(experimentId, batchOf(entries.slice(0, half)));
			await this.deliver(experimentId, batchOf(entries.slice(half)));
			return;
		}
		if (response.status === 400) return this.refused(experimentId, entriesOf(batch), response);
		const result = this.data<{ stored: number; duplicates: number }>(
			response,
			`experiment ${experimentId} not found (deleted during the import?)`
		);
		this.timesKnown = true;
		this.stats.pointsStored += result.stored;
		this.stats.pointsDuplicate += result.duplicates;
	}

	/** A 400: a server without point times, or entries it will not take (left out, and counted). */
	private async refused(experimentId: string, entries: string[], response: RawResponse): Promise<void> {
		const { message, fields } = errorOf(response);
		// A server without point times names the field as unknown; one with them checks each time.
		const aboutTimes = Object.entries(fields ?? {}).find(([, texts]) =>
			texts.some((text) => /unrecognized key/i.test(text) && text.includes(`"${TIME_FIELD}"`))
		);
		const moved = aboutTimes ? entries.map(timeInMetadata) : entries;
		if (aboutTimes && moved.some((entry, i) => entry !== entries[i])) {
			this.timesKnown = true;
			if (this.timesIn === 'timestamp') {
				this.timesIn = 'metadata';
				this.stats.note(
					`the server does not take point times (${aboutTimes[1][0]}): each point's source time is kept in its metadata ("ts", as Tora's MLflow API keeps them), while charts and exports show the time of the import`
				);
			}
			return this.deliver(experimentId, batchOf(moved));
		}
		const named = new Map<number, string>();
		for (const [field, texts] of Object.entries(fields ?? {})) {
			const match = /^logs\.(\d+)(?:\.(\w+))?/.exec(field);
			if (match && Number(match[1]) < entries.length)
				named.set(Number(match[1]), `${match[2] ?? 'entry'}: ${texts.join('; ')}`);
		}
		if (named.size === 0 || named.size === entries.length) {
			this.stats.skip(`points refused by the server (${describeFields(message, fields)})`, entries.length);
			return;
		}
		for (const reason of named.values()) this.stats.skip(`points refused by the server (${reason})`);
		await this.deliver(experimentId, batchOf(entries.filter((_, index) => !named.has(index))));
	}

	/** A request retried while the server is unreachable; a CliError once it stays so. */
	private async request(method: string, path: string, body: unknown): Promise<RawResponse> {
		const api = this.api!;
		const { response, error } = await withRetries((signal) => api.http.request(method, path, body, signal), {
			budgetMs: this.options.retryBudgetMs
		});
		if (!response || isRetryable(response.status)) {
			throw new CliError(
				`could not reach ${api.baseUrl} (${unreachableReason({ response, error })}); what was sent so far is stored: run the same import again to add the rest`
			);
		}
		return response;
	}

	private data<T>(response: RawResponse, notFound: string): T {
		const body = parseJson(response.text) as { data?: T } | undefined;
		if (response.status >= 200 && response.status < 300 && body && 'data' in body) return body.data as T;
		try {
			// unwrap() throws the ToraApiError that explain() turns into a CLI message.
			return unwrap<T>(response);
		} catch (error) {
			throw this.api!.explain(error, notFound);
		}
	}

	/** Context and notes are extras: a refusal is reported, the run still imported. */
	private async optional(method: string, path: string, body: unknown, what: string): Promise<void> {
		const response = await this.request(method, path, body);
		if (response.status >= 400) {
			const { message, fields } = errorOf(response);
			this.stats.skip(`${what} refused by the server (${describeFields(message, fields)})`);
		}
	}
}

/**
 * Collects one run's points into batches. `add()` returns a promise only when a batch had to
 * wait for a free slot; callers await it then (and only then), so the common case costs no
 * promise per point.
 */
export class RunWriter {
	points = 0;
	private readonly batch: BatchBuffer;
	private opening: Promise<OpenedRun | null> | null = null;
	private readonly pending = new Set<Promise<void>>();
	/** Metric names in use (the server's limit counts names, not source series). */
	private readonly names = new Set<string>();
	private readonly series = new Map<string, SeriesHandle>();
	/** The earliest point time queued so far: the run's start when the source has none. */
	private earliest: number | null = null;

	constructor(
		private readonly uploader: Uploader,
		readonly spec: RunSpec
	) {
		this.batch = new BatchBuffer(uploader.pool, uploader.options.maxBytes);
	}

	/** The run's experiment, made (or found again) on first use. */
	private open(): Promise<OpenedRun | null> {
		this.opening ??= this.uploader.createRun({
			...this.spec,
			startedAt: this.spec.startedAt ?? this.earliest
		});
		return this.opening;
	}

	/**
	 * The series the source calls `name` (`id`: what tells it apart for msg_ids, when that is more
	 * than the name). A series that cannot be imported gets a handle whose points are counted as
	 * skipped, with the reason.
	 */
	handle(name: string, id = name): SeriesHandle {
		const known = this.series.get(id);
		if (known) return known;
		const stats = this.uploader.stats;
		const metric = metricName(name);
		let handle: SeriesHandle;
		if (metric === '')
			handle = { prefix: EMPTY, key: EMPTY_KEY, skip: 'points of a series with an empty name' };
		else if (!this.names.has(metric) && this.names.size >= MAX_SERIES_PER_RUN)
			handle = {
				prefix: EMPTY,
				key: EMPTY_KEY,
				skip: `points beyond ${MAX_SERIES_PER_RUN.toLocaleString('en-US')} metrics in one run`
			};
		else {
			if (metric !== name) stats.rename(name, metric);
			handle = {
				prefix: Buffer.from(`{"name":${JSON.stringify(metric)},"msg_id":"`, 'latin1'),
				key: seriesKey(this.spec.key, id)
			};
			this.names.add(metric);
		}
		this.series.set(id, handle);
		return handle;
	}

	/**
	 * Queues a point. `valueText`: the value as JSON number text, when the caller has a better
	 * one than JavaScript's (a float32's shortest digits).
	 */
	add(
		handle: SeriesHandle,
		step: number,
		value: number,
		timeMs: number | null,
		index: number,
		valueText?: string
	): Promise<void> | undefined {
		const stats = this.uploader.stats;
		if (handle.skip) {
			stats.skip(handle.skip);
			return;
		}
		if (!Number.isFinite(value)) {
			stats.skip('points with a value that is NaN or infinite');
			return;
		}
		if (!Number.isInteger(step) || step < 0 || step > MAX_STEP) {
			stats.skip('points with a negative or too large step');
			return;
		}
		// Times the server takes (from 1970 to about now); any other is left out, not sent wrong: the
		// point is stored at the time of the import.
		let time = timeMs === null ? null : Math.round(timeMs);
		if (time !== null && !(time >= 0 && time <= this.uploader.latestTime)) {
			stats.ignore('point times before 1970 or in the future (those points carry the time of the import)');
			time = null;
		}
		if (time !== null && (this.earliest === null || time < this.earliest)) this.earliest = time;
		this.batch.add(handle.prefix, handle.key, step, index, valueText ?? value, time, this.uploader.timesIn);
		this.points++;
		stats.pointsRead++;
		if (this.batch.count >= this.uploader.options.maxEntries || this.batch.full) return this.flush();
	}

	/** Sends what is collected (waiting for a slot when all are busy). */
	async flush(): Promise<void> {
		if (this.batch.count === 0) return;
		// Taken before the first await: points added meanwhile go to the next batch.
		const batch = this.batch.take();
		const experiment = await this.open();
		if (!experiment) {
			batch.release?.();
			if (!this.uploader.dryRun) this.uploader.stats.skip('points of runs the server refused', batch.count);
			return;
		}
		const { delivered } = await this.uploader.enqueue(experiment.id, batch);
		this.pending.add(delivered);
		void delivered.finally(() => this.pending.delete(delivered));
	}

	/**
	 * Sends the rest, waits for all of this run's batches, then sets the run's final status. A run
	 * without a single point gets an experiment only when its spec says it has more to show.
	 */
	async finish(): Promise<RunOutcome> {
		await this.flush();
		if (this.spec.createEmpty) await this.open();
		await Promise.all(this.pending);
		this.uploader.throwIfFailed();
		const experiment = this.opening ? await this.opening : null;
		if (experiment) await this.uploader.finishRun(experiment, this.spec.status);
		else if (this.points === 0 && !this.uploader.dryRun)
			this.uploader.stats.skip('runs without a single point (no experiment made)');
		const stats = this.uploader.stats;
		stats.runsDone++;
		const outcome: RunOutcome = {
			name: this.spec.name,
			key: this.spec.key,
			experimentId: experiment?.id ?? null,
			created: experiment?.created ?? false,
			points: this.points
		};
		stats.runs.push(outcome);
		return outcome;
	}
}

/**
 * A batch ready to send: its JSON body (bytes from a BatchBuffer, or text when rebuilt after a
 * refusal), how many entries it holds, and what to call once it is delivered.
 */
export interface Batch {
	body: Uint8Array | string;
	count: number;
	release?: () => void;
}

const OPEN = Buffer.from('{"logs":[', 'latin1');
const CLOSE = Buffer.from(']}', 'latin1');
const VALUE = Buffer.from('","value":', 'latin1');
const STEP = Buffer.from(',"step":', 'latin1');
const METADATA = Buffer.from(',"metadata":null', 'latin1');
const TIME = Buffer.from(`,"${TIME_FIELD}":`, 'latin1');
const METADATA_TIME = Buffer.from(',"metadata":{"ts":', 'latin1');
/** No entry is longer than this (a 100-character name, an id, three numbers). */
const MAX_ENTRY_BYTES = 512;
/**
 * Where one entry ends and the next begins. Metric names hold no quotes or braces and the other
 * fields are numbers, so this text occurs nowhere else in a body.
 */
const BETWEEN = '},{';

/**
 * Buffers for batch bodies, reused: a body is sent as the bytes it was written into, and the
 * buffer comes back once the server has answered, so a long import allocates a handful of them.
 */
export class BufferPool {
	private readonly free: Buffer[] = [];

	constructor(
		readonly size: number,
		private readonly keep: number
	) {}

	take(): Buffer {
		return this.free.pop() ?? Buffer.allocUnsafe(this.size);
	}

	give(buffer: Buffer): void {
		if (this.free.length < this.keep) this.free.push(buffer);
	}
}

/**
 * A batch being filled, written straight into a pooled buffer: ten million points then cost no
 * JavaScript string or object per point but the text of its value (an import's memory is mostly
 * what the garbage collector keeps in reserve for such short-lived objects).
 */
class BatchBuffer {
	private buffer: Buffer | null = null;
	private length = 0;
	count = 0;

	constructor(
		private readonly pool: BufferPool,
		private readonly maxBytes: number
	) {}

	get full(): boolean {
		return this.length >= this.maxBytes - MAX_ENTRY_BYTES;
	}

	add(
		prefix: Buffer,
		key: Uint8Array,
		step: number,
		index: number,
		value: string | number,
		timeMs: number | null,
		timesIn: TimesIn
	): void {
		let buffer = this.buffer;
		if (!buffer) {
			buffer = this.buffer = this.pool.take();
			this.length = OPEN.copy(buffer);
		} else buffer[this.length++] = 0x2c;
		let at = this.length + prefix.copy(buffer, this.length);
		writePointId(buffer, at, key, step, index);
		at += 36;
		at += VALUE.copy(buffer, at);
		at += buffer.write(typeof value === 'string' ? value : String(value), at, 'latin1');
		at += STEP.copy(buffer, at);
		at = writeInteger(buffer, at, step);
		if (timeMs === null) at += METADATA.copy(buffer, at);
		else if (timesIn === 'timestamp') {
			at += METADATA.copy(buffer, at);
			at += TIME.copy(buffer, at);
			at = writeInteger(buffer, at, timeMs);
		} else {
			at += METADATA_TIME.copy(buffer, at);
			at = writeInteger(buffer, at, timeMs);
			buffer[at++] = 0x7d;
		}
		buffer[at++] = 0x7d;
		this.length = at;
		this.count++;
	}

	/** The batch to send; its buffer goes back to the pool when `release` is called. */
	take(): Batch {
		const buffer = this.buffer!;
		const end = this.length + CLOSE.copy(buffer, this.length);
		const batch = { body: buffer.subarray(0, end), count: this.count, release: () => this.pool.give(buffer) };
		this.buffer = null;
		this.count = 0;
		return batch;
	}
}

/** The decimal digits of a whole number in [0, 2^53), written without making a string. */
function writeInteger(buffer: Buffer, at: number, value: number): number {
	if (value < 10) {
		buffer[at] = 0x30 + value;
		return at + 1;
	}
	let digits = 1;
	for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
	for (let i = digits - 1, rest = value; i >= 0; i--, rest = Math.floor(rest / 10))
		buffer[at + i] = 0x30 + (rest % 10);
	return at + digits;
}

/** A batch's entries as text (for the rare resend of some of them). */
function entriesOf(batch: Batch): string[] {
	const body = typeof batch.body === 'string' ? batch.body : Buffer.from(batch.body).toString('latin1');
	const inner = body.slice(OPEN.length + 1, body.length - CLOSE.length - 1);
	return inner.split(BETWEEN).map((entry) => `{${entry}}`);
}

function batchOf(entries: string[]): Batch {
	return { body: `{"logs":[${entries.join(',')}]}`, count: entries.length };
}

/** An entry with its `timestamp` moved into its metadata (`"metadata":null` is all it has there). */
const timeInMetadata = (entry: string) =>
	entry.replace(new RegExp(`,"metadata":null,"${TIME_FIELD}":(\\d+)\\}$`), ',"metadata":{"ts":$1}}');

function errorOf(response: RawResponse): { message: string; fields?: Record<string, string[]> } {
	const body = parseJson(response.text) as
		{ error?: { message?: unknown; fields?: Record<string, string[]> } } | undefined;
	const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${response.status}`;
	return { message, fields: body?.error?.fields };
}

function describeFields(message: string, fields?: Record<string, string[]>): string {
	const details = Object.entries(fields ?? {}).map(([field, texts]) => `${field}: ${texts.join('; ')}`);
	return details.length ? `${message}: ${details.slice(0, 3).join(', ')}` : message;
}
