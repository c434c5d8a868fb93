/**
 * Settings from options, the environment (the same variables as the Python SDK), or the login
 * `tora login` stored.
 */
import { join } from 'node:path';
import { ToraConfigError } from './errors.js';
import { readLogin, toraHome } from './login.js';

export const DEFAULT_BASE_URL = 'http://localhost:8888/api';

function env(name: string): string | undefined {
	const value = process.env[name]?.trim();
	return value ? value : undefined;
}

export function normalizeUrl(url: string): string {
	const trimmed = url.trim().replace(/\/+$/, '');
	if (!/^https?:\/\//.test(trimmed)) {
		throw new ToraConfigError(
			`Tora server URL must start with http:// or https://, got ${JSON.stringify(trimmed)}`
		);
	}
	return trimmed;
}

export interface Credentials {
	baseUrl: string;
	apiKey: string | null;
}

/**
 * Which server and key to use: each from the explicit value, else TORA_BASE_URL / TORA_API_KEY,
 * else the stored login. The stored key is used only for the server it was stored for, so pointing
 * TORA_BASE_URL elsewhere never sends it to another server.
 */
export function credentials(explicitUrl?: string | null, explicitKey?: string | null): Credentials {
	const stored = readLogin();
	const baseUrl = normalizeUrl(explicitUrl || env('TORA_BASE_URL') || stored?.baseUrl || DEFAULT_BASE_URL);
	const key =
		explicitKey?.trim() || env('TORA_API_KEY') || (stored?.baseUrl === baseUrl ? stored.apiKey : null);
	return { baseUrl, apiKey: key || null };
}

/** Where undeliverable entries go: the explicit directory, else TORA_SPOOL_DIR, else ~/.tora/spool. */
export function spoolDir(explicit?: string): string {
	return explicit || env('TORA_SPOOL_DIR') || join(toraHome(), 'spool');
}

/** A duration in ms: the explicit value, else the variable (in seconds, as in Python), else the default. */
export function durationMs(explicit: number | undefined, variable: string, defaultMs: number): number {
	if (explicit !== undefined) {
		if (!(explicit >= 0)) throw new ToraConfigError(`${variable} must be >= 0 ms, got ${explicit}`);
		return explicit;
	}
	const raw = env(variable);
	if (raw === undefined) return defaultMs;
	const seconds = Number(raw);
	if (!Number.isFinite(seconds) || seconds < 0) {
		throw new ToraConfigError(`${variable} must be a number of seconds >= 0, got ${JSON.stringify(raw)}`);
	}
	return seconds * 1000;
}

/** A switch: the explicit option, else the variable (`0`, `false`, `no`, `off`: off), else on. */
export function enabled(explicit: boolean | undefined, variable: string): boolean {
	if (explicit !== undefined) return explicit;
	const raw = env(variable)?.toLowerCase();
	return !raw || !['0', 'false', 'no', 'off'].includes(raw);
}
