/**
 * Reads of chart data that must follow a live run: each thing (`key`) is read again when the
 * data it depends on has a new `version` (e.g. its series' point counts), with at most one read
 * of a key on its way and at most one started every `minIntervalMs`. Versions asked for meanwhile
 * collapse into one read of the latest, so a run logging every second costs one read per
 * interval, not one per poll, and a finished run's data is read once.
 */
export type Read = (key: string, version: string) => Promise<unknown>;

interface KeyState {
	/** The version of the read started last. */
	version: string;
	busy: boolean;
	/** A newer version to read next, or null. */
	wanted: string | null;
	waiting: boolean;
	startedAt: number;
}

export interface Clock {
	now: () => number;
	later: (run: () => void, ms: number) => void;
}

const realClock: Clock = {
	now: () => Date.now(),
	later: (run, ms) => void setTimeout(run, ms)
};

export class VersionedReads {
	#keys = new Map<string, KeyState>();

	constructor(
		private read: Read,
		private minIntervalMs = 2000,
		private clock: Clock = realClock
	) {}

	/** Asks for `key` as of `version`: read now, later, or not at all when already read. */
	want(key: string, version: string): void {
		const state = this.#keys.get(key);
		if (!state) {
			this.#start(key, version);
			return;
		}
		state.wanted = version === state.version ? null : version;
		this.#pump(key, state);
	}

	#pump(key: string, state: KeyState) {
		if (state.busy || state.waiting || state.wanted === null) return;
		const wait = state.startedAt + this.minIntervalMs - this.clock.now();
		if (wait > 0) {
			state.waiting = true;
			this.clock.later(() => {
				state.waiting = false;
				this.#pump(key, state);
			}, wait);
			return;
		}
		const version = state.wanted;
		state.wanted = null;
		this.#start(key, version);
	}

	#start(key: string, version: string) {
		const state: KeyState = this.#keys.get(key) ?? {
			version,
			busy: false,
			wanted: null,
			waiting: false,
			startedAt: 0
		};
		this.#keys.set(key, state);
		state.version = version;
		state.busy = true;
		state.startedAt = this.clock.now();
		// A failed read is the reader's to report; the next version asked for reads again.
		void this.read(key, version)
			.catch(() => undefined)
			.finally(() => {
				state.busy = false;
				this.#pump(key, state);
			});
	}
}
