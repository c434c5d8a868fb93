import type * as z from 'zod';
import type {
	CreatedShareLink,
	CreateShareLinkBody,
	ShareLink,
	ShareLinkList,
	Sharing
} from '$contracts/share-links';
import type { Caller } from './caller';
import { apiPath } from './transport';

/** Share links of a workspace, and its sharing switch (signed-in sessions only). */
export function shareLinksApi(call: Caller) {
	return {
		/** Newest first, with whether the workspace's links answer at all. */
		list: (workspaceId: string) =>
			call.json<ShareLinkList>('GET', apiPath('share-links'), {
				query: new URLSearchParams({ workspaceId })
			}),
		/** The token and its page are in this answer only. */
		create: (body: z.input<typeof CreateShareLinkBody>) =>
			call.json<CreatedShareLink>('POST', apiPath('share-links'), { body }),
		revoke: (id: string) => call.json<ShareLink>('DELETE', apiPath('share-links', id)),
		setSharing: (workspaceId: string, enabled: boolean) =>
			call.json<Sharing>('PUT', apiPath('workspaces', workspaceId, 'sharing'), { body: { enabled } })
	};
}
