import * as z from 'zod';

/** Every 2xx body: `{status, data}` (ARCHITECTURE.md, Wire contract). */
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

/**
 * What a one-line label (a name, a tag, a key) must not hold: C0 and C1 control characters and
 * DEL — escape sequences that drive the terminal printing the label (retitle it, write the
 * clipboard, fake a link) — line and paragraph separators, and the bidi embedding, override and
 * isolate controls, which reorder the text around them so that one name reads as another.
 * The same rule is checked by the SDKs (sdk/ts/src/validation.ts, sdk/python/tora/_validation.py).
 */
export const LABEL_FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
/** Multi-line text (descriptions, hyperparameter values) keeps tabs and line breaks (LF or CRLF), no other controls. */
// eslint-disable-next-line no-control-regex
export const TEXT_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/;

export const isOneLineText = (value: string) => !LABEL_FORBIDDEN.test(value);
export const isMultiLineText = (value: string) => !TEXT_FORBIDDEN.test(value);

/** `U+001B` for the first forbidden character, so a 400 says what to remove. */
function firstForbidden(input: unknown, pattern: RegExp): string {
	const match = typeof input === 'string' ? pattern.exec(input) : null;
	const code = match?.[0].codePointAt(0);
	return code === undefined
		? 'a forbidden character'
		: `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export const oneLineTextError = (issue: { input?: unknown }) =>
	`must not contain control characters, line separators or bidi overrides (found ${firstForbidden(issue.input, LABEL_FORBIDDEN)})`;
export const multiLineTextError = (issue: { input?: unknown }) =>
	`must not contain control characters other than tab and line breaks (found ${firstForbidden(issue.input, TEXT_FORBIDDEN)})`;

export const WorkspaceRole = z.enum(['owner', 'admin', 'editor', 'viewer']);
export type WorkspaceRole = z.infer<typeof WorkspaceRole>;
