import * as z from 'zod';
import { LABEL_FORBIDDEN, TEXT_FORBIDDEN, WORKSPACE_ROLES } from './rules.ts';

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

/**
 * Every id a client sends, in one spelling: ids compared as strings (a scoped key's workspace, a
 * self-reference, a cursor) must match whatever case the client used.
 */
export const Uuid = z.uuid({ error: 'must be a UUID' }).transform((id) => id.toLowerCase());

// The character rules live in rules.ts (shared with the site and the rule-case generator).
export { isMultiLineText, isOneLineText, isStorableText, LABEL_FORBIDDEN, TEXT_FORBIDDEN } from './rules.ts';
export const STORABLE_TEXT_ERROR = 'must not contain NUL characters or unpaired surrogates';

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

export const WorkspaceRole = z.enum(WORKSPACE_ROLES);
export type WorkspaceRole = z.infer<typeof WorkspaceRole>;
