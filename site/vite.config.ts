import { fileURLToPath } from 'node:url';
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

// Standalone `vite dev` only (e.g. TORA_API_PROXY=http://127.0.0.1:8888): the Node server that
// normally hosts Vite in middleware mode answers /api itself.
const apiProxy = process.env.TORA_API_PROXY;

export default defineConfig({
	plugins: [tailwindcss(), sveltekit()],
	resolve: {
		// Every `import ... from 'zod'` in the browser (contracts included) goes through the module
		// that turns zod's eval-based fast path off before any schema is built (see it for why).
		alias: [
			{ find: /^zod$/, replacement: fileURLToPath(new URL('./src/lib/zod-jitless.ts', import.meta.url)) }
		]
	},
	build: {
		rollupOptions: {
			// Folds chunks under 4 KB (mostly pieces of Svelte's runtime shared by different pages)
			// into others: the dashboard asked for 32 scripts, 19 now, for about the same bytes. Over
			// HTTP/1.1 (the single server) a browser fetches six at a time, so each round costs a wait.
			output: { experimentalMinChunkSize: 4_000 }
		}
	},
	server: {
		// The `$contracts` alias points outside site/.
		fs: { allow: ['..'] },
		proxy: apiProxy ? { '/api': apiProxy } : undefined
	}
});
