/**
 * `npm run dev`: the single server with Vite's dev middleware (HMR) for the site, local sign-in
 * unless Supabase is configured, and the embedded database unless DATABASE_URL is set.
 */
import { loadConfig } from '../functions/_lib/config.ts';
import { configuredHostnames } from './host-allowlist.ts';
import { siteDir } from './paths.ts';
import { fail, localAuthByDefault, log, serve } from './serve.ts';

const config = loadConfig(localAuthByDefault(process.env), 'server');

serve({
	config,
	site: async (server) => {
		// SvelteKit reads svelte.config.js from the working directory.
		process.chdir(siteDir);
		const { createServer } = await import('vite');
		const vite = await createServer({
			root: siteDir,
			// Vite refuses unknown Hosts itself; the names Tora is told to answer to are not unknown.
			server: {
				middlewareMode: true,
				hmr: { server },
				allowedHosts: [...configuredHostnames(config.publicUrl, config.allowedHosts)]
			},
			appType: 'custom'
		});
		log('site: Vite dev server (HMR) in middleware mode');
		return {
			handler: (req, res) => vite.middlewares(req, res),
			close: () => vite.close()
		};
	}
}).catch(fail);
