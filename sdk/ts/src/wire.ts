/**
 * The wire shapes this client sends and reads (the repository's ARCHITECTURE.md, Wire contract).
 * Written out here so the published package is self-contained; `contract-check.ts` proves at
 * compile time that they agree with the server's contracts in functions/_lib/contracts.
 */

export type HyperparamValue = string | number | boolean;

/** One entry of `POST /api/experiments/{id}/logs/batch`. */
export interface WireLogEntry {
	name: string;
	msg_id: string;
	value: number;
	step: number | null;
	metadata: Record<string, unknown> | null;
	/** When the point was logged at its source, in ms since the epoch (importers); default: on arrival. */
	timestamp?: number | null;
}

/** `POST /api/experiments` body. */
export interface WireCreateExperiment {
	name: string;
	workspaceId?: string;
	description?: string;
	hyperparams?: Array<{ key: string; value: HyperparamValue }>;
	tags?: string[];
	/** A project name; the server creates the project on first use. */
	project?: string;
}

export type ExperimentStatus = 'running' | 'finished' | 'failed';
/** What reads show: a running run whose SDK went quiet (no write or heartbeat in time) is `crashed`. */
export type ShownStatus = ExperimentStatus | 'crashed';

/** `PATCH /api/experiments/{id}` body as this client sends it. */
export interface WireUpdateExperiment {
	status: ExperimentStatus;
}

/** The fields of an experiment this client reads (the server sends more). */
export interface WireExperiment {
	id: string;
	name: string;
	description: string;
	tags: string[];
	hyperparams: Array<{ key: string; value: HyperparamValue }>;
	workspace_id: string;
	created_at: string;
	updated_at: string;
	url: string;
	/** Absent in the original SDK-era create response; present on every read. */
	status?: ShownStatus;
	/** The last time the run's SDK was heard from (absent from servers before liveness). */
	last_seen_at?: string;
	/** The run's project (absent from servers before projects). */
	project_id?: string | null;
	project?: string | null;
}

/** A series' summary, kept current by the server on ingest. */
export interface WireMetricSummary {
	name: string;
	count: number;
	first_step: number | null;
	last_step: number | null;
	min: number | null;
	max: number | null;
	last: number | null;
	/** The value at the lowest step (absent from servers before it was kept). */
	first?: number | null;
}

/** An experiment as every read returns it: with its series summaries and results. */
export interface WireExperimentDetail extends WireExperiment {
	/** Lists carry only the summaries asked for (`metrics=`); single reads carry all. */
	metrics: WireMetricSummary[];
	results: Array<{ name: string; value: number; logged_at: string }>;
	/** How many the experiment has in all (absent from servers before lists were bounded). */
	metric_count?: number;
	result_count?: number;
	/**
	 * Lists only: the values of the context keys (`host`, `git.commit`, ...) named in `columns`
	 * or `sort`, null where the run has none (absent from servers before context columns).
	 */
	context_values?: Record<string, string | number | boolean | string[] | null>;
}

/** `GET /api/workspaces/{id}/experiments` response data. */
export interface WireExperimentPage {
	items: WireExperimentDetail[];
	next_cursor: string | null;
}

/** An entry of `GET /api/workspaces`. */
export interface WireWorkspace {
	id: string;
	name: string;
	role: string;
	member_count: number;
	personal: boolean;
}

/** A project as `GET /api/workspaces/{id}/projects` lists it (the part the CLI reads). */
export interface WireProject {
	id: string;
	workspace_id: string;
	name: string;
	description: string;
	run_count: number;
	created_at: string;
	updated_at: string;
}

/** `GET /api/me` response data (the part the CLI reads). */
export interface WireMe {
	user: { id: string; email: string };
}

/** `POST /api/experiments/{id}/logs/batch` response data. */
export interface WireBatchResult {
	received: number;
	stored: number;
	duplicates: number;
}

export interface WireSuccess<T> {
	status: number;
	data: T;
}

export interface WireError {
	status: number;
	error: { code: string; message: string; fields?: Record<string, string[]> };
}
