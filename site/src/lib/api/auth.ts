import type { LocalSignInBody, PublicConfig, Session } from '$contracts/auth';
import type { Caller } from './caller';
import { apiPath } from './transport';

/** The calls made before there is a session: they never carry a token. */
export function authApi(call: Caller) {
	return {
		/** `GET /api/config`: the auth mode and, for Supabase, its public URL and anon key. */
		config: () => call.json<PublicConfig>('GET', apiPath('config')),
		/** `POST /api/auth/local`: local mode's sign-in by email. */
		signInLocal: (body: LocalSignInBody) => call.json<Session>('POST', apiPath('auth', 'local'), { body })
	};
}
