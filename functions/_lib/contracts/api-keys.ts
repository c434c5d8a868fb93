import * as z from 'zod';
import { isOneLineText, isStorableText, oneLineTextError, STORABLE_TEXT_ERROR, Uuid } from './common.ts';

/** The longest a new key may live: a year, plus a day so "one year from today" always fits. */
export const MAX_API_KEY_LIFETIME_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;

/** An expiry for a new key: an ISO 8601 date-time with a time zone, in the future, within the limit. */
const KeyExpiry = z.iso
	.datetime({
		offset: true,
		error: 'must be an ISO 8601 date-time with a time zone, e.g. 2027-01-31T00:00:00Z'
	})
	.transform((value) => new Date(value))
	.refine((date) => date.getTime() > Date.now(), { error: 'must be in the future' })
	.refine((date) => date.getTime() <= Date.now() + MAX_API_KEY_LIFETIME_DAYS * DAY_MS, {
		error: `must be at most ${MAX_API_KEY_LIFETIME_DAYS} days from now`
	});

/** `POST /api/api-keys` body. `expiresAt` absent or null: the key never expires. */
export const CreateApiKeyBody = z.strictObject({
	name: z
		.string()
		.trim()
		.min(1, { error: 'must not be empty' })
		.max(100, { error: 'must be at most 100 characters' })
		.refine(isStorableText, { error: STORABLE_TEXT_ERROR })
		.refine(isOneLineText, { error: oneLineTextError }),
	workspaceId: Uuid.nullish(),
	expiresAt: KeyExpiry.nullish()
});
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>;

/** A key as lists show it: never the key itself. */
export const ApiKeySummary = z.object({
	id: z.uuid(),
	name: z.string(),
	prefix: z.string(),
	workspace_id: z.uuid().nullable(),
	created_at: z.string(),
	last_used_at: z.string().nullable(),
	revoked_at: z.string().nullable(),
	/** Null: never expires. From this moment on the key gets a 401. */
	expires_at: z.string().nullable()
});
export type ApiKeySummary = z.infer<typeof ApiKeySummary>;

/** `POST /api/api-keys` response data: the only time `key` is ever shown. */
export const CreatedApiKey = ApiKeySummary.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const ApiKeyIdParams = z.object({ id: Uuid });
