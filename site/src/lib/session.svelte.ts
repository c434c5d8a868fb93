import type { AuthMode, PublicConfig, UserSummary } from '$contracts/auth';
import type { Session as SupabaseSession, SupabaseClient } from '@supabase/supabase-js';
import { publicApi } from './api/public';

export type StoredSession = {
	mode: AuthMode;
	accessToken: string;
	/** ISO timestamp. */
	expiresAt: string;
	user: UserSummary;
};

export type SignUpResult = 'signed-in' | 'confirm-email';

const STORAGE_KEY = 'tora.session';
// Renew a little early so a token never expires while a request is in flight.
const EXPIRY_MARGIN_MS = 30_000;

class SessionStore {
	/** False until the browser has read localStorage, so prerendered and hydrated markup agree. */
	ready = $state(false);
	current = $state<StoredSession | null>(null);
	config = $state<PublicConfig | null>(null);
	// Derived, so effects keyed on it do not re-run when a renewal swaps the token.
	signedIn = $derived(this.current !== null);

	#config: Promise<PublicConfig> | null = null;
	#supabase: Promise<SupabaseClient> | null = null;
	#renewal: Promise<string | null> | null = null;

	/** Browser only; idempotent. */
	init() {
		if (this.ready) return;
		this.current = readStored();
		this.ready = true;
		// Signing in or out in one tab applies to all of them.
		addEventListener('storage', (event) => {
			if (event.key === STORAGE_KEY) this.current = readStored();
		});
	}

	/** `GET /api/config` once per page load; a failure is not cached so callers can retry. */
	loadConfig(): Promise<PublicConfig> {
		this.#config ??= publicApi.config().then(
			(config) => {
				this.config = config;
				// A session minted under the other auth mode is meaningless to this server.
				if (this.current && this.current.mode !== config.authMode) this.#store(null);
				return config;
			},
			(error: unknown) => {
				this.#config = null;
				throw error;
			}
		);
		return this.#config;
	}

	async signInLocal(email: string): Promise<void> {
		const session = await publicApi.signInLocal({ email });
		this.#store({
			mode: 'local',
			accessToken: session.access_token,
			expiresAt: session.expires_at,
			user: session.user
		});
	}

	async signInWithPassword(email: string, password: string): Promise<void> {
		const client = await this.#supabaseClient();
		const { data, error } = await client.auth.signInWithPassword({ email, password });
		if (error) throw error;
		this.#adoptSupabase(data.session);
	}

	async signUp(email: string, password: string): Promise<SignUpResult> {
		const client = await this.#supabaseClient();
		const { data, error } = await client.auth.signUp({ email, password });
		if (error) throw error;
		// No session means the project requires the email address to be confirmed first.
		if (!data.session) return 'confirm-email';
		this.#adoptSupabase(data.session);
		return 'signed-in';
	}

	/** The bearer token for the next API call, renewed if it is about to expire; null if signed out. */
	async accessToken(): Promise<string | null> {
		const stored = this.current;
		if (!stored) return null;
		if (stored.mode === 'supabase') {
			// getSession() refreshes an expired access token with the refresh token.
			const { data } = await (await this.#supabaseClient()).auth.getSession();
			if (!data.session) this.clear();
			return data.session?.access_token ?? null;
		}
		if (Date.parse(stored.expiresAt) - Date.now() > EXPIRY_MARGIN_MS) return stored.accessToken;
		return this.renew();
	}

	/**
	 * Gets a fresh token without user interaction: local mode signs in again with the stored
	 * email, Supabase mode uses the refresh token. Concurrent callers share one attempt.
	 */
	renew(): Promise<string | null> {
		this.#renewal ??= this.#renewOnce().finally(() => {
			this.#renewal = null;
		});
		return this.#renewal;
	}

	async #renewOnce(): Promise<string | null> {
		const stored = this.current;
		if (!stored) return null;
		try {
			if (stored.mode === 'local') {
				await this.signInLocal(stored.user.email);
			} else {
				const { data } = await (await this.#supabaseClient()).auth.refreshSession();
				this.#adoptSupabase(data.session);
			}
		} catch {
			this.clear();
		}
		return this.current?.accessToken ?? null;
	}

	/** Forgets the session in this browser only, e.g. after the API rejected it. */
	clear() {
		this.#store(null);
		void this.#supabase?.then((client) => client.auth.signOut({ scope: 'local' }));
	}

	async signOut(): Promise<void> {
		if (this.current?.mode === 'supabase') {
			// Revokes the refresh token too; the local copy goes even if that call fails.
			await (await this.#supabaseClient()).auth.signOut().catch(() => undefined);
		}
		this.#store(null);
	}

	#store(session: StoredSession | null) {
		this.current = session;
		if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
		else localStorage.removeItem(STORAGE_KEY);
	}

	#adoptSupabase(session: SupabaseSession | null) {
		this.#store(
			session && {
				mode: 'supabase',
				accessToken: session.access_token,
				expiresAt: new Date((session.expires_at ?? 0) * 1000).toISOString(),
				user: { id: session.user.id, email: session.user.email ?? '' }
			}
		);
	}

	#supabaseClient(): Promise<SupabaseClient> {
		this.#supabase ??= this.#createSupabaseClient().catch((error: unknown) => {
			this.#supabase = null;
			throw error;
		});
		return this.#supabase;
	}

	// supabase-js is loaded on demand so pages that never talk to Supabase (the landing page,
	// everything in local mode) do not download it.
	async #createSupabaseClient(): Promise<SupabaseClient> {
		const config = await this.loadConfig();
		if (config.authMode !== 'supabase' || !config.supabaseUrl || !config.supabaseAnonKey) {
			throw new Error('This server does not use Supabase sign-in.');
		}
		const { createClient } = await import('@supabase/supabase-js');
		const client = createClient(config.supabaseUrl, config.supabaseAnonKey, {
			auth: { storageKey: 'tora.supabase' }
		});
		// Keeps our copy (and so the header and bearer token) in step with refreshes and sign-outs.
		client.auth.onAuthStateChange((_event, session) => this.#adoptSupabase(session));
		return client;
	}
}

/** The session kept in this browser, read directly (the store's `current` is null until `init()`). */
export function readStored(): StoredSession | null {
	try {
		const value: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
		return isStoredSession(value) ? value : null;
	} catch {
		return null;
	}
}

function isStoredSession(value: unknown): value is StoredSession {
	if (!value || typeof value !== 'object') return false;
	const s = value as Partial<StoredSession>;
	return (
		(s.mode === 'local' || s.mode === 'supabase') &&
		typeof s.accessToken === 'string' &&
		typeof s.expiresAt === 'string' &&
		typeof s.user?.id === 'string' &&
		typeof s.user.email === 'string'
	);
}

export const session = new SessionStore();
