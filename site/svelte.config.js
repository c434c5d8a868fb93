import adapter from '@sveltejs/adapter-static';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	kit: {
		adapter: adapter({
			pages: 'build',
			assets: 'build',
			fallback: '200.html',
			precompress: false,
			strict: true
		}),
		alias: {
			$contracts: '../functions/_lib/contracts'
		},
		prerender: {
			handleHttpError: ({ path, message }) => {
				// The landing page links /docs before that route exists; every other broken link fails the build.
				if (path === '/docs') return;
				throw new Error(message);
			}
		}
	}
};

export default config;
