/**
 * The idle heartbeat: while a run is open and nothing has reached the server for `intervalMs`,
 * `POST /experiments/{id}/heartbeat` says the run is still alive, so a long quiet phase
 * (evaluation, a slow epoch) does not make it show as `crashed`. Any successful request counts
 * as a sign of life, so a busy run sends none. Mirrors sdk/python/tora/_heartbeat.py.
 */
import * as config from './config.js';
import { ToraConfigError } from './errors.js';
import type { Http } from './http.js';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
/** The server notes a sign of life at most every 15 s; beating faster than this buys nothing. */
export const MIN_HEARTBEAT_INTERVAL_MS = 5_000;

/** Whether to beat: the explicit option, else TORA_HEARTBEAT (`0`, `false`, `no`, `off`: no). */
export function heartbeatEnabled(explicit: boolean | undefined): boolean {
	if (explicit !== undefined) return explicit;
	const raw = process.env.TORA_HEARTBEAT?.trim().toLowerCase();
	return !raw || !['0', 'false', 'no', 'off'].includes(raw);
}

/** The interval: the explicit option (ms), else TORA_HEARTBEAT_INTERVAL (s), at least 5 s. */
export function heartbeatIntervalMs(explicitMs: number | undefined): number {
	const ms = config.durationMs(explicitMs, 'TORA_HEARTBEAT_INTERVAL', DEFAULT_HEARTBEAT_INTERVAL_MS);
	if (ms === 0) throw new ToraConfigError('TORA_HEARTBEAT_INTERVAL must be at least 5 seconds');
	return Math.max(MIN_HEARTBEAT_INTERVAL_MS, ms);
}

export class Heartbeat {
	private timer: ReturnType<typeof setTimeout> | null = null;
	private lastAttemptAt: number;
	private inFlight = false;
	private stopped = false;
	/** Heartbeats the server acknowledged (for tests and diagnostics). */
	beats = 0;

	constructor(
		private readonly http: Http,
		private readonly experimentId: string,
		private readonly intervalMs: number,
		private readonly now: () => number = Date.now
	) {
		this.lastAttemptAt = now();
		this.arm();
	}

	stop(): void {
		this.stopped = true;
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
	}

	/** When the server last heard from this run, as far as this client knows. */
	private lastActivity(): number {
		return Math.max(this.http.lastSuccessAt, this.lastAttemptAt);
	}

	private arm(): void {
		if (this.stopped) return;
		const delay = Math.max(0, this.lastActivity() + this.intervalMs - this.now());
		this.timer = setTimeout(() => void this.tick(), delay);
		// A heartbeat must never keep a finished script alive.
		this.timer.unref?.();
	}

	private async tick(): Promise<void> {
		this.timer = null;
		if (this.stopped) return;
		if (!this.inFlight && this.now() - this.lastActivity() >= this.intervalMs) {
			// A failure counts as an attempt too: the next one is an interval later, not at once.
			this.lastAttemptAt = this.now();
			this.inFlight = true;
			try {
				const path = `/experiments/${encodeURIComponent(this.experimentId)}/heartbeat`;
				const response = await this.http.request('POST', path);
				if (response.status >= 200 && response.status < 300) this.beats++;
			} catch {
				// Unreachable: the next tick tries again; training never hears about it.
			} finally {
				this.inFlight = false;
			}
		}
		this.arm();
	}
}
