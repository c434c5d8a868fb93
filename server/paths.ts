/** Absolute paths of the repository's parts, independent of the working directory. */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const functionsDir = resolve(repoRoot, 'functions');
export const migrationsDir = resolve(repoRoot, 'supabase/migrations');
export const siteDir = resolve(repoRoot, 'site');
export const siteBuildDir = resolve(siteDir, 'build');

export function dataDir(): string {
	return process.env.TORA_DATA_DIR ? resolve(process.env.TORA_DATA_DIR) : resolve(repoRoot, '.tora');
}
