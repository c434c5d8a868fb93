/**
 * The experiment client: create or load an experiment, log metrics and results without blocking,
 * then finish it (flush, then set its status).
 *
 *   const run = await Tora.create({ name: 'resnet', hyperparams: { lr: 3e-4 } });
 *   run.metric('train/loss', 0.42, 1);
 *   run.result('accuracy', 0.91);
 *   await run.finish();   // or let the process end: the run is finished (or failed) for you
 */
import { ArtifactQueue } from './artifacts.js';
import * as config from './config.js';
import { ConsoleCapture, writeRealStderr } from './console-capture.js';
import { captureContext, cutUtf8, type CaptureSwitches, type RunContextBody } from './context.js';
import { ToraApiError, ToraConfigError, ToraConnectionError, ToraError } from './errors.js';
import * as exit from './exit.js';
import { Heartbeat, heartbeatEnabled, heartbeatIntervalMs } from './heartbeat.js';
import {
	describe,
	errorMessage,
	Http,
	isRetryable,
	parseJson,
	unreachableReason,
	unwrap,
	withRetries,
	type FetchLike
} from './http.js';
import { encodeEntry, Sender, utf8Length, type SenderStats } from './sender.js';
import { appendLines, appendLinesSync, contextLine, statusLine } from './spool.js';
import {
	DEFAULT_SYSTEM_METRICS_INTERVAL_MS,
	MIN_SYSTEM_METRICS_INTERVAL_MS,
	SystemMetrics
} from './system-metrics.js';
import { uuid7 } from './uuid7.js';
import {
	checkName,
	checkStep,
	checkValue,
	encodeMetadata,
	experimentBody,
	type ExperimentFields
} from './validation.js';
import type { ExperimentStatus, WireExperiment, WireUpdateExperiment } from './wire.js';

/** Setting the final status gets this long before it is spooled instead. */
const STATUS_BUDGET_MS = 5_000;
/** The server's limit on a context body; a larger one goes without its diff. */
const CONTEXT_BODY_LIMIT = 4 * 1024 * 1024;
const METRIC_METADATA = '{"type":"metric"}';

export interface ClientOptions {
	/** Default: TORA_BASE_URL, else the `tora login` server, else http://localhost:8888/api. */
	baseUrl?: string;
	/** Default: TORA_API_KEY, else the `tora login` key (when baseUrl is that login's server). */
	apiKey?: string | null;
	/** How long create/load keep retrying (ms). Default: TORA_SETUP_TIMEOUT s, else 30 s. */
	setupTimeoutMs?: number;
	/** How long a log batch keeps retrying before it is spooled (ms). Default: TORA_RETRY_TIMEOUT s, else 60 s. */
	retryTimeoutMs?: number;
	/** How long finish() waits for queued logs before spooling them (ms). Default: TORA_EXIT_TIMEOUT s, else 10 s. */
	exitTimeoutMs?: number;
	/** Where undeliverable entries are saved. Default: TORA_SPOOL_DIR, else ~/.tora/spool. */
	spoolDir?: string;
	/**
	 * Finish the run when the process ends: `finished` on a normal end, `failed` on an uncaught
	 * exception or SIGINT/SIGTERM. Default: true.
	 */
	exitHooks?: boolean;
	/**
	 * While the run is open and nothing reached the server for the heartbeat interval, tell it the
	 * run is alive (so a quiet phase does not show as `crashed`). Default: true, unless
	 * TORA_HEARTBEAT=0.
	 */
	heartbeat?: boolean;
	/** Default: TORA_HEARTBEAT_INTERVAL s, else 30 s; at least 5 s. */
	heartbeatIntervalMs?: number;
	/** Where background problems are reported (each once). Default: the real stderr (never captured). */
	onWarning?: (message: string) => void;
	/**
	 * Capture the run's context once, right after it is created (git, command line, machine,
	 * packages, allow-listed environment variables; see the README). Default: true, unless
	 * TORA_CAPTURE_CONTEXT=0. The parts below can be switched off one by one.
	 */
	captureContext?: boolean;
	/** The git commit, branch, remote (credentials removed), dirty flag and diff. Default: TORA_CAPTURE_GIT, else true. */
	captureGit?: boolean;
	/** The allow-listed environment variables (secret-looking values redacted). Default: TORA_CAPTURE_ENV, else true. */
	captureEnv?: boolean;
	/** The project's installed dependencies and versions. Default: TORA_CAPTURE_PACKAGES, else true. */
	capturePackages?: boolean;
	/** Tee stdout and stderr to the run's console. Default: TORA_CAPTURE_CONSOLE, else true. */
	captureConsole?: boolean;
	/**
	 * Log `system/...` series this often (ms; 0: off). Default: TORA_SYSTEM_METRICS_INTERVAL
	 * seconds, else 15 s; at least 1 s.
	 */
	systemMetricsIntervalMs?: number;
	/** For tests and unusual runtimes. */
	fetch?: FetchLike;
}

export type CreateOptions = ExperimentFields;

export interface FinishSummary extends SenderStats {
	status: ExperimentStatus;
	/** Whether the server recorded the status (otherwise it was spooled, or refused: see the warnings). */
	statusSet: boolean;
	/** The spool file holding what could not be delivered, if anything. */
	spoolFile: string | null;
	/** Console lines (null when console capture was off). */
	console: (SenderStats & { captured: number; droppedInFlood: number; markers: number }) | null;
	/** Whether the server stored the captured context (false when it was off or could not be sent). */
	contextSent: boolean;
}

interface Resolved {
	http: Http;
	setupTimeoutMs: number;
	retryTimeoutMs: number;
	exitTimeoutMs: number;
	spoolDir: string;
	exitHooks: boolean;
	/** null: no heartbeat. */
	heartbeatIntervalMs: number | null;
	warn: (message: string) => void;
	/** null: no context. */
	context: CaptureSwitches | null;
	console: boolean;
	/** null: no system metrics. */
	systemMetricsMs: number | null;
}

function systemMetricsMs(explicit: number | undefined): number | null {
	const ms = config.durationMs(explicit, 'TORA_SYSTEM_METRICS_INTERVAL', DEFAULT_SYSTEM_METRICS_INTERVAL_MS);
	return ms === 0 ? null : Math.max(MIN_SYSTEM_METRICS_INTERVAL_MS, ms);
}

function resolve(options: ClientOptions): Resolved {
	const { baseUrl, apiKey } = config.credentials(options.baseUrl, options.apiKey);
	if (!apiKey) {
		throw new ToraConfigError(
			`No Tora API key: set TORA_API_KEY, run \`npx tora login\`, or pass apiKey. Create one on ${baseUrl.replace(/\/api$/, '')} under Settings → API keys.`
		);
	}
	return {
		http: new Http({ baseUrl, apiKey, fetch: options.fetch }),
		setupTimeoutMs: config.durationMs(options.setupTimeoutMs, 'TORA_SETUP_TIMEOUT', 30_000),
		retryTimeoutMs: config.durationMs(options.retryTimeoutMs, 'TORA_RETRY_TIMEOUT', 60_000),
		exitTimeoutMs: config.durationMs(options.exitTimeoutMs, 'TORA_EXIT_TIMEOUT', 10_000),
		spoolDir: config.spoolDir(options.spoolDir),
		exitHooks: options.exitHooks ?? true,
		heartbeatIntervalMs: heartbeatEnabled(options.heartbeat)
			? heartbeatIntervalMs(options.heartbeatIntervalMs)
			: null,
		warn: options.onWarning ?? ((message) => writeRealStderr(`${message}\n`)),
		context: config.enabled(options.captureContext, 'TORA_CAPTURE_CONTEXT')
			? {
					git: config.enabled(options.captureGit, 'TORA_CAPTURE_GIT'),
					env: config.enabled(options.captureEnv, 'TORA_CAPTURE_ENV'),
					packages: config.enabled(options.capturePackages, 'TORA_CAPTURE_PACKAGES')
				}
			: null,
		console: config.enabled(options.captureConsole, 'TORA_CAPTURE_CONSOLE'),
		systemMetricsMs: systemMetricsMs(options.systemMetricsIntervalMs)
	};
}

/**
 * A setup-time request: retried while the server is unreachable or overloaded (for at most the
 * setup timeout), then turned into one error that says what to check.
 */
async function setupRequest(
	settings: Resolved,
	method: string,
	path: string,
	body: unknown,
	what: string
): Promise<WireExperiment> {
	const { http } = settings;
	const started = Date.now();
	const { response, error } = await withRetries((signal) => http.request(method, path, body, signal), {
		budgetMs: settings.setupTimeoutMs
	});
	if (!response || isRetryable(response.status)) {
		const reason = unreachableReason({ response, error });
		throw new ToraConnectionError(
			`Could not ${what}: the Tora server at ${http.baseUrl} did not answer for ${Math.round((Date.now() - started) / 1000)} s (${reason}). Is it running, and is TORA_BASE_URL right?`,
			error
		);
	}
	if (response.status === 401) {
		const message = errorMessage(parseJson(response.text), response.text.slice(0, 200));
		throw new ToraApiError(
			401,
			'UNAUTHENTICATED',
			`The Tora server at ${http.baseUrl} rejected the API key: ${message}. Check TORA_API_KEY (keys start with tora_sk_ and are created under Settings → API keys) or run \`npx tora login\`.`
		);
	}
	try {
		return unwrap<WireExperiment>(response);
	} catch (caught) {
		if (caught instanceof ToraApiError) {
			throw new ToraApiError(
				caught.status,
				caught.code,
				`Could not ${what}: ${caught.message}`,
				caught.fields
			);
		}
		throw caught;
	}
}

export class Tora {
	/** The experiment as the server returned it when this client was created or loaded. */
	readonly experiment: WireExperiment;
	private readonly settings: Resolved;
	private readonly sender: Sender;
	private finishing: Promise<FinishSummary> | null = null;
	private readonly exitClient: exit.ExitClient;
	private readonly heartbeat: Heartbeat | null;
	private readonly consoleSender: Sender | null = null;
	private readonly consoleCapture: ConsoleCapture | null = null;
	private readonly systemMetrics: SystemMetrics | null = null;
	/** The context being captured and sent; resolves true once the server stored it. */
	private context: Promise<boolean> | null = null;
	private readonly contextAbort = new AbortController();
	/** Made on the first logArtifact(). */
	private artifactQueue: ArtifactQueue | null = null;

	private constructor(experiment: WireExperiment, settings: Resolved, lastConsoleSeq = 0) {
		this.experiment = experiment;
		this.settings = settings;
		this.sender = new Sender({
			http: settings.http,
			experimentId: experiment.id,
			retryBudgetMs: settings.retryTimeoutMs,
			spoolDir: settings.spoolDir,
			onWarning: settings.warn
		});
		this.exitClient = {
			finish: (status) => this.finish(status),
			abandon: (status) => this.abandon(status)
		};
		if (settings.exitHooks) exit.register(this.exitClient);
		this.heartbeat =
			settings.heartbeatIntervalMs === null
				? null
				: new Heartbeat(settings.http, experiment.id, settings.heartbeatIntervalMs);
		if (settings.console) {
			let warned = false;
			const consoleSender = new Sender({
				http: settings.http,
				experimentId: experiment.id,
				retryBudgetMs: settings.retryTimeoutMs,
				spoolDir: settings.spoolDir,
				onWarning: settings.warn,
				channel: 'console',
				onFull: (message) => {
					if (warned) return;
					warned = true;
					settings.warn(
						`tora: the console of experiment ${experiment.id} is full (${message}); its console lines are no longer sent (metrics go on)`
					);
				}
			});
			this.consoleSender = consoleSender;
			this.consoleCapture = new ConsoleCapture(
				{
					put: (entry) => consoleSender.put(entry),
					queued: () => ({ lines: consoleSender.queuedLines, bytes: consoleSender.queuedBytes }),
					isFull: () => consoleSender.isFull
				},
				lastConsoleSeq
			);
			this.consoleCapture.start();
		}
		if (settings.systemMetricsMs !== null) {
			this.systemMetrics = new SystemMetrics(
				(name, value) => this.sender.put(encodeEntry(name, uuid7(), value, null, METRIC_METADATA)),
				settings.systemMetricsMs
			);
		}
	}

	/** Create an experiment (status `running`) and return a client logging to it. */
	static async create(fields: CreateOptions, options: ClientOptions = {}): Promise<Tora> {
		const body = experimentBody(fields);
		const settings = resolve(options);
		const experiment = await setupRequest(settings, 'POST', '/experiments', body, 'create the experiment');
		const run = new Tora(experiment, settings);
		if (settings.context) run.context = run.sendContext(settings.context);
		return run;
	}

	/** Resume logging to an existing experiment; its status is left as it is until finish(). */
	static async load(id: string, options: ClientOptions = {}): Promise<Tora> {
		if (typeof id !== 'string' || id.trim() === '')
			throw new ToraError('experiment id must be a non-empty string');
		const settings = resolve(options);
		const path = `/experiments/${encodeURIComponent(id.trim())}`;
		const experiment = await setupRequest(settings, 'GET', path, undefined, 'load the experiment');
		// A resumed run's console numbers on from the lines it already has.
		const lastSeq = settings.console ? await lastConsoleSeq(settings, experiment.id) : 0;
		if (lastSeq === null) settings.console = false;
		return new Tora(experiment, settings, lastSeq ?? 0);
	}

	get id(): string {
		return this.experiment.id;
	}

	get url(): string {
		return this.experiment.url;
	}

	/** Heartbeats the server acknowledged so far (0 when they are off or the run was busy). */
	get heartbeats(): number {
		return this.heartbeat?.beats ?? 0;
	}

	get stats(): SenderStats {
		return this.sender.stats;
	}

	/** Console lines: what was sent, spooled, dropped (null when console capture is off). */
	get consoleStats(): SenderStats | null {
		return this.consoleSender?.stats ?? null;
	}

	/** Resolves true once the server stored the captured context (false: off, or not sent). */
	contextSent(): Promise<boolean> {
		return this.context ?? Promise.resolve(false);
	}

	/**
	 * Capture the context (in the background: subprocesses, file reads) and PUT it; spooled when
	 * the server cannot be reached within the retry window (or by the exit deadline). Never rejects.
	 */
	private async sendContext(switches: CaptureSwitches): Promise<boolean> {
		const { http, warn, spoolDir } = this.settings;
		try {
			const body = fitContext(await captureContext(switches));
			const { response, error } = await withRetries(
				(signal) => http.request('PUT', `/experiments/${encodeURIComponent(this.id)}/context`, body, signal),
				{ budgetMs: this.settings.retryTimeoutMs, signal: this.contextAbort.signal }
			);
			if (response && response.status >= 200 && response.status < 300) return true;
			if (!response || isRetryable(response.status)) {
				const path = await appendLines(spoolDir, this.id, [contextLine(this.id, http.baseUrl, body)]);
				warn(
					`tora: could not reach ${http.baseUrl} to save the run context of experiment ${this.id} (${unreachableReason({ response, error })}); saved in ${path} for \`npx tora sync\``
				);
				return false;
			}
			const reason = `HTTP ${response.status}: ${errorMessage(parseJson(response.text), response.text.slice(0, 200))}`;
			warn(`tora: the run context of experiment ${this.id} was not saved (${reason})`);
		} catch (caught) {
			warn(`tora: the run context of experiment ${this.id} could not be captured: ${describe(caught)}`);
		}
		return false;
	}

	/**
	 * Queue a series point. `step` omitted or null: the server assigns the series' next step.
	 * Throws ToraValidationError for a bad argument; never blocks and never throws for the network.
	 */
	metric(name: string, value: number, step?: number | null, metadata?: Record<string, unknown> | null): void {
		const checked = checkName(name);
		this.sender.put(
			encodeEntry(
				checked,
				uuid7(),
				checkValue(value, checked),
				checkStep(step),
				encodeMetadata(metadata, 'metric')
			)
		);
	}

	/** Queue a final value (the newest per name wins on the server). */
	result(name: string, value: number, metadata?: Record<string, unknown> | null): void {
		const checked = checkName(name);
		this.sender.put(
			encodeEntry(checked, uuid7(), checkValue(value, checked), null, encodeMetadata(metadata, 'result'))
		);
	}

	/**
	 * Stores a file, or every file under a directory, with the run: `name` is its path in the run
	 * (default: the file's or directory's base name). Returns at once; the upload runs in the
	 * background (streamed, retried); finish() waits for it. Different bytes at a stored path are
	 * refused unless `overwrite`.
	 */
	logArtifact(path: string, options: { name?: string; overwrite?: boolean } = {}): void {
		this.artifactQueue ??= new ArtifactQueue({
			http: this.settings.http,
			experimentId: this.experiment.id,
			retryBudgetMs: this.settings.retryTimeoutMs,
			onWarning: this.settings.warn
		});
		this.artifactQueue.add(path, options.name, { overwrite: options.overwrite });
	}

	/** Resolves once every artifact logged so far is stored or given up on. Never rejects. */
	flushArtifacts(): Promise<void> {
		return this.artifactQueue?.flush() ?? Promise.resolve();
	}

	/** Resolves once everything logged so far was delivered (or spooled). Never rejects. */
	flush(): Promise<void> {
		return this.sender.flush();
	}

	/**
	 * Deliver what is queued (within the exit timeout; the rest is spooled), then set the status
	 * with `PATCH /experiments/{id}` (spooled too if the server cannot be reached). Idempotent:
	 * later calls return the first call's result. Never rejects; problems go to the warnings.
	 */
	finish(status: ExperimentStatus = 'finished'): Promise<FinishSummary> {
		this.finishing ??= (async () => {
			this.heartbeat?.stop();
			this.systemMetrics?.stop();
			this.consoleCapture?.stop();
			try {
				const timeout = this.settings.exitTimeoutMs;
				const [contextSent] = await Promise.all([
					this.awaitContext(timeout),
					this.sender.close(timeout),
					this.consoleSender?.close(timeout),
					// Files take as long as they take to send: their own budget (TORA_ARTIFACT_TIMEOUT, 1 h).
					this.artifactQueue?.close(config.durationMs(undefined, 'TORA_ARTIFACT_TIMEOUT', 3_600_000))
				]);
				const statusSet = await this.setStatus(status);
				this.report();
				return {
					...this.sender.stats,
					status,
					statusSet,
					spoolFile: this.sender.spoolFile ?? this.consoleSender?.spoolFile ?? null,
					console: this.consoleStatsForSummary(),
					contextSent
				};
			} finally {
				exit.unregister(this.exitClient);
			}
		})();
		return this.finishing;
	}

	/** The context send, given at most `timeoutMs` more (then cut short: it is spooled). */
	private async awaitContext(timeoutMs: number): Promise<boolean> {
		if (!this.context) return false;
		const timer = setTimeout(() => this.contextAbort.abort(), timeoutMs);
		try {
			// Aborted, the send stops retrying at once and spools the context.
			return await this.context;
		} finally {
			clearTimeout(timer);
		}
	}

	private consoleStatsForSummary(): FinishSummary['console'] {
		if (!this.consoleSender || !this.consoleCapture) return null;
		return {
			...this.consoleSender.stats,
			captured: this.consoleCapture.captured,
			droppedInFlood: this.consoleCapture.dropped,
			markers: this.consoleCapture.markers
		};
	}

	private async setStatus(status: ExperimentStatus): Promise<boolean> {
		const { http, spoolDir, warn } = this.settings;
		const body: WireUpdateExperiment = { status };
		const { response, error } = await withRetries(
			(signal) => http.request('PATCH', `/experiments/${encodeURIComponent(this.id)}`, body, signal),
			// The signal bounds a request that hangs, not just the retries.
			{ budgetMs: STATUS_BUDGET_MS, signal: AbortSignal.timeout(STATUS_BUDGET_MS) }
		);
		if (response && response.status >= 200 && response.status < 300) return true;
		if (response && !isRetryable(response.status)) {
			const message = errorMessage(parseJson(response.text), response.text.slice(0, 200));
			warn(`tora: could not mark experiment ${this.id} ${status}: HTTP ${response.status}: ${message}`);
			return false;
		}
		try {
			this.sender.spoolFile = await appendLines(spoolDir, this.id, [
				statusLine(this.id, http.baseUrl, status)
			]);
			warn(
				`tora: could not reach ${http.baseUrl} to mark experiment ${this.id} ${status} (${response ? `HTTP ${response.status}` : describe(error)}); saved in ${this.sender.spoolFile}`
			);
		} catch (caught) {
			warn(`tora: could not mark experiment ${this.id} ${status}, nor spool it: ${describe(caught)}`);
		}
		return false;
	}

	/** The process is exiting without a chance to finish: spool what is left, synchronously. */
	private abandon(status: ExperimentStatus): void {
		this.heartbeat?.stop();
		this.systemMetrics?.stop();
		this.consoleCapture?.stop();
		exit.unregister(this.exitClient);
		const { spoolDir, http, warn } = this.settings;
		this.sender.spillNow();
		this.consoleSender?.spillNow();
		this.report();
		try {
			const path = appendLinesSync(spoolDir, this.id, [statusLine(this.id, http.baseUrl, status)]);
			warn(
				`tora: the process exited before experiment ${this.id} was marked ${status}; saved in ${path}.\ntora: upload it with: npx tora sync`
			);
		} catch (caught) {
			warn(`tora: could not spool the final status of experiment ${this.id}: ${describe(caught)}`);
		}
	}

	private report(): void {
		const consoleStats = this.consoleSender?.stats;
		const spilled = this.sender.stats.spilled + (consoleStats?.spilled ?? 0);
		const dropped = this.sender.stats.dropped + (consoleStats?.dropped ?? 0);
		const { warn, http } = this.settings;
		if (spilled > 0) {
			warn(
				`tora: ${spilled} log entries and console lines for experiment ${this.id} could not be sent to ${http.baseUrl} and were saved in ${this.sender.spoolFile ?? this.consoleSender?.spoolFile}.\ntora: upload them with: npx tora sync`
			);
		}
		if (dropped > 0) {
			warn(`tora: ${dropped} log entries for experiment ${this.id} were dropped (see the warnings above).`);
		}
	}
}

/**
 * The highest console line number a run has (0: none); null when it could not be read (console
 * capture is then left off rather than risk numbering over lines the run has).
 */
async function lastConsoleSeq(settings: Resolved, id: string): Promise<number | null> {
	const { http, warn } = settings;
	const path = `/experiments/${encodeURIComponent(id)}/console?after=${Number.MAX_SAFE_INTEGER}&limit=1`;
	const { response, error } = await withRetries((signal) => http.request('GET', path, undefined, signal), {
		budgetMs: settings.setupTimeoutMs
	});
	const lastSeq =
		response?.status === 200
			? (parseJson(response.text) as { data?: { last_seq?: unknown } } | undefined)?.data?.last_seq
			: undefined;
	if (typeof lastSeq === 'number' && Number.isSafeInteger(lastSeq) && lastSeq >= 0) return lastSeq;
	warn(
		`tora: could not read where the console of experiment ${id} ends (${response ? `HTTP ${response.status}` : describe(error)}); console capture is off for this run`
	);
	return null;
}

/** A context body within the server's 4 MB: a diff that escapes to more is cut further. */
function fitContext(body: RunContextBody): RunContextBody {
	const size = utf8Length(JSON.stringify(body));
	const diff = body.git?.diff;
	if (size <= CONTEXT_BODY_LIMIT || !body.git || !diff) return body;
	const room = Math.max(0, utf8Length(JSON.stringify(diff)) - (size - CONTEXT_BODY_LIMIT) - 1024);
	// JSON escapes take at most 6 bytes a byte: cut to a sixth of the room to be sure.
	return {
		...body,
		git: { ...body.git, diff: cutUtf8(diff, Math.floor(room / 6)).text, diffTruncated: true }
	};
}
