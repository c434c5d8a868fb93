/**
 * Boots the single server: database (embedded or DATABASE_URL) → migrations → function modules →
 * HTTP. Shared by `npm run dev` (Vite middleware) and `npm start` (prebuilt site), which each
 * build the configuration from the environment and pass it in.
 */
import { setRuntimeConfig, type Environment, type ToraConfig } from '../functions/_lib/config.ts';
import { closeDb } from '../functions/_lib/db.ts';
import { createApp, type SiteHandler } from './app.ts';
import { authRateLimitFromConfig } from './auth-rate-limit.ts';
import { prepareDatabase, withDatabase } from './database.ts';
import { functionsDir } from './paths.ts';
import { loadRoutes } from './routes.ts';

export const log = (line: string) => console.log(`[tora] ${line}`);

export interface ServeOptions {
	/** From the environment (`loadConfig(env, 'server')`); completed here with the prepared database. */
	config: ToraConfig;
	/** Builds the site handler once the database is ready (Vite needs its own start-up). */
	site: (server: import('node:http').Server) => Promise<{ handler: SiteHandler; close(): Promise<void> }>;
}

export async function serve({ config, site }: ServeOptions): Promise<void> {
	const database = await prepareDatabase(config, log);
	// Handed over before any function module is loaded: they read this, never the environment.
	setRuntimeConfig(withDatabase(config, database));
	const routes = await loadRoutes(functionsDir);

	// Vite's HMR attaches to the HTTP server, so the site handler is built after the server.
	const handlers: { site?: SiteHandler } = {};
	const server = createApp({
		routes,
		site: (req, res, pathname) => handlers.site!(req, res, pathname),
		authRateLimit: authRateLimitFromConfig(config)
	});
	const siteServer = await site(server);
	handlers.site = siteServer.handler;

	const { host, port } = config;
	await new Promise<void>((resolveListen, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => resolveListen());
	});
	const address = server.address();
	const actualPort = typeof address === 'object' && address ? address.port : port;
	log(`${routes.length} API routes from functions/`);
	console.log(`\n  Tora is running at http://${host.includes(':') ? `[${host}]` : host}:${actualPort}/\n`);

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		log(`${signal}: shutting down`);
		// In-flight responses too: a download still streaming is cut, which cancels its body, so an
		// export stops before its next page instead of keeping the shutdown waiting.
		server.closeAllConnections();
		await new Promise((r) => server.close(r));
		await siteServer.close();
		// A query still running gets a second, not the pool's usual five.
		await closeDb(1);
		await database.stop();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('SIGINT'));
	process.on('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * `npm run dev` and `npm run dev:netlify` sign in locally unless told otherwise: the environment
 * with `TORA_AUTH=local` added when neither `TORA_AUTH` nor `SUPABASE_URL` is set.
 */
export function localAuthByDefault(env: Environment): Environment {
	return env.TORA_AUTH || env.SUPABASE_URL ? env : { ...env, TORA_AUTH: 'local' };
}

export function fail(error: unknown): never {
	console.error(`[tora] could not start: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
}
