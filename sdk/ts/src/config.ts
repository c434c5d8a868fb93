/** Settings from options or the environment (the same variables as the Python SDK). */
import { ToraConfigError } from './errors.js';

export const DEFAULT_BASE_URL = 'http://localhost:8888/api';

function env(name: string): string | undefined {
	return typeof process === 'undefined' ? undefined : process.env[name];
}

export function baseUrl(explicit?: string): string {
	const url = (explicit || env('TORA_BASE_URL') || DEFAULT_BASE_URL).trim().replace(/\/+$/, '');
	if (!/^https?:\/\//.test(url)) {
		throw new ToraConfigError(
			`Tora server URL must start with http:// or https://, got ${JSON.stringify(url)}`
		);
	}
	return url;
}

export function apiKey(explicit?: string | null): string | null {
	const key = explicit !== undefined && explicit !== null ? explicit : env('TORA_API_KEY');
	return key && key.trim() ? key.trim() : null;
}

/** A duration in ms: the explicit value, else the variable (in seconds, as in Python), else the default. */
export function durationMs(explicit: number | undefined, variable: string, defaultMs: number): number {
	if (explicit !== undefined) {
		if (!(explicit >= 0)) throw new ToraConfigError(`${variable} must be >= 0 ms, got ${explicit}`);
		return explicit;
	}
	const raw = env(variable);
	if (raw === undefined || raw.trim() === '') return defaultMs;
	const seconds = Number(raw);
	if (!Number.isFinite(seconds) || seconds < 0) {
		throw new ToraConfigError(`${variable} must be a number of seconds >= 0, got ${JSON.stringify(raw)}`);
	}
	return seconds * 1000;
}
