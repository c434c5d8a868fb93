/**
 * The deployment's configuration: every environment variable the functions and the single server
 * read (README, Configuration), parsed by one schema (`EnvSchema`) into one object (`ToraConfig`).
 * Nothing in the project writes process.env: configuration travels as this object.
 *
 * - A Netlify Function has no start-up of its own: `getConfig()` builds the configuration from
 *   process.env on first use and keeps it for the instance's life.
 * - The single server builds it when it starts (`loadConfig(process.env, 'server')`), completes it
 *   with what it decided (the embedded database's URL, no prepared statements there), and hands it
 *   over with `setRuntimeConfig()` before it loads any function module.
 *
 * Reading the configuration never throws. A variable whose value cannot be used is a `Setting`
 * that carries the problem, reported where the setting is used: a bad TORA_EXPORT_TIMEOUT_MS fails
 * exports (a 503 naming it), not every endpoint. An incomplete sign-in setup is `mode: 'disabled'`
 * with its problem, which `/api/config` reports and auth calls answer with a 503.
 */
import { resolve } from 'node:path';
import * as z from 'zod';
import { ApiError } from './errors.ts';
import { DEFAULT_EXPORT_TIMEOUT_MS } from './repositories/metric-export.repository.ts';

/** Console text one run may store unless TORA_CONSOLE_MAX_BYTES says otherwise: 100 MB. */
export const DEFAULT_CONSOLE_MAX_BYTES = 100 * 1024 * 1024;

/** The largest artifact file unless TORA_ARTIFACT_MAX_BYTES says otherwise: 5 GB. */
export const DEFAULT_ARTIFACT_MAX_BYTES = 5 * 1024 ** 3;

/** Artifact bytes one workspace may store unless TORA_ARTIFACT_QUOTA_BYTES says otherwise: 50 GB. */
export const DEFAULT_ARTIFACT_QUOTA_BYTES = 50 * 1024 ** 3;

export class ConfigError extends Error {}

export const TORA_VERSION = '0.1.0';

/** An environment as `process.env` holds it. */
export type Environment = Record<string, string | undefined>;

/** One Netlify Function instance, or the single server (every function module in one process). */
export type Runtime = 'function' | 'server';

/** A setting's value, or what is wrong with the variable and what to set instead. */
export type Setting<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The setting's value; its problem as a ConfigError (a 503 naming the variable, in a function). */
export function settingValue<T>(setting: Setting<T>): T {
	if (!setting.ok) throw new ConfigError(setting.problem);
	return setting.value;
}

/** Unset and empty mean the same: not configured. */
const text = z
	.string()
	.optional()
	.transform((value) => value || undefined);

/** Netlify's flags are the string `true`. */
const isTrue = z
	.string()
	.optional()
	.transform((value) => value === 'true');

/**
 * A number the variable must hold when set (`accepts`), else a problem for where it is used, saying
 * what it `expected`.
 */
function checkedNumber(name: string, expected: string, accepts: (value: number) => boolean) {
	return text.transform((raw): Setting<number | undefined> => {
		if (raw === undefined) return { ok: true, value: undefined };
		const value = Number(raw);
		if (accepts(value)) return { ok: true, value };
		return { ok: false, problem: `${name} must be ${expected}, not "${raw}"` };
	});
}

const wholeAtLeast =
	(min: number, max = Number.POSITIVE_INFINITY) =>
	(value: number) =>
		Number.isInteger(value) && value >= min && value <= max;

/** A positive count; anything else falls back to the default, as it always has. */
function positiveCount(fallback: number) {
	return text.transform((raw) => {
		const value = Number.parseInt(raw ?? '', 10);
		return Number.isFinite(value) && value > 0 ? value : fallback;
	});
}

/** A comma-separated list, entries trimmed, empty ones dropped. */
const list = text.transform((raw) =>
	(raw ?? '')
		.split(',')
		.map((entry) => entry.trim())
		.filter(Boolean)
);

/** Every variable the functions and the single server read, as the environment spells it. */
export const EnvSchema = z.object({
	// Where the code runs.
	NETLIFY: isTrue,
	NETLIFY_DEV: isTrue,
	AWS_LAMBDA_FUNCTION_NAME: text,
	// The database.
	DATABASE_URL: text,
	TORA_DB_POOL_MAX: text.transform((raw) =>
		raw === undefined ? undefined : Math.max(1, Number.parseInt(raw, 10) || 1)
	),
	TORA_DB_PREPARE: text.transform((raw) => raw !== 'false'),
	TORA_DATA_DIR: text,
	TORA_EMBEDDED_TCP_PORT: checkedNumber(
		'TORA_EMBEDDED_TCP_PORT',
		'a port number (0–65535)',
		wholeAtLeast(0, 65_535)
	),
	TORA_EMBEDDED_IDLE_IN_TRANSACTION_MS: checkedNumber(
		'TORA_EMBEDDED_IDLE_IN_TRANSACTION_MS',
		'a whole number of milliseconds (0: never)',
		wholeAtLeast(0)
	),
	// The single server.
	HOST: text.transform((raw) => raw ?? '127.0.0.1'),
	PORT: text.transform((raw) => Number(raw ?? 8888)),
	TORA_API_ONLY: text.transform((raw) => raw === '1'),
	// Sign-in.
	TORA_AUTH: text,
	SUPABASE_URL: text,
	SUPABASE_ANON_KEY: text,
	SUPABASE_JWT_SECRET: text,
	TORA_JWT_SECRET: text,
	// Requests.
	TORA_PUBLIC_URL: text,
	TORA_ALLOWED_HOSTS: text,
	TORA_CORS_ORIGINS: text,
	TORA_EXPORT_TIMEOUT_MS: checkedNumber(
		'TORA_EXPORT_TIMEOUT_MS',
		`a whole number of milliseconds (unset: ${DEFAULT_EXPORT_TIMEOUT_MS})`,
		wholeAtLeast(1, Number.MAX_SAFE_INTEGER)
	),
	TORA_CRASHED_AFTER_MINUTES: checkedNumber(
		'TORA_CRASHED_AFTER_MINUTES',
		'a positive number of minutes',
		(minutes) => Number.isFinite(minutes) && minutes > 0
	),
	TORA_CONSOLE_MAX_BYTES: checkedNumber(
		'TORA_CONSOLE_MAX_BYTES',
		`a whole number of bytes (unset: ${DEFAULT_CONSOLE_MAX_BYTES})`,
		wholeAtLeast(1, Number.MAX_SAFE_INTEGER)
	),
	// Artifacts.
	TORA_STORAGE: text,
	TORA_STORAGE_BUCKET: text.transform((raw) => raw ?? 'artifacts'),
	SUPABASE_SERVICE_ROLE_KEY: text,
	TORA_ARTIFACT_MAX_BYTES: checkedNumber(
		'TORA_ARTIFACT_MAX_BYTES',
		`a whole number of bytes (unset: ${DEFAULT_ARTIFACT_MAX_BYTES})`,
		wholeAtLeast(1, Number.MAX_SAFE_INTEGER)
	),
	TORA_ARTIFACT_QUOTA_BYTES: checkedNumber(
		'TORA_ARTIFACT_QUOTA_BYTES',
		`a whole number of bytes (unset: ${DEFAULT_ARTIFACT_QUOTA_BYTES})`,
		wholeAtLeast(1, Number.MAX_SAFE_INTEGER)
	),
	TORA_AUTH_FAILURES_PER_IP: positiveCount(60),
	TORA_AUTH_FAILURES_PER_KEY: positiveCount(20),
	TORA_TRUSTED_PROXIES: list
});

export type AuthSetup =
	| { mode: 'supabase'; supabaseUrl: string; anonKey: string; jwtSecret: string | undefined }
	| { mode: 'local' }
	| { mode: 'disabled'; problem: string };

/**
 * Where artifact bytes live: the data directory (the single server's default), or a private
 * Supabase Storage bucket (Netlify's default, where functions have no lasting disk).
 */
export type StorageSetup =
	| { kind: 'filesystem' }
	| { kind: 'supabase'; supabaseUrl: string; serviceKey: string; bucket: string }
	| { kind: 'disabled'; problem: string };

export interface ToraConfig {
	runtime: Runtime;
	/** Inside a deployed Netlify Function (`NETLIFY` or `AWS_LAMBDA_FUNCTION_NAME`), not `netlify dev`. */
	netlifyProduction: boolean;
	/** Under `netlify dev` (`NETLIFY_DEV=true`), where no server of ours sees a request first. */
	netlifyDev: boolean;
	/** `DATABASE_URL`; the single server puts the embedded database's here when it is unset. */
	databaseUrl: string | undefined;
	/** `TORA_DB_POOL_MAX`, else 10 on the single server and 1 per Netlify Function instance. */
	dbPoolMax: number;
	/**
	 * Whether prepared statements may be used: not with `TORA_DB_PREPARE=false` nor on the embedded
	 * database; Supabase's transaction pooler turns them off whatever this says.
	 */
	dbPrepare: boolean;
	/** `TORA_DATA_DIR`, absolute (resolved where the command ran); undefined when unset. */
	dataDir: string | undefined;
	/** `TORA_EMBEDDED_TCP_PORT`: also serve the embedded database on 127.0.0.1 (0: any port). */
	embeddedTcpPort: Setting<number | undefined>;
	/** `TORA_EMBEDDED_IDLE_IN_TRANSACTION_MS`; undefined: the embedded database's default. */
	embeddedIdleInTransactionMs: Setting<number | undefined>;
	/** `HOST` / `PORT`: where the single server listens. */
	host: string;
	port: number;
	/** `TORA_API_ONLY=1`: `npm start` serves only `/api`. */
	apiOnly: boolean;
	/** Which sign-in this deployment offers (`authSetup()` below). */
	auth: AuthSetup;
	/** `SUPABASE_URL` as given: the pages' Content-Security-Policy allows connections to it. */
	supabaseUrl: string | undefined;
	/** `TORA_JWT_SECRET`: local mode's signing secret (generated into the data directory when unset). */
	localJwtSecret: string | undefined;
	/** `TORA_PUBLIC_URL`: the origin of the links the API hands out. */
	publicUrl: string | undefined;
	/** `TORA_ALLOWED_HOSTS` as given (server/host-allowlist.ts reads the names). */
	allowedHosts: string | undefined;
	/** `TORA_CORS_ORIGINS` as given (security-headers.ts reads the origins). */
	corsOrigins: string | undefined;
	/** `TORA_EXPORT_TIMEOUT_MS`: database time one CSV export may use. */
	exportTimeoutMs: Setting<number>;
	/** `TORA_CRASHED_AFTER_MINUTES`; undefined: liveness.ts's default. */
	crashedAfterMinutes: Setting<number | undefined>;
	/** `TORA_CONSOLE_MAX_BYTES`: console text one run may store. */
	consoleMaxBytes: Setting<number>;
	/** `TORA_STORAGE` (+ `SUPABASE_SERVICE_ROLE_KEY`, `TORA_STORAGE_BUCKET`): where artifacts live. */
	storage: StorageSetup;
	/** `TORA_ARTIFACT_MAX_BYTES`: the largest artifact file. */
	artifactMaxBytes: Setting<number>;
	/** `TORA_ARTIFACT_QUOTA_BYTES`: artifact bytes one workspace may store. */
	artifactQuotaBytes: Setting<number>;
	/** `TORA_AUTH_FAILURES_PER_IP` / `_PER_KEY`: failed authentications allowed per minute. */
	authFailuresPerIp: number;
	authFailuresPerKey: number;
	/** `TORA_TRUSTED_PROXIES`: entries as given (server/auth-rate-limit.ts checks them). */
	trustedProxies: string[];
}

const withDefault = <T>(setting: Setting<T | undefined>, fallback: T): Setting<T> =>
	setting.ok ? { ok: true, value: setting.value ?? fallback } : setting;

/** Builds the configuration from an environment (by default this process's). Never throws. */
export function loadConfig(env: Environment = process.env, runtime: Runtime = 'function'): ToraConfig {
	const vars = EnvSchema.parse(env);
	const netlifyProduction = !vars.NETLIFY_DEV && (vars.NETLIFY || Boolean(vars.AWS_LAMBDA_FUNCTION_NAME));
	const exportTimeout = vars.TORA_EXPORT_TIMEOUT_MS;
	return {
		runtime,
		netlifyProduction,
		netlifyDev: vars.NETLIFY_DEV,
		databaseUrl: vars.DATABASE_URL,
		dbPoolMax: vars.TORA_DB_POOL_MAX ?? (runtime === 'server' ? 10 : 1),
		dbPrepare: vars.TORA_DB_PREPARE,
		dataDir: vars.TORA_DATA_DIR === undefined ? undefined : resolve(vars.TORA_DATA_DIR),
		embeddedTcpPort: vars.TORA_EMBEDDED_TCP_PORT,
		embeddedIdleInTransactionMs: vars.TORA_EMBEDDED_IDLE_IN_TRANSACTION_MS,
		host: vars.HOST,
		port: vars.PORT,
		apiOnly: vars.TORA_API_ONLY,
		auth: authSetupOf(vars, netlifyProduction),
		supabaseUrl: vars.SUPABASE_URL,
		localJwtSecret: vars.TORA_JWT_SECRET,
		publicUrl: vars.TORA_PUBLIC_URL,
		allowedHosts: vars.TORA_ALLOWED_HOSTS,
		corsOrigins: vars.TORA_CORS_ORIGINS,
		exportTimeoutMs: exportTimeout.ok
			? { ok: true, value: exportTimeout.value ?? DEFAULT_EXPORT_TIMEOUT_MS }
			: exportTimeout,
		crashedAfterMinutes: vars.TORA_CRASHED_AFTER_MINUTES,
		consoleMaxBytes: withDefault(vars.TORA_CONSOLE_MAX_BYTES, DEFAULT_CONSOLE_MAX_BYTES),
		storage: storageSetupOf(vars, netlifyProduction),
		artifactMaxBytes: withDefault(vars.TORA_ARTIFACT_MAX_BYTES, DEFAULT_ARTIFACT_MAX_BYTES),
		artifactQuotaBytes: withDefault(vars.TORA_ARTIFACT_QUOTA_BYTES, DEFAULT_ARTIFACT_QUOTA_BYTES),
		authFailuresPerIp: vars.TORA_AUTH_FAILURES_PER_IP,
		authFailuresPerKey: vars.TORA_AUTH_FAILURES_PER_KEY,
		trustedProxies: vars.TORA_TRUSTED_PROXIES
	};
}

/**
 * Which sign-in this deployment offers. Local mode is only ever explicit (`TORA_AUTH=local`) and
 * is refused on Netlify, so a production deployment can never silently accept password-less
 * sign-in.
 */
function authSetupOf(vars: z.output<typeof EnvSchema>, netlifyProduction: boolean): AuthSetup {
	const requested = vars.TORA_AUTH;
	if (requested === 'local') {
		if (netlifyProduction) {
			return {
				mode: 'disabled',
				problem:
					'TORA_AUTH=local is refused on Netlify: unset it and set SUPABASE_URL, SUPABASE_ANON_KEY and SUPABASE_JWT_SECRET.'
			};
		}
		return { mode: 'local' };
	}
	if (requested !== undefined && requested !== 'supabase') {
		return { mode: 'disabled', problem: `TORA_AUTH must be "local" or "supabase", not "${requested}".` };
	}
	if (vars.SUPABASE_URL) {
		const anonKey = vars.SUPABASE_ANON_KEY;
		if (!anonKey) return { mode: 'disabled', problem: 'SUPABASE_URL is set but SUPABASE_ANON_KEY is not.' };
		return {
			mode: 'supabase',
			supabaseUrl: vars.SUPABASE_URL.replace(/\/+$/, ''),
			anonKey,
			jwtSecret: vars.SUPABASE_JWT_SECRET
		};
	}
	return {
		mode: 'disabled',
		problem:
			'Authentication is not configured: set SUPABASE_URL and SUPABASE_ANON_KEY (Supabase Auth), or TORA_AUTH=local for a single-user install.'
	};
}

/**
 * Artifact storage: `TORA_STORAGE=filesystem|supabase`; unset, Supabase Storage on Netlify (a
 * function's disk does not last) and the data directory elsewhere.
 */
function storageSetupOf(vars: z.output<typeof EnvSchema>, netlifyProduction: boolean): StorageSetup {
	const requested = vars.TORA_STORAGE ?? (netlifyProduction ? 'supabase' : 'filesystem');
	if (requested === 'filesystem') {
		if (netlifyProduction) {
			return { kind: 'disabled', problem: 'TORA_STORAGE=filesystem is refused on Netlify: use supabase.' };
		}
		return { kind: 'filesystem' };
	}
	if (requested !== 'supabase') {
		return {
			kind: 'disabled',
			problem: `TORA_STORAGE must be "filesystem" or "supabase", not "${requested}".`
		};
	}
	if (!vars.SUPABASE_URL || !vars.SUPABASE_SERVICE_ROLE_KEY) {
		return {
			kind: 'disabled',
			problem: 'Artifact storage in Supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY.'
		};
	}
	return {
		kind: 'supabase',
		supabaseUrl: vars.SUPABASE_URL.replace(/\/+$/, ''),
		serviceKey: vars.SUPABASE_SERVICE_ROLE_KEY,
		bucket: vars.TORA_STORAGE_BUCKET
	};
}

let runtimeConfig: ToraConfig | undefined;

/** This process's configuration: the one the single server handed over, else from process.env. */
export function getConfig(): ToraConfig {
	runtimeConfig ??= loadConfig();
	return runtimeConfig;
}

/**
 * Replaces this process's configuration: once by the single server before it loads the function
 * modules, and by tests (tests/support/config.ts) that run the functions under another setup.
 */
export function setRuntimeConfig(config: ToraConfig): void {
	runtimeConfig = config;
}

/** True inside a deployed Netlify Function (not `netlify dev`). */
export function onNetlifyProduction(): boolean {
	return getConfig().netlifyProduction;
}

/** The sign-in setup (see `authSetupOf`). */
export function authSetup(): AuthSetup {
	return getConfig().auth;
}

/** The auth setup, or a 503 explaining what to configure. */
export function enabledAuthSetup(): Exclude<AuthSetup, { mode: 'disabled' }> {
	const setup = authSetup();
	if (setup.mode === 'disabled') throw new ApiError(503, 'UNAVAILABLE', setup.problem);
	return setup;
}
