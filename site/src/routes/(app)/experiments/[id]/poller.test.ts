import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { poller, type Visibility } from './poller';

/** A tab whose visibility the test switches. */
function fakeVisibility() {
	let hidden = false;
	const listeners = new Set<() => void>();
	const visibility: Visibility = {
		hidden: () => hidden,
		watch(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		}
	};
	return {
		visibility,
		listeners,
		set(value: boolean) {
			hidden = value;
			for (const listener of listeners) listener();
		}
	};
}

/** A no-op task polled every second on a fake tab, started at once and run for the first time. */
async function startedOnTab() {
	const task = vi.fn(async () => {});
	const tab = fakeVisibility();
	const polling = poller(task, 1000, { visibility: tab.visibility });
	polling.start(true);
	await vi.advanceTimersByTimeAsync(0);
	return { task, tab, polling };
}

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe('poller', () => {
	it('runs at once or after one interval, then every interval', async () => {
		const { task, tab, polling: now } = await startedOnTab();
		expect(task).toHaveBeenCalledTimes(1);
		await vi.advanceTimersByTimeAsync(2000);
		expect(task).toHaveBeenCalledTimes(3);
		now.stop();

		const later = vi.fn(async () => {});
		poller(later, 1000, { visibility: tab.visibility }).start(false);
		await vi.advanceTimersByTimeAsync(999);
		expect(later).not.toHaveBeenCalled();
		await vi.advanceTimersByTimeAsync(1);
		expect(later).toHaveBeenCalledTimes(1);
	});

	it('waits for a slow run to finish before the next interval starts', async () => {
		const task = vi.fn(() => new Promise<void>((resolve) => setTimeout(resolve, 2500)));
		const polling = poller(task, 1000, { visibility: fakeVisibility().visibility });
		polling.start(true);
		await vi.advanceTimersByTimeAsync(3000);
		expect(task).toHaveBeenCalledTimes(1);
		await vi.advanceTimersByTimeAsync(500);
		expect(task).toHaveBeenCalledTimes(2);
		polling.stop();
	});

	it('backs off while runs fail, up to maxInterval, and is back to the interval after a success', async () => {
		let failing = true;
		const runs: number[] = [];
		const task = vi.fn(async () => {
			runs.push(Date.now());
			if (failing) throw new Error('down');
		});
		const polling = poller(task, 1000, { maxInterval: 4000, visibility: fakeVisibility().visibility });
		const start = Date.now();
		polling.start(true);
		await vi.advanceTimersByTimeAsync(0 + 2000 + 4000 + 4000);
		// Waits of 2 s, 4 s, then capped at 4 s.
		expect(runs.map((time) => time - start)).toEqual([0, 2000, 6000, 10000]);

		failing = false;
		await vi.advanceTimersByTimeAsync(4000);
		await vi.advanceTimersByTimeAsync(1000);
		expect(runs.map((time) => time - start)).toEqual([0, 2000, 6000, 10000, 14000, 15000]);
		polling.stop();
	});

	it('pauses while the tab is hidden and runs at once when it is shown again', async () => {
		const { task, tab, polling } = await startedOnTab();
		tab.set(true);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(task).toHaveBeenCalledTimes(1);
		tab.set(false);
		await vi.advanceTimersByTimeAsync(0);
		expect(task).toHaveBeenCalledTimes(2);
		polling.stop();
	});

	it('stops for good: no more runs, and it stops listening to the tab', async () => {
		const { task, tab, polling } = await startedOnTab();
		expect(tab.listeners.size).toBe(1);
		polling.stop();
		expect(polling.running).toBe(false);
		expect(tab.listeners.size).toBe(0);
		tab.set(false);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(task).toHaveBeenCalledTimes(1);
	});
});
