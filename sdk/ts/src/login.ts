/**
 * The login `tora login` stores: `~/.tora/config.json`, `{"base_url", "api_key"}`, mode 0600 in a
 * 0700 directory, so other users of the machine cannot read the key.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ToraConfigError } from './errors.js';

export interface StoredLogin {
	baseUrl: string;
	apiKey: string;
}

export function toraHome(): string {
	return join(homedir(), '.tora');
}

export function loginPath(): string {
	return join(toraHome(), 'config.json');
}

/** The stored login, or null when there is none. A damaged file is an error naming the file. */
export function readLogin(): StoredLogin | null {
	let text: string;
	try {
		text = readFileSync(loginPath(), 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw new ToraConfigError(`Could not read ${loginPath()}: ${(error as Error).message}`);
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		parsed = null;
	}
	const { base_url: baseUrl, api_key: apiKey } = (parsed ?? {}) as Record<string, unknown>;
	if (typeof baseUrl !== 'string' || typeof apiKey !== 'string') {
		throw new ToraConfigError(`${loginPath()} is damaged: run \`tora login\` again (or \`tora logout\`)`);
	}
	return { baseUrl, apiKey };
}

export function writeLogin(login: StoredLogin): string {
	const path = loginPath();
	mkdirSync(toraHome(), { recursive: true, mode: 0o700 });
	// Written whole under a new name, then renamed: the key never sits in a file with looser
	// permissions, and a crash never leaves half a file.
	const temporary = `${path}.${process.pid}.tmp`;
	writeFileSync(
		temporary,
		JSON.stringify({ base_url: login.baseUrl, api_key: login.apiKey }, null, 2) + '\n',
		{
			mode: 0o600
		}
	);
	chmodSync(temporary, 0o600);
	renameSync(temporary, path);
	return path;
}

/** True if there was a login to remove. */
export function removeLogin(): boolean {
	try {
		rmSync(loginPath());
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
		throw error;
	}
}
