import type { Config } from '@netlify/functions';
import { authSetup, getConfig, TORA_VERSION } from './_lib/config.ts';
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
				'200 `{authMode: "local"|"supabase"|"disabled", authProblem, supabaseUrl, supabaseAnonKey, version, artifacts: {storage, maxFileBytes, quotaBytes}}`'
		},
		handle: async () => {
			const setup = authSetup();
			const { storage, artifactMaxBytes, artifactQuotaBytes } = getConfig();
			const data: PublicConfig = {
				authMode: setup.mode,
				authProblem: setup.mode === 'disabled' ? setup.problem : null,
				supabaseUrl: setup.mode === 'supabase' ? setup.supabaseUrl : null,
				supabaseAnonKey: setup.mode === 'supabase' ? setup.anonKey : null,
				version: TORA_VERSION,
				artifacts: {
					storage: storage.kind,
					maxFileBytes: artifactMaxBytes.ok ? artifactMaxBytes.value : null,
					quotaBytes: artifactQuotaBytes.ok ? artifactQuotaBytes.value : null
				}
			};
			return json(data, 200, { 'cache-control': 'no-store' });
		}
	})
});
