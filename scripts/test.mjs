#!/usr/bin/env node
/**
 * `npm test`: every layer in turn, stopping at the first that fails.
 *   0. svelte-kit sync (generates the site's tsconfig that unit tests of the site need)
 *   1. unit + integration (vitest): real handlers, real servers, a real database
 *      (embedded PGlite, or a fresh database on DATABASE_URL's server when it is set)
 *   2. end to end (Playwright + Debian Chromium) against the built site and the single server
 *   3. the Python SDK's unittest suite against a live single server it starts itself
 * Prints one closing line, "N passed, N failed", counting layers.
 */
import { spawnSync } from 'node:child_process';

const layers = [
	// Site unit tests resolve site/tsconfig.json, which extends the generated .svelte-kit one; a
	// fresh clone has not generated it yet.
	{ name: 'svelte-kit sync', command: 'npx', args: ['svelte-kit', 'sync'], cwd: 'site' },
	{ name: 'unit + integration', command: 'npx', args: ['vitest', 'run'] },
	{ name: 'site build', command: 'npm', args: ['run', 'build'] },
	{ name: 'end to end', command: 'npx', args: ['playwright', 'test'] },
	// Starts and stops its own single server (TORA_API_ONLY) to test retries across a restart.
	{
		name: 'python sdk',
		command: 'python3',
		args: ['-m', 'unittest', 'discover', '-s', 'tests', '-v'],
		cwd: 'sdk/python'
	}
];

let passed = 0;
let failed = 0;
for (const layer of layers) {
	console.log(`\n=== ${layer.name}: ${layer.command} ${layer.args.join(' ')}\n`);
	const started = Date.now();
	const result = spawnSync(layer.command, layer.args, { stdio: 'inherit', cwd: layer.cwd });
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	if (result.status === 0) {
		passed++;
		console.log(`\n=== ${layer.name}: passed in ${seconds} s`);
	} else {
		failed++;
		console.error(`\n=== ${layer.name}: FAILED (exit ${result.status ?? result.signal}) after ${seconds} s`);
		break;
	}
}
console.log(`\nlayers: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
