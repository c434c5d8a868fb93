/**
 * Absolute paths of the repository's parts, independent of the working directory. This module runs
 * from its TypeScript source (tsx, Vite, Vitest: server/paths.ts) or compiled into the production
 * server (`npm run build`: a file in build/server/, scripts/build-server.mjs), which loads the
 * compiled function modules instead of functions/*.mts.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { ToraConfig } from '../functions/_lib/config.ts';

const moduleDir = fileURLToPath(new URL('.', import.meta.url));
const compiled = !import.meta.url.endsWith('.ts');

export const repoRoot = resolve(moduleDir, compiled ? '../..' : '..');
export const functionsDir = compiled ? resolve(moduleDir, 'functions') : resolve(repoRoot, 'functions');
export const migrationsDir = resolve(repoRoot, 'supabase/migrations');
export const siteDir = resolve(repoRoot, 'site');
export const siteBuildDir = resolve(siteDir, 'build');

/** `TORA_DATA_DIR`, else `.tora/` in the repository. */
export function dataDir(config: ToraConfig): string {
	return config.dataDir ?? resolve(repoRoot, '.tora');
}
