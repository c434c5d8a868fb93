/**
 * Runs `task` every `interval` ms, one run at a time (the next waits for the previous to finish),
 * paused while the tab is hidden and run at once when it becomes visible again. `task` handles
 * its own errors.
 */
export function poller(task: () => Promise<void>, interval: number) {
	let timer: ReturnType<typeof setTimeout> | undefined;
	let running = false;
	let busy = false;

	function schedule() {
		clearTimeout(timer);
		if (running && !document.hidden) timer = setTimeout(run, interval);
	}

	async function run() {
		if (busy) return;
		busy = true;
		clearTimeout(timer);
		try {
			await task();
		} finally {
			busy = false;
			schedule();
		}
	}

	function onVisibilityChange() {
		if (!running) return;
		if (document.hidden) clearTimeout(timer);
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
			document.addEventListener('visibilitychange', onVisibilityChange);
			if (immediate) void run();
			else schedule();
		},
		stop() {
			running = false;
			clearTimeout(timer);
			document.removeEventListener('visibilitychange', onVisibilityChange);
		}
	};
}
