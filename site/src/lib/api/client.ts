import { analysisApi } from './analysis';
import { apiKeysApi } from './api-keys';
import { createCaller, type Credentials } from './caller';
import { experimentsApi, exportsApi, metricsApi } from './experiments';
import { projectsApi } from './projects';
import { runContextApi } from './run-context';
import { seriesApi } from './series';
import { shareLinksApi } from './share-links';
import type { Fetch } from './transport';
import { keysApi, viewsApi } from './views';
import { invitationsApi, membersApi, workspacesApi } from './workspaces';

/**
 * One function per endpoint the site calls (but the session's own, in `public.ts`), typed with the
 * API's contracts. Every call carries the session's token (renewed once on a 401, see
 * `createCaller`); failures are thrown as `ApiError`. The functions need no `this`, so they can be
 * passed around on their own.
 */
export function createApiClient({ fetch, credentials }: { fetch: Fetch; credentials: Credentials }) {
	const call = createCaller(fetch, credentials);
	return {
		workspaces: workspacesApi(call),
		members: membersApi(call),
		invitations: invitationsApi(call),
		apiKeys: apiKeysApi(call),
		experiments: experimentsApi(call),
		metrics: metricsApi(call),
		series: seriesApi(call),
		exports: exportsApi(call),
		views: viewsApi(call),
		projects: projectsApi(call),
		keys: keysApi(call),
		analysis: analysisApi(call),
		runContext: runContextApi(call),
		shareLinks: shareLinksApi(call)
	};
}

export type ApiClient = ReturnType<typeof createApiClient>;
