/**
 * The experiment client: create or load an experiment, log metrics and results without blocking,
 * then finish it (flush, then set its status).
 *
 *   const run = await Tora.create({ name: 'resnet', hyperparams: { lr: 3e-4 } });
 *   run.metric('train/loss', 0.42, 1);
 *   run.result('accuracy', 0.91);
 *   await run.finish();
 */
import * as config from './config.js';
import { ToraError } from './errors.js';
import { Http, requestData, type FetchLike } from './http.js';
import { encodeEntry, Sender, type SenderStats } from './sender.js';
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

export interface ClientOptions {
	/** Default: TORA_BASE_URL, else http://localhost:8888/api. */
	baseUrl?: string;
	/** Default: TORA_API_KEY. */
	apiKey?: string | null;
	/** How long create/load/finish keep retrying (ms). Default: TORA_SETUP_TIMEOUT s, else 30 s. */
	setupTimeoutMs?: number;
	/** How long a log batch keeps retrying (ms). Default: TORA_RETRY_TIMEOUT s, else 60 s. */
	retryTimeoutMs?: number;
	/** How long finish() waits for queued logs (ms). Default: TORA_EXIT_TIMEOUT s, else 10 s. */
	exitTimeoutMs?: number;
	/** Where background problems are reported (each once). Default: console.warn. */
	onWarning?: (message: string) => void;
	/** For tests and unusual runtimes. */
	fetch?: FetchLike;
}

export type CreateOptions = ExperimentFields;

export interface FinishSummary extends SenderStats {
	status: ExperimentStatus;
}

interface Resolved {
	http: Http;
	setupTimeoutMs: number;
	retryTimeoutMs: number;
	exitTimeoutMs: number;
	onWarning?: (message: string) => void;
}

function resolve(options: ClientOptions): Resolved {
	return {
		http: new Http({
			baseUrl: config.baseUrl(options.baseUrl),
			apiKey: config.apiKey(options.apiKey),
			fetch: options.fetch
		}),
		setupTimeoutMs: config.durationMs(options.setupTimeoutMs, 'TORA_SETUP_TIMEOUT', 30_000),
		retryTimeoutMs: config.durationMs(options.retryTimeoutMs, 'TORA_RETRY_TIMEOUT', 60_000),
		exitTimeoutMs: config.durationMs(options.exitTimeoutMs, 'TORA_EXIT_TIMEOUT', 10_000),
		onWarning: options.onWarning
	};
}

export class Tora {
	/** The experiment as the server returned it when this client was created or loaded. */
	readonly experiment: WireExperiment;
	private readonly settings: Resolved;
	private readonly sender: Sender;
	private finishing: Promise<FinishSummary> | null = null;

	private constructor(experiment: WireExperiment, settings: Resolved) {
		this.experiment = experiment;
		this.settings = settings;
		this.sender = new Sender({
			http: settings.http,
			experimentId: experiment.id,
			retryBudgetMs: settings.retryTimeoutMs,
			onWarning: settings.onWarning
		});
	}

	/** Create an experiment (status `running`) and return a client logging to it. */
	static async create(fields: CreateOptions, options: ClientOptions = {}): Promise<Tora> {
		const body = experimentBody(fields);
		const settings = resolve(options);
		const experiment = await requestData<WireExperiment>(settings.http, 'POST', '/experiments', body, {
			budgetMs: settings.setupTimeoutMs
		});
		return new Tora(experiment, settings);
	}

	/** Resume logging to an existing experiment; its status is left as it is until finish(). */
	static async load(id: string, options: ClientOptions = {}): Promise<Tora> {
		if (typeof id !== 'string' || id.trim() === '')
			throw new ToraError('experiment id must be a non-empty string');
		const settings = resolve(options);
		const experiment = await requestData<WireExperiment>(
			settings.http,
			'GET',
			`/experiments/${encodeURIComponent(id.trim())}`,
			undefined,
			{ budgetMs: settings.setupTimeoutMs }
		);
		return new Tora(experiment, settings);
	}

	get id(): string {
		return this.experiment.id;
	}

	get url(): string {
		return this.experiment.url;
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

	/** Resolves once everything logged so far was delivered (or given up on). Never rejects. */
	flush(): Promise<void> {
		return this.sender.flush();
	}

	/**
	 * Deliver what is queued (within the exit timeout), then set the status with
	 * `PATCH /experiments/{id}`. Idempotent: later calls return the first call's result. Rejects
	 * with ToraApiError / ToraConnectionError only if the status could not be set.
	 */
	finish(status: ExperimentStatus = 'finished'): Promise<FinishSummary> {
		this.finishing ??= (async () => {
			const stats = await this.sender.close(this.settings.exitTimeoutMs);
			const body: WireUpdateExperiment = { status };
			// TODO(spool): the Python SDK spools the status change when the server is unreachable.
			await requestData<unknown>(
				this.settings.http,
				'PATCH',
				`/experiments/${encodeURIComponent(this.id)}`,
				body,
				{
					budgetMs: this.settings.setupTimeoutMs
				}
			);
			return { ...stats, status };
		})();
		return this.finishing;
	}
}
