import type { ErrorCode, ErrorEnvelope } from './contracts/common.ts';

/**
 * The one error type handlers throw; `withErrorEnvelope` turns it into the error envelope
 * (ARCHITECTURE.md, Wire contract).
 */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: ErrorCode,
		message: string,
		readonly fields?: Record<string, string[]>,
		readonly headers?: Record<string, string>
	) {
		super(message);
	}
}

export const notFound = (what: string) => new ApiError(404, 'NOT_FOUND', `${what} not found`);
export const forbidden = (message: string) => new ApiError(403, 'FORBIDDEN', message);
export const unauthenticated = (message: string) => new ApiError(401, 'UNAUTHENTICATED', message);
export const conflict = (message: string) => new ApiError(409, 'CONFLICT', message);
export const validationError = (message: string, fields?: Record<string, string[]>) =>
	new ApiError(400, 'VALIDATION_ERROR', message, fields);

/**
 * Credentials a client put where they do not belong (a key in a URL path, a token in a field)
 * are never echoed back in an error message, where they would end up in logs and screenshots.
 */
export function redactSecrets(text: string): string {
	return text
		.replace(/tora_sk_[A-Za-z0-9_-]+/g, 'tora_sk_…')
		.replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[token]');
}

export function errorResponse(error: ApiError): Response {
	const body: ErrorEnvelope = {
		status: error.status,
		error: {
			code: error.code,
			message: redactSecrets(error.message),
			...(error.fields ? { fields: error.fields } : {})
		}
	};
	return Response.json(body, { status: error.status, headers: error.headers });
}
