export { Tora, type ClientOptions, type CreateOptions, type FinishSummary } from './client.js';
export {
	ToraError,
	ToraApiError,
	ToraConfigError,
	ToraConnectionError,
	ToraValidationError,
	type ValidationRule
} from './errors.js';
export { sync, type SyncOptions, type SyncTotals } from './sync.js';
export { uuid7 } from './uuid7.js';
export {
	checkName,
	checkStep,
	checkValue,
	encodeMetadata,
	experimentBody,
	MAX_METADATA_BYTES,
	MAX_NAME_LENGTH,
	NAME_PATTERN,
	type ExperimentFields
} from './validation.js';
export { Http, requestData, withRetries, type FetchLike, type RawResponse } from './http.js';
export { Sender, type SenderStats } from './sender.js';
export type {
	ExperimentStatus,
	HyperparamValue,
	WireBatchResult,
	WireExperiment,
	WireLogEntry
} from './wire.js';
