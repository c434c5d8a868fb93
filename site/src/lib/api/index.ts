import { session } from '$lib/session.svelte';
import { createApiClient } from './client';

/** The site's API client, signed in as the browser's session. */
export const api = createApiClient({
	// Looked up at each call, not bound once, so the global can be swapped (tests, instrumentation).
	fetch: (url, init) => fetch(url, init),
	credentials: session
});

export { ApiError, errorMessage, fieldMessage } from './errors';
export type { ApiClient } from './client';
export type { DownloadedFile } from './caller';
export { apiPath } from './transport';
export {
	SERIES_PAGE,
	type ExperimentListRequest,
	type ExportFormat,
	type SeriesReadRequest
} from './experiments';
