/**
 * Environment access for functions. Read lazily (never at import time) so the single server can
 * set up the embedded database before the first request, and fail fast with a message that says
 * exactly which variable to set.
 */
import { ApiError } from './errors.ts';

export class ConfigError extends Error {}

export function requireEnv(name: string, why: string): string {
	const value = process.env[name];
	if (!value) throw new ConfigError(`${name} is not set: ${why}`);
	return value;
}

export function optionalEnv(name: string): string | undefined {
	const value = process.env[name];
	return value === undefined || value === '' ? undefined : value;
}

/** True inside a deployed Netlify Function (not `netlify dev`). */
export function onNetlifyProduction(): boolean {
	if (process.env.NETLIFY_DEV === 'true') return false;
	return process.env.NETLIFY === 'true' || Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
}

export type AuthSetup =
	| { mode: 'supabase'; supabaseUrl: string; anonKey: string; jwtSecret: string | undefined }
	| { mode: 'local' }
	| { mode: 'disabled'; problem: string };

/**
 * Which sign-in this deployment offers. Local mode is only ever explicit (`TORA_AUTH=local`) and
 * is refused on Netlify, so a production deployment can never silently accept password-less
 * sign-in.
 */
export function authSetup(): AuthSetup {
	const supabaseUrl = optionalEnv('SUPABASE_URL');
	const requested = optionalEnv('TORA_AUTH');
	if (requested === 'local') {
		if (onNetlifyProduction()) {
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
	if (supabaseUrl) {
		const anonKey = optionalEnv('SUPABASE_ANON_KEY');
		if (!anonKey) return { mode: 'disabled', problem: 'SUPABASE_URL is set but SUPABASE_ANON_KEY is not.' };
		return {
			mode: 'supabase',
			supabaseUrl: supabaseUrl.replace(/\/+$/, ''),
			anonKey,
			jwtSecret: optionalEnv('SUPABASE_JWT_SECRET')
		};
	}
	return {
		mode: 'disabled',
		problem:
			'Authentication is not configured: set SUPABASE_URL and SUPABASE_ANON_KEY (Supabase Auth), or TORA_AUTH=local for a single-user install.'
	};
}

/** The auth setup, or a 503 explaining what to configure. */
export function enabledAuthSetup(): Exclude<AuthSetup, { mode: 'disabled' }> {
	const setup = authSetup();
	if (setup.mode === 'disabled') throw new ApiError(503, 'UNAVAILABLE', setup.problem);
	return setup;
}

export const TORA_VERSION = '0.1.0';
