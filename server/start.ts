/**
 * `npm start`: the production single server over the prebuilt site (site/build). It refuses to
 * start without an authentication setup; `TORA_AUTH=local` is honoured only when given explicitly.
 * `npm start` runs this file compiled (`npm run build` → build/server/start.js); tests and tools run
 * the source through tsx (`node --import tsx server/start.ts`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../functions/_lib/config.ts';
import { siteBuildDir } from './paths.ts';
import { fail, log, serve } from './serve.ts';
import { createStaticHandler } from './static-files.ts';

const config = loadConfig(process.env, 'server');
const { auth, apiOnly } = config;
if (auth.mode === 'disabled') fail(auth.problem);
if (auth.mode === 'local') {
	console.warn(
		'[tora] WARNING: TORA_AUTH=local — anyone who can reach this server can sign in as any email. Use it only on a machine you trust.'
	);
}
// API only (SDK tests, headless installs): no site is served, so none needs to be built.
if (!apiOnly && !existsSync(join(siteBuildDir, 'index.html')))
	fail('site/build is missing: run `npm run build` first.');

serve({
	config,
	site: async () => {
		if (apiOnly) {
			log('site: none (TORA_API_ONLY=1)');
			return {
				handler: (_req, res) => void res.writeHead(404).end('Not found (API only)'),
				close: async () => {}
			};
		}
		log(`site: ${siteBuildDir}`);
		return { handler: createStaticHandler(siteBuildDir), close: async () => {} };
	}
}).catch(fail);
