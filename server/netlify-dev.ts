/**
 * `npm run dev:netlify`: the real `netlify dev` over the same functions and site. Netlify's
 * runtime knows nothing of our embedded database, so this starts it (unless DATABASE_URL is set),
 * applies migrations, and hands the URL to `netlify dev` and the functions it runs.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { prepareDatabase } from './database.ts';
import { repoRoot } from './paths.ts';
import { fail, log } from './serve.ts';

if (!process.env.SUPABASE_URL && !process.env.TORA_AUTH) process.env.TORA_AUTH = 'local';
const database = await prepareDatabase(log).catch(fail);
const port = process.env.PORT || '8888';

const netlify = spawn(
	join(repoRoot, 'node_modules/.bin/netlify'),
	// Edge functions need Deno downloaded on first request; we have none, so they are disabled.
	['dev', '--offline', '--internal-disable-edge-functions', '--port', port, ...process.argv.slice(2)],
	{
		cwd: repoRoot,
		stdio: 'inherit',
		env: { ...process.env, DATABASE_URL: database.url, NETLIFY_DEV: 'true', BROWSER: 'none' }
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
