/**
 * When the dashboard re-reads its visible page. Polling costs a list query every few seconds per
 * open tab, so it runs only when something on screen can change: a newest-first view (new runs
 * appear at the top) or a page showing a run that is still running (or looks crashed, and may
 * come back).
 */
import type { Experiment } from '$contracts/experiments';

export const LIVE_INTERVAL_MS = 2000;
export const MAX_BACKOFF_MS = 60_000;

export function wantsLiveUpdates(
	view: { sort: string; order: string },
	items: readonly Pick<Experiment, 'status'>[]
): boolean {
	const newestFirst = view.sort === 'created' && view.order === 'desc';
	return newestFirst || items.some((item) => item.status === 'running' || item.status === 'crashed');
}

/** The wait before the next poll after `failures` failed ones in a row: doubling, capped. */
export function pollDelay(failures: number): number {
	return Math.min(MAX_BACKOFF_MS, LIVE_INTERVAL_MS * 2 ** Math.max(0, failures));
}
