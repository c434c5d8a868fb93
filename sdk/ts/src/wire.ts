/**
 * The wire shapes this client sends and reads (DESIGN §3). Written out here so the published
 * package is self-contained; `contract-check.ts` proves at compile time that they agree with the
 * server's contracts in functions/_lib/contracts.
 */

export type HyperparamValue = string | number | boolean;

/** One entry of `POST /api/experiments/{id}/logs/batch`. */
export interface WireLogEntry {
	name: string;
	msg_id: string;
	value: number;
	step: number | null;
	metadata: Record<string, unknown> | null;
}

/** `POST /api/experiments` body. */
export interface WireCreateExperiment {
	name: string;
	workspaceId?: string;
	description?: string;
	hyperparams?: Array<{ key: string; value: HyperparamValue }>;
	tags?: string[];
}

export type ExperimentStatus = 'running' | 'finished' | 'failed';

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
	status?: ExperimentStatus;
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
