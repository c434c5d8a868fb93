import type * as z from 'zod';
import type { CreateViewBody, KeyValues, SavedView, UpdateViewBody, WorkspaceKeys } from '$contracts/views';
import type { Caller } from './caller';
import { apiPath } from './transport';

/** A workspace's saved views of its runs table. */
export function viewsApi(call: Caller) {
	return {
		/** Every view of the workspace, the default first, then by name. */
		list: (workspaceId: string) => call.json<SavedView[]>('GET', apiPath('workspaces', workspaceId, 'views')),
		create: (workspaceId: string, body: z.input<typeof CreateViewBody>) =>
			call.json<SavedView>('POST', apiPath('workspaces', workspaceId, 'views'), { body }),
		/** Any of name, state, isDefault (making one default un-defaults the previous one). */
		update: (workspaceId: string, viewId: string, body: z.input<typeof UpdateViewBody>) =>
			call.json<SavedView>('PATCH', apiPath('workspaces', workspaceId, 'views', viewId), { body }),
		remove: (workspaceId: string, viewId: string) =>
			call.json<SavedView>('DELETE', apiPath('workspaces', workspaceId, 'views', viewId))
	};
}

/** The query box's suggestions. */
export function keysApi(call: Caller) {
	return {
		/** Every hyperparameter key, metric, result and tag name the workspace has used. */
		list: (workspaceId: string) =>
			call.json<WorkspaceKeys>('GET', apiPath('workspaces', workspaceId, 'keys')),
		/** The values of one key (`hp.optimizer`, `tag`, `status`, `name`, `creator`) among the newest runs. */
		values: (workspaceId: string, key: string) =>
			call.json<KeyValues>('GET', apiPath('workspaces', workspaceId, 'keys'), {
				query: new URLSearchParams({ values: key })
			})
	};
}
