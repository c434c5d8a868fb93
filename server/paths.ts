/** Absolute paths of the repository's parts, independent of the working directory. */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { ToraConfig } from '../functions/_lib/config.ts';

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const functionsDir = resolve(repoRoot, 'functions');
export const migrationsDir = resolve(repoRoot, 'supabase/migrations');
export const siteDir = resolve(repoRoot, 'site');
export const siteBuildDir = resolve(siteDir, 'build');

/** `TORA_DATA_DIR`, else `.tora/` in the repository. */
export function dataDir(config: ToraConfig): string {
	return config.dataDir ?? resolve(repoRoot, '.tora');
}
