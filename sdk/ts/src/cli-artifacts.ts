/**
 * `tora artifacts ls|put|get`: a run's stored files from the command line, through the same
 * upload and download code as `logArtifact` (sdk/ts/src/artifacts.ts).
 */
import type { Api } from './cli-api.js';
import { formatBytes, shortDate, table } from './cli-format.js';
import {
	artifactFiles,
	downloadArtifacts,
	listArtifacts,
	uploadFile,
	type WireArtifact
} from './artifacts.js';

const RETRY = { budgetMs: 60_000 };

export async function artifactsLs(api: Api, experimentId: string): Promise<WireArtifact[]> {
	return listArtifacts(api.http, experimentId, RETRY);
}

export function artifactTable(artifacts: WireArtifact[]): string {
	return table(
		['SIZE', 'SHA256', 'STORED', 'PATH'],
		artifacts.map((a) => [
			formatBytes(a.size),
			a.sha256.slice(0, 12),
			shortDate(a.completed_at ?? a.created_at),
			a.path
		])
	);
}

/** Uploads a file or a directory; one line per file on stderr. */
export async function artifactsPut(
	api: Api,
	experimentId: string,
	source: string,
	options: { name?: string; overwrite?: boolean }
): Promise<WireArtifact[]> {
	const stored: WireArtifact[] = [];
	for (const item of await artifactFiles(source, options.name)) {
		const artifact = await uploadFile(api.http, experimentId, item, {
			overwrite: options.overwrite,
			retry: RETRY
		});
		process.stderr.write(`stored ${artifact.path} (${formatBytes(artifact.size)})\n`);
		stored.push(artifact);
	}
	return stored;
}

export async function artifactsGet(
	api: Api,
	experimentId: string,
	name: string,
	out: string | undefined
): Promise<string[]> {
	const target = out ?? name.replace(/\/+$/, '').split('/').pop()!;
	const written = await downloadArtifacts(api.http, experimentId, name, target, RETRY);
	return written.map((w) => w.file);
}
