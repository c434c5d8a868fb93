import type * as z from 'zod';
import type { ApiKeySummary, CreateApiKeyBody, CreatedApiKey } from '$contracts/api-keys';
import type { Caller } from './caller';
import { apiPath } from './transport';

export function apiKeysApi(call: Caller) {
	return {
		list: () => call.json<ApiKeySummary[]>('GET', apiPath('api-keys')),
		/** The only answer that ever holds the key itself. */
		create: (body: z.input<typeof CreateApiKeyBody>) =>
			call.json<CreatedApiKey>('POST', apiPath('api-keys'), { body }),
		revoke: (id: string) => call.json<ApiKeySummary>('DELETE', apiPath('api-keys', id))
	};
}
