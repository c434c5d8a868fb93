import { authSetup, TORA_VERSION } from './_lib/config.ts';
import type { PublicConfig } from './_lib/contracts/auth.ts';
import { json, methods, type FunctionConfig } from './_lib/http.ts';

/** What the site needs to know about this deployment, so one static build serves any of them. */
export default methods({
	GET: async () => {
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
});

export const config: FunctionConfig = { path: '/api/config', method: ['GET'] };
