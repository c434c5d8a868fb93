/**
 * MLflow's error shape for the /api/2.0/mlflow routes: `{error_code, message}` with MLflow's HTTP
 * statuses (mlflow/protos/databricks.proto and the status map of its REST handlers), instead of
 * Tora's `{status, error: {code, message}}` envelope. MLflow's Python client reads `error_code`
 * to raise its own exception types (a missing experiment → RESOURCE_DOES_NOT_EXIST, which
 * `set_experiment` answers by creating one), so the codes matter, not only the statuses.
 */
import type { ErrorCode } from '../contracts/common.ts';
import { ApiError } from '../errors.ts';

export type MlflowErrorCode =
	| 'INVALID_PARAMETER_VALUE'
	| 'RESOURCE_DOES_NOT_EXIST'
	| 'RESOURCE_ALREADY_EXISTS'
	| 'PERMISSION_DENIED'
	| 'UNAUTHENTICATED'
	| 'ENDPOINT_NOT_FOUND'
	| 'RESOURCE_LIMIT_EXCEEDED'
	| 'REQUEST_LIMIT_EXCEEDED'
	| 'TEMPORARILY_UNAVAILABLE'
	| 'INTERNAL_ERROR';

/** Tora's codes as MLflow names them; the status stays Tora's (the same class of answer). */
const FROM_TORA: Record<ErrorCode, MlflowErrorCode> = {
	VALIDATION_ERROR: 'INVALID_PARAMETER_VALUE',
	UNAUTHENTICATED: 'UNAUTHENTICATED',
	FORBIDDEN: 'PERMISSION_DENIED',
	NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
	CONFLICT: 'RESOURCE_ALREADY_EXISTS',
	PAYLOAD_TOO_LARGE: 'RESOURCE_LIMIT_EXCEEDED',
	METHOD_NOT_ALLOWED: 'ENDPOINT_NOT_FOUND',
	RATE_LIMITED: 'REQUEST_LIMIT_EXCEEDED',
	UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
	INTERNAL: 'INTERNAL_ERROR'
};

/**
 * Carries the MLflow code through Tora's error handling (`withErrorEnvelope` only knows
 * `ApiError`): the code travels in an internal header that `toMlflowError` reads and removes.
 */
export const MLFLOW_CODE_HEADER = 'x-tora-mlflow-error-code';

const TORA_CODE_OF_STATUS: Record<number, ErrorCode> = {
	400: 'VALIDATION_ERROR',
	403: 'FORBIDDEN',
	404: 'NOT_FOUND',
	405: 'METHOD_NOT_ALLOWED',
	413: 'PAYLOAD_TOO_LARGE'
};

export class MlflowError extends ApiError {
	constructor(status: 400 | 403 | 404 | 405 | 413, mlflowCode: MlflowErrorCode, message: string) {
		super(status, TORA_CODE_OF_STATUS[status], message, undefined, { [MLFLOW_CODE_HEADER]: mlflowCode });
	}
}

export const invalidParameter = (message: string) => new MlflowError(400, 'INVALID_PARAMETER_VALUE', message);
export const doesNotExist = (message: string) => new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', message);
export const alreadyExists = (message: string) => new MlflowError(400, 'RESOURCE_ALREADY_EXISTS', message);
export const endpointNotFound = (message: string) => new MlflowError(404, 'ENDPOINT_NOT_FOUND', message);

/** Zod's field messages folded into one line, as MLflow's messages are. */
function describeFields(fields: Record<string, string[]> | undefined): string {
	if (!fields) return '';
	const parts = Object.entries(fields).map(
		([path, messages]) => `${path === '_' ? 'body' : path}: ${messages.join('; ')}`
	);
	return parts.length ? ` (${parts.join(', ')})` : '';
}

/**
 * The MLflow form of an error response Tora's machinery made (authentication, body limits,
 * validation, 404/403 of the role checks, 503s): same status and headers, MLflow's body.
 */
export async function toMlflowError(response: Response): Promise<Response> {
	const headers = new Headers(response.headers);
	const carried = headers.get(MLFLOW_CODE_HEADER) as MlflowErrorCode | null;
	headers.delete(MLFLOW_CODE_HEADER);
	headers.delete('content-length');
	headers.set('content-type', 'application/json');
	let code: MlflowErrorCode = response.status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_PARAMETER_VALUE';
	let message = response.statusText || 'Request failed';
	try {
		const body = (await response.json()) as {
			error?: { code?: ErrorCode; message?: string; fields?: Record<string, string[]> };
		};
		if (body.error?.code) code = FROM_TORA[body.error.code] ?? code;
		if (body.error?.message) message = body.error.message + describeFields(body.error.fields);
	} catch {
		// Not Tora's envelope (nothing else answers here); keep the status's defaults.
	}
	return new Response(JSON.stringify({ error_code: carried ?? code, message }), {
		status: response.status,
		headers
	});
}
