import { describe, expect, it } from 'vitest';
import { LIVE_INTERVAL_MS, MAX_BACKOFF_MS, pollDelay, wantsLiveUpdates } from './live';

describe('live rows', () => {
	it('polls newest-first views and pages with running or crashed runs only', () => {
		const finished = [{ status: 'finished' as const }];
		expect(wantsLiveUpdates({ sort: 'created', order: 'desc' }, finished)).toBe(true);
		expect(wantsLiveUpdates({ sort: 'created', order: 'asc' }, finished)).toBe(false);
		expect(wantsLiveUpdates({ sort: 'hp.lr', order: 'desc' }, finished)).toBe(false);
		expect(wantsLiveUpdates({ sort: 'hp.lr', order: 'desc' }, [{ status: 'running' }])).toBe(true);
		expect(wantsLiveUpdates({ sort: 'name', order: 'asc' }, [{ status: 'crashed' }])).toBe(true);
	});

	it('backs off on failures, up to a cap', () => {
		expect(pollDelay(0)).toBe(LIVE_INTERVAL_MS);
		expect(pollDelay(2)).toBe(LIVE_INTERVAL_MS * 4);
		expect(pollDelay(50)).toBe(MAX_BACKOFF_MS);
	});
});
