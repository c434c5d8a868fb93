#!/usr/bin/env node
/**
 * Compiles the production single server to plain JavaScript (`npm run build` runs it after the
 * site): `build/server/start.js` plus every `functions/*.mts` as `build/server/functions/<name>.js`,
 * so `npm start` is `node build/server/start.js` with no TypeScript compiler at run time.
 *
 * One esbuild run with code splitting: the server and the function modules share their modules
 * (functions/_lib/*) as chunks, so module state such as the configuration the server hands over
 * (`setRuntimeConfig`) and the database pool exists once, as it does under tsx. Packages stay
 * external and load from node_modules: PGlite finds its wasm and data files beside its own code.
 * Migrations (supabase/migrations) and the site (site/build) are read at run time from the
 * repository, found from the compiled files' place (server/paths.ts).
 */
import { build } from 'esbuild';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'build', 'server');
// Built beside the target, then swapped in: a server starting from build/server meanwhile (an e2e
// run's, say) never sees a half-written or half-deleted build. Same depth as the target, so the
// relative paths inside (source maps) hold after the rename.
const outdir = join(root, 'build', `.server-${process.pid}`);

const functionEntries = readdirSync(join(root, 'functions'))
	.filter((file) => file.endsWith('.mts'))
	.map((file) => ({ in: join(root, 'functions', file), out: `functions/${file.replace(/\.mts$/, '')}` }));

const result = await build({
	absWorkingDir: root,
	entryPoints: [{ in: join(root, 'server', 'start.ts'), out: 'start' }, ...functionEntries],
	outdir,
	// Chunks beside start.js: every shared module's code sits in build/server/, two levels below the
	// root, which is how server/paths.ts finds the repository root from a compiled file.
	chunkNames: '[name]-[hash]',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	packages: 'external',
	sourcemap: 'linked',
	// Stack traces from production name the TypeScript file and line (node --enable-source-maps).
	sourcesContent: false,
	legalComments: 'none',
	logLevel: 'warning',
	metafile: true
});

// Replaced whole: files of a previous build would be loaded as routes (a deleted function's module).
// Another build may swap its own in between the two steps; the last one wins.
for (let attempt = 1; ; attempt++) {
	rmSync(target, { recursive: true, force: true });
	try {
		renameSync(outdir, target);
		break;
	} catch (error) {
		if (attempt === 3 || !['ENOTEMPTY', 'EEXIST'].includes(error.code)) throw error;
	}
}

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(
	`server build: build/server/ (${functionEntries.length} functions, ${(bytes / 1024).toFixed(0)} KB with source maps)`
);
