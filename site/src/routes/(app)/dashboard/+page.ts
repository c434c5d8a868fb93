import { browser } from '$app/environment';
import { readStored } from '$lib/session.svelte';
import type { PageLoad } from './$types';
import { firstPage } from './first-page';

// Starts the first list request before the page's components exist (see first-page.ts). On the
// way in only: `untrack` keeps this from running again as the page changes its own query string.
export const load: PageLoad = ({ url, untrack }) => {
	if (browser) untrack(() => firstPage.start(url.search, readStored()));
};
