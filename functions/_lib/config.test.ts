import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, settingValue } from './config.ts';

describe('loadConfig', () => {
	it('gives the documented defaults for an empty environment', () => {
		const config = loadConfig({});
		expect(config).toMatchObject({
			runtime: 'function',
			netlifyProduction: false,
			netlifyDev: false,
			databaseUrl: undefined,
			dbPoolMax: 1,
			dbPrepare: true,
			dataDir: undefined,
			host: '127.0.0.1',
			port: 8888,
			apiOnly: false,
			authFailuresPerIp: 60,
			authFailuresPerKey: 20,
			trustedProxies: []
		});
		expect(settingValue(config.exportTimeoutMs)).toBe(300_000);
		expect(settingValue(config.embeddedTcpPort)).toBeUndefined();
		expect(settingValue(config.crashedAfterMinutes)).toBeUndefined();
		expect(config.auth).toMatchObject({ mode: 'disabled', problem: expect.stringMatching(/SUPABASE_URL/) });
	});

	it('reads an empty variable as unset', () => {
		const config = loadConfig({ DATABASE_URL: '', TORA_AUTH: '', PORT: '', TORA_EXPORT_TIMEOUT_MS: '' });
		expect(config.databaseUrl).toBeUndefined();
		expect(config.auth.mode).toBe('disabled');
		expect(config.port).toBe(8888);
		expect(settingValue(config.exportTimeoutMs)).toBe(300_000);
	});

	it('sizes the pool by runtime unless TORA_DB_POOL_MAX says otherwise', () => {
		expect(loadConfig({}, 'server').dbPoolMax).toBe(10);
		expect(loadConfig({ TORA_DB_POOL_MAX: '4' }, 'server').dbPoolMax).toBe(4);
		expect(loadConfig({ TORA_DB_POOL_MAX: '0' }).dbPoolMax).toBe(1);
		expect(loadConfig({ TORA_DB_POOL_MAX: 'many' }).dbPoolMax).toBe(1);
	});

	it('turns prepared statements off only for TORA_DB_PREPARE=false', () => {
		expect(loadConfig({ TORA_DB_PREPARE: 'false' }).dbPrepare).toBe(false);
		expect(loadConfig({ TORA_DB_PREPARE: 'true' }).dbPrepare).toBe(true);
		expect(loadConfig({ TORA_DB_PREPARE: 'no' }).dbPrepare).toBe(true);
	});

	it('resolves TORA_DATA_DIR against the working directory', () => {
		expect(loadConfig({ TORA_DATA_DIR: 'data' }).dataDir).toBe(resolve('data'));
	});

	it('falls back to the default for unusable rate limits, and splits the trusted proxies', () => {
		const config = loadConfig({
			TORA_AUTH_FAILURES_PER_IP: '-3',
			TORA_AUTH_FAILURES_PER_KEY: 'x',
			TORA_TRUSTED_PROXIES: ' 10.0.0.1, ,fd00::/8 '
		});
		expect([config.authFailuresPerIp, config.authFailuresPerKey]).toEqual([60, 20]);
		expect(config.trustedProxies).toEqual(['10.0.0.1', 'fd00::/8']);
	});

	it('keeps an unusable value as a problem that names the variable, raised only where it is used', () => {
		const config = loadConfig({
			TORA_EXPORT_TIMEOUT_MS: 'five minutes',
			TORA_EMBEDDED_TCP_PORT: '70000',
			TORA_EMBEDDED_IDLE_IN_TRANSACTION_MS: '1.5',
			TORA_AUTH: 'local'
		});
		expect(config.auth.mode).toBe('local');
		expect(() => settingValue(config.exportTimeoutMs)).toThrow(ConfigError);
		expect(() => settingValue(config.exportTimeoutMs)).toThrow(
			/^TORA_EXPORT_TIMEOUT_MS must be a whole number of milliseconds.*not "five minutes"$/
		);
		expect(() => settingValue(config.embeddedTcpPort)).toThrow(/^TORA_EMBEDDED_TCP_PORT .*not "70000"$/);
		expect(() => settingValue(config.embeddedIdleInTransactionMs)).toThrow(
			/^TORA_EMBEDDED_IDLE_IN_TRANSACTION_MS .*not "1.5"$/
		);
		expect(settingValue(loadConfig({ TORA_EXPORT_TIMEOUT_MS: '1000' }).exportTimeoutMs)).toBe(1000);
		expect(loadConfig({ TORA_EXPORT_TIMEOUT_MS: '0' }).exportTimeoutMs.ok).toBe(false);
		expect(settingValue(loadConfig({ TORA_EMBEDDED_TCP_PORT: '0' }).embeddedTcpPort)).toBe(0);
		expect(settingValue(loadConfig({ TORA_CRASHED_AFTER_MINUTES: '0.5' }).crashedAfterMinutes)).toBe(0.5);
		expect(() => settingValue(loadConfig({ TORA_CRASHED_AFTER_MINUTES: '-1' }).crashedAfterMinutes)).toThrow(
			/^TORA_CRASHED_AFTER_MINUTES must be a positive number of minutes, not "-1"$/
		);
	});
});

describe('the sign-in setup', () => {
	const supabase = { SUPABASE_URL: 'https://ref.supabase.co//', SUPABASE_ANON_KEY: 'anon' };

	it('is Supabase Auth when SUPABASE_URL is set, without its trailing slashes', () => {
		expect(loadConfig({ ...supabase, SUPABASE_JWT_SECRET: 's' }).auth).toEqual({
			mode: 'supabase',
			supabaseUrl: 'https://ref.supabase.co',
			anonKey: 'anon',
			jwtSecret: 's'
		});
		expect(loadConfig({ ...supabase, SUPABASE_ANON_KEY: undefined }).auth).toEqual({
			mode: 'disabled',
			problem: 'SUPABASE_URL is set but SUPABASE_ANON_KEY is not.'
		});
	});

	it('is local only when asked for, and never on Netlify (but under netlify dev)', () => {
		expect(loadConfig({ ...supabase, TORA_AUTH: 'local' }).auth.mode).toBe('local');
		for (const netlify of [{ NETLIFY: 'true' }, { AWS_LAMBDA_FUNCTION_NAME: 'fn' }]) {
			const config = loadConfig({ TORA_AUTH: 'local', ...netlify });
			expect(config.netlifyProduction).toBe(true);
			expect(config.auth).toMatchObject({
				mode: 'disabled',
				problem: expect.stringMatching(/refused on Netlify/)
			});
		}
		const dev = loadConfig({ TORA_AUTH: 'local', NETLIFY: 'true', NETLIFY_DEV: 'true' });
		expect([dev.netlifyProduction, dev.netlifyDev, dev.auth.mode]).toEqual([false, true, 'local']);
	});

	it('names a TORA_AUTH it does not know', () => {
		expect(loadConfig({ ...supabase, TORA_AUTH: 'ldap' }).auth).toEqual({
			mode: 'disabled',
			problem: 'TORA_AUTH must be "local" or "supabase", not "ldap".'
		});
	});
});
