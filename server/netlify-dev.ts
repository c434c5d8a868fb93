/**
 * `npm run dev:netlify`: the real `netlify dev` over the same functions and site. Netlify's
 * runtime knows nothing of our embedded database, so this starts it (unless DATABASE_URL is set),
 * applies migrations, and hands the URL to `netlify dev` and the functions it runs.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../functions/_lib/config.ts';
import { prepareDatabase } from './database.ts';
import { repoRoot } from './paths.ts';
import { fail, localAuthByDefault, log } from './serve.ts';

const env = localAuthByDefault(process.env);
const config = loadConfig(env);
const database = await prepareDatabase(config, log).catch(fail);
const port = String(config.port);

const netlify = spawn(
	join(repoRoot, 'node_modules/.bin/netlify'),
	// Edge functions need Deno downloaded on first request; we have none, so they are disabled.
	['dev', '--offline', '--internal-disable-edge-functions', '--port', port, ...process.argv.slice(2)],
	{
		cwd: repoRoot,
		stdio: 'inherit',
		// The functions `netlify dev` runs read their configuration from this environment.
		env: {
			...env,
			DATABASE_URL: database.url,
			// The embedded database has one shared session: no named prepared statements in it.
			...(database.embedded ? { TORA_DB_PREPARE: 'false' } : {}),
			NETLIFY_DEV: 'true',
			BROWSER: 'none'
		}
	}
);

const stop = async (code: number) => {
	await database.stop();
	process.exit(code);
};
netlify.on('exit', (code) => void stop(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => netlify.kill(signal));
}
