import * as z from 'zod';
import { isStorableText, STORABLE_TEXT_ERROR, Uuid } from './common.ts';

/** `POST /api/api-keys` body. */
export const CreateApiKeyBody = z.strictObject({
	name: z
		.string()
		.trim()
		.min(1, { error: 'must not be empty' })
		.max(100, { error: 'must be at most 100 characters' })
		.refine(isStorableText, { error: STORABLE_TEXT_ERROR }),
	workspaceId: Uuid.nullish()
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
	revoked_at: z.string().nullable()
});
export type ApiKeySummary = z.infer<typeof ApiKeySummary>;

/** `POST /api/api-keys` response data: the only time `key` is ever shown. */
export const CreatedApiKey = ApiKeySummary.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const ApiKeyIdParams = z.object({ id: Uuid });
