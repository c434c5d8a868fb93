import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentials, spoolDir } from './config.js';
import { ToraConfigError } from './errors.js';
import { loginPath, readLogin, removeLogin, writeLogin } from './login.js';

// Set and deleted one by one: replacing process.env would detach it from the real environment,
// which os.homedir() reads.
const VARIABLES = ['HOME', 'TORA_BASE_URL', 'TORA_API_KEY', 'TORA_SPOOL_DIR'];
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
beforeEach(() => {
	for (const name of VARIABLES) delete process.env[name];
	process.env.HOME = mkdtempSync(join(tmpdir(), 'tora-ts-unit-'));
});
afterEach(() => {
	for (const [name, value] of Object.entries(saved)) {
		if (value === undefined) delete process.env[name];
		else process.env[name] = value;
	}
});

describe('the stored login', () => {
	it('is written with mode 0600 and read back', () => {
		expect(readLogin()).toBeNull();
		const path = writeLogin({ baseUrl: 'http://a/api', apiKey: 'tora_sk_a' });
		expect(path).toBe(join(process.env.HOME!, '.tora', 'config.json'));
		expect(statSync(path).mode & 0o777).toBe(0o600);
		expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
			base_url: 'http://a/api',
			api_key: 'tora_sk_a'
		});
		expect(readLogin()).toEqual({ baseUrl: 'http://a/api', apiKey: 'tora_sk_a' });
		expect(removeLogin()).toBe(true);
		expect(removeLogin()).toBe(false);
	});

	it('names the file when it is damaged', () => {
		writeLogin({ baseUrl: 'http://a/api', apiKey: 'k' });
		writeFileSync(loginPath(), '{"base_url": 1');
		expect(() => readLogin()).toThrow(ToraConfigError);
		expect(() => readLogin()).toThrow(loginPath());
	});
});

describe('credentials', () => {
	it('prefer explicit values, then the environment, then the stored login', () => {
		expect(credentials()).toEqual({ baseUrl: 'http://localhost:8888/api', apiKey: null });
		writeLogin({ baseUrl: 'http://stored/api', apiKey: 'tora_sk_stored' });
		expect(credentials()).toEqual({ baseUrl: 'http://stored/api', apiKey: 'tora_sk_stored' });
		process.env.TORA_API_KEY = 'tora_sk_env';
		expect(credentials()).toEqual({ baseUrl: 'http://stored/api', apiKey: 'tora_sk_env' });
		expect(credentials('http://explicit/api/', 'tora_sk_explicit')).toEqual({
			baseUrl: 'http://explicit/api',
			apiKey: 'tora_sk_explicit'
		});
	});

	it('never send the stored key to another server', () => {
		writeLogin({ baseUrl: 'http://stored/api', apiKey: 'tora_sk_stored' });
		process.env.TORA_BASE_URL = 'http://elsewhere/api';
		expect(credentials()).toEqual({ baseUrl: 'http://elsewhere/api', apiKey: null });
		expect(credentials('http://stored/api')).toEqual({
			baseUrl: 'http://stored/api',
			apiKey: 'tora_sk_stored'
		});
	});

	it('reject a URL without a scheme', () => {
		expect(() => credentials('localhost:8888/api')).toThrow(/must start with http/);
	});
});

describe('spoolDir', () => {
	it('is the explicit directory, else TORA_SPOOL_DIR, else ~/.tora/spool', () => {
		expect(spoolDir()).toBe(join(process.env.HOME!, '.tora', 'spool'));
		process.env.TORA_SPOOL_DIR = '/tmp/elsewhere';
		expect(spoolDir()).toBe('/tmp/elsewhere');
		expect(spoolDir('/tmp/mine')).toBe('/tmp/mine');
	});
});
