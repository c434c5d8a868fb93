/**
 * When a run counts as crashed: it says it is running, but its SDK has not been heard from (no
 * write, no heartbeat) for `TORA_CRASHED_AFTER_MINUTES` (default 10). Nothing is written when a
 * run crashes — the status is derived whenever it is read or filtered, so a run that resumes is
 * running again at once.
 */
import { getConfig, settingValue } from './config.ts';
import type { RunStatus } from './contracts/experiments.ts';
import type { QueryClock } from './repositories/experiment-query.ts';

export const DEFAULT_CRASHED_AFTER_MINUTES = 10;

export function crashedAfterMs(): number {
	return (settingValue(getConfig().crashedAfterMinutes) ?? DEFAULT_CRASHED_AFTER_MINUTES) * 60_000;
}

/** The instants one request's queries and answers use. */
export function queryClock(now = Date.now()): QueryClock {
	return { crashedBefore: new Date(now - crashedAfterMs()) };
}

/** The status a run shows (see RunStatus): `crashed` for a running run not heard from in time. */
export function shownStatus(run: { status: string; last_seen_at: Date }, clock = queryClock()): RunStatus {
	if (run.status === 'running' && run.last_seen_at < clock.crashedBefore) return 'crashed';
	return run.status as RunStatus;
}
