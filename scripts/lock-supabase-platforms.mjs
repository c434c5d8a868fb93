#!/usr/bin/env node
/**
 * The npm registry reachable here serves only the Linux x64 build of the Supabase CLI, so
 * `npm install` leaves the CLI's other platform packages out of package-lock.json and `npm ci`
 * then refuses the lock as out of sync. This records them as optional, platform-bound entries:
 * npm ci skips them by os/cpu without fetching. Run it after any `npm install` that rewrites the
 * lock (`npm run lock:fix`).
 */
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const cli = lock.packages['node_modules/supabase'];
const platforms = {
	'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
	'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
	'linux-arm64': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
	'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
	'linux-x64': { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
	'linux-x64-musl': { os: ['linux'], cpu: ['x64'], libc: ['musl'] },
	'windows-arm64': { os: ['win32'], cpu: ['arm64'] },
	'windows-x64': { os: ['win32'], cpu: ['x64'] }
};
let added = 0;
for (const [name, version] of Object.entries(cli.optionalDependencies ?? {})) {
	const key = `node_modules/${name}`;
	if (lock.packages[key]) continue;
	const platform = platforms[name.replace('@supabase/cli-', '')];
	if (!platform) throw new Error(`unknown Supabase CLI platform package ${name}`);
	lock.packages[key] = { version, ...platform, dev: true, license: 'MIT', optional: true };
	added++;
}
const sorted = Object.fromEntries(
	Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
);
lock.packages = sorted;
writeFileSync(lockPath, JSON.stringify(lock, null, '\t') + '\n');
console.log(`package-lock.json: recorded ${added} Supabase CLI platform package(s)`);
