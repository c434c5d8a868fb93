/** Whether the page is hidden, and a way to hear when that changes: the document, or a fake in tests. */
export interface Visibility {
	hidden(): boolean;
	/** Calls `listener` on every change; returns the function that stops it. */
	watch(listener: () => void): () => void;
}

export const documentVisibility: Visibility = {
	hidden: () => document.hidden,
	watch(listener) {
		document.addEventListener('visibilitychange', listener);
		return () => document.removeEventListener('visibilitychange', listener);
	}
};

export interface PollerOptions {
	/**
	 * The longest wait after failed runs: each run that throws doubles the wait, up to this, so a
	 * server that is down is not asked every second; the next run that succeeds restores `interval`.
	 * Defaults to `interval` (no back-off).
	 */
	maxInterval?: number;
	visibility?: Visibility;
}

/**
 * Runs `task` every `interval` ms, one run at a time (the next waits for the previous to finish),
 * paused while the tab is hidden and run at once when it becomes visible again. A run that throws
 * only lengthens the wait (see `maxInterval`): `task` reports its own errors.
 */
export function poller(
	task: () => Promise<void>,
	interval: number,
	{ maxInterval = interval, visibility = documentVisibility }: PollerOptions = {}
) {
	let timer: ReturnType<typeof setTimeout> | undefined;
	let running = false;
	let busy = false;
	let wait = interval;
	let unwatch: (() => void) | undefined;

	function schedule() {
		clearTimeout(timer);
		if (running && !visibility.hidden()) timer = setTimeout(run, wait);
	}

	async function run() {
		if (busy) return;
		busy = true;
		clearTimeout(timer);
		try {
			await task();
			wait = interval;
		} catch {
			wait = Math.min(wait * 2, Math.max(maxInterval, interval));
		} finally {
			busy = false;
			schedule();
		}
	}

	function onVisibilityChange() {
		if (!running) return;
		if (visibility.hidden()) clearTimeout(timer);
		else void run();
	}

	return {
		get running() {
			return running;
		},
		/** Starts polling: the first run now (`immediate`) or after one interval. */
		start(immediate: boolean) {
			if (running) return;
			running = true;
			wait = interval;
			unwatch = visibility.watch(onVisibilityChange);
			if (immediate) void run();
			else schedule();
		},
		stop() {
			running = false;
			clearTimeout(timer);
			unwatch?.();
			unwatch = undefined;
		}
	};
}
