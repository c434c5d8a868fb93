/**
 * The experiment client: create or load an experiment, log metrics and results without blocking,
 * then finish it (flush, then set its status).
 *
 *   const run = await Tora.create({ name: 'resnet', hyperparams: { lr: 3e-4 } });
 *   run.metric('train/loss', 0.42, 1);
 *   run.result('accuracy', 0.91);
 *   await run.finish();   // or let the process end: the run is finished (or failed) for you
 */
import * as config from './config.js';
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
import { encodeEntry, Sender, type SenderStats } from './sender.js';
import { appendLines, appendLinesSync, statusLine } from './spool.js';
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
	/** Where background problems are reported (each once). Default: console.warn. */
	onWarning?: (message: string) => void;
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
		warn: options.onWarning ?? ((message) => console.warn(message))
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

	private constructor(experiment: WireExperiment, settings: Resolved) {
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
	}

	/** Create an experiment (status `running`) and return a client logging to it. */
	static async create(fields: CreateOptions, options: ClientOptions = {}): Promise<Tora> {
		const body = experimentBody(fields);
		const settings = resolve(options);
		const experiment = await setupRequest(settings, 'POST', '/experiments', body, 'create the experiment');
		return new Tora(experiment, settings);
	}

	/** Resume logging to an existing experiment; its status is left as it is until finish(). */
	static async load(id: string, options: ClientOptions = {}): Promise<Tora> {
		if (typeof id !== 'string' || id.trim() === '')
			throw new ToraError('experiment id must be a non-empty string');
		const settings = resolve(options);
		const path = `/experiments/${encodeURIComponent(id.trim())}`;
		const experiment = await setupRequest(settings, 'GET', path, undefined, 'load the experiment');
		return new Tora(experiment, settings);
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
			try {
				await this.sender.close(this.settings.exitTimeoutMs);
				const statusSet = await this.setStatus(status);
				this.report();
				return { ...this.sender.stats, status, statusSet, spoolFile: this.sender.spoolFile };
			} finally {
				exit.unregister(this.exitClient);
			}
		})();
		return this.finishing;
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
		exit.unregister(this.exitClient);
		const { spoolDir, http, warn } = this.settings;
		this.sender.spillNow();
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
		const { spilled, dropped } = this.sender.stats;
		const { warn, http } = this.settings;
		if (spilled > 0) {
			warn(
				`tora: ${spilled} log entries for experiment ${this.id} could not be sent to ${http.baseUrl} and were saved in ${this.sender.spoolFile}.\ntora: upload them with: npx tora sync`
			);
		}
		if (dropped > 0) {
			warn(`tora: ${dropped} log entries for experiment ${this.id} were dropped (see the warnings above).`);
		}
	}
}
