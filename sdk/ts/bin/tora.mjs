#!/usr/bin/env node
/**
 * The `tora` command. A published package ships only dist/; in the repository the TypeScript
 * source is there and is run through tsx, so `npx tora` needs no build step and can never run a
 * stale dist/ left over from an earlier build.
 */
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
let cli;
if (existsSync(source)) {
	const { register } = await import('tsx/esm/api');
	register();
	cli = await import(source.href);
} else {
	cli = await import('../dist/cli.js');
}
process.exitCode = await cli.main(process.argv.slice(2));
