import type { Config } from '@netlify/functions';
import { authSetup, TORA_VERSION } from './_lib/config.ts';
import type { PublicConfig } from './_lib/contracts/auth.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';

export const config: Config = { path: '/api/config', method: ['GET'] };

/** What the site needs to know about this deployment, so one static build serves any of them. */
export default endpoint(config, 'Service and account', {
	GET: method({
		access: 'anyone',
		docs: {
			success:
				'200 `{authMode: "local"|"supabase"|"disabled", authProblem, supabaseUrl, supabaseAnonKey, version}`'
		},
		handle: async () => {
			const setup = authSetup();
			const data: PublicConfig = {
				authMode: setup.mode,
				authProblem: setup.mode === 'disabled' ? setup.problem : null,
				supabaseUrl: setup.mode === 'supabase' ? setup.supabaseUrl : null,
				supabaseAnonKey: setup.mode === 'supabase' ? setup.anonKey : null,
				version: TORA_VERSION
			};
			return json(data, 200, { 'cache-control': 'no-store' });
		}
	})
});
