import adapter from '@sveltejs/adapter-static';
import { fileURLToPath } from 'node:url';
import { writeHeadersFile } from '../server/site-headers.mjs';

const pages = 'build';
const staticAdapter = adapter({
	pages,
	assets: pages,
	fallback: '200.html',
	precompress: false,
	strict: true
});

/** @type {import('@sveltejs/kit').Config} */
const config = {
	kit: {
		// adapter-static, then `build/_headers` for Netlify: the pages' CSP needs the hashes of the
		// inline scripts just written, and the Supabase URL the build is made for.
		adapter: {
			...staticAdapter,
			async adapt(builder) {
				await staticAdapter.adapt(builder);
				writeHeadersFile(fileURLToPath(new URL(pages, import.meta.url)));
			}
		},
		// Absolute asset paths: a route's prerendered shell (experiments/shell.html) is served at
		// other URLs too (netlify.toml, server/static-files.ts).
		paths: { relative: false },
		alias: {
			$contracts: '../functions/_lib/contracts'
		}
	}
};

export default config;
