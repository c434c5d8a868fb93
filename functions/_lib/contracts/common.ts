import * as z from 'zod';

/** Every 2xx body: `{status, data}` (DESIGN §3). */
export type Envelope<T> = { status: number; data: T };

export const ErrorCode = z.enum([
	'VALIDATION_ERROR',
	'UNAUTHENTICATED',
	'FORBIDDEN',
	'NOT_FOUND',
	'CONFLICT',
	'PAYLOAD_TOO_LARGE',
	'METHOD_NOT_ALLOWED',
	'RATE_LIMITED',
	'UNAVAILABLE',
	'INTERNAL'
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Every non-2xx body. `fields` maps a field path (or a batch index) to its messages. */
export const ErrorEnvelope = z.object({
	status: z.number().int(),
	error: z.object({
		code: ErrorCode,
		message: z.string(),
		fields: z.record(z.string(), z.array(z.string())).optional()
	})
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

export const Uuid = z.uuid({ error: 'must be a UUID' });

/** Postgres text and jsonb cannot hold NUL, and a lone surrogate is not text: both are a 400, never a 500. */
export const isStorableText = (value: string) => !value.includes('\u0000') && !/[\uD800-\uDFFF]/u.test(value);
export const STORABLE_TEXT_ERROR = 'must not contain NUL characters or unpaired surrogates';

export const WorkspaceRole = z.enum(['owner', 'admin', 'editor', 'viewer']);
export type WorkspaceRole = z.infer<typeof WorkspaceRole>;
