/**
 * `tora snapshot`: one self-contained HTML file of one or more runs (or a saved view's runs) that
 * opens offline in any browser, with working charts: the same file as the site's "Download as
 * HTML".
 */
import { writeFileSync } from 'node:fs';
import { Api, CliError } from './cli-api.js';
import { listRuns, resolveExperiment } from './cli-list.js';
import { printable } from './cli-format.js';
import { collectSnapshot, type SnapshotExperimentRead, type SnapshotSource } from './snapshot/collect.js';
import { MAX_SNAPSHOT_RUNS } from './snapshot/data.js';
import { renderSnapshot, snapshotFileName } from './snapshot/render.js';
import type { WireWorkspace } from './wire.js';

/** Runs a view's snapshot holds unless --limit says otherwise: a readable comparison. */
export const DEFAULT_VIEW_RUNS = 10;

interface SavedView {
	id: string;
	name: string;
	workspace_id: string;
	state: { filter?: string; sort?: string; order?: 'asc' | 'desc' };
}

export interface SnapshotOptions {
	experiments: string[];
	view?: string;
	limit?: number;
	title?: string;
	output?: string;
}

/** The API as a snapshot reads it, with the CLI's retries and messages. */
export function apiSource(api: Api): SnapshotSource {
	return {
		experiment: (id) =>
			api.call<SnapshotExperimentRead>(
				'GET',
				`/experiments/${encodeURIComponent(id)}`,
				undefined,
				`experiment ${id} not found`
			),
		series: (body) => api.call('POST', '/series', body)
	};
}

/** A saved view by id or name, in any workspace the key can see. */
async function findView(api: Api, idOrName: string): Promise<SavedView> {
	const workspaces = await api.call<WireWorkspace[]>('GET', '/workspaces');
	const matches: SavedView[] = [];
	for (const workspace of workspaces) {
		const views = await api.call<SavedView[]>('GET', `/workspaces/${encodeURIComponent(workspace.id)}/views`);
		matches.push(...views.filter((view) => view.id === idOrName || view.name === idOrName));
	}
	if (matches.length === 1) return matches[0];
	if (matches.length === 0)
		throw new CliError(`no saved view ${JSON.stringify(idOrName)} is visible with this key`);
	const lines = matches.map((view) => `  ${view.id}  workspace ${view.workspace_id}`);
	throw new CliError(
		`${matches.length} views are named ${JSON.stringify(idOrName)}; pass one's id:\n${lines.join('\n')}`
	);
}

async function viewRuns(
	api: Api,
	idOrName: string,
	limit: number
): Promise<{ ids: string[]; title: string }> {
	const view = await findView(api, idOrName);
	const { runs } = await listRuns(api, {
		workspace: view.workspace_id,
		filter: view.state.filter || undefined,
		sort: view.state.sort || undefined,
		order: view.state.order,
		columns: [],
		tags: [],
		limit
	});
	if (runs.length === 0) throw new CliError(`the view ${JSON.stringify(view.name)} matches no runs`);
	return { ids: runs.map(({ run }) => run.id), title: view.name };
}

export async function snapshot(api: Api, options: SnapshotOptions): Promise<string> {
	const limit = options.limit ?? DEFAULT_VIEW_RUNS;
	if (limit < 1 || limit > MAX_SNAPSHOT_RUNS)
		throw new CliError(`--limit must be 1 to ${MAX_SNAPSHOT_RUNS}`, 2);
	const ids: string[] = [];
	let title = options.title;
	if (options.view !== undefined) {
		const fromView = await viewRuns(api, options.view, limit);
		ids.push(...fromView.ids);
		title ??= fromView.title;
	}
	for (const idOrName of options.experiments) ids.push(await resolveExperiment(api, idOrName));
	if (ids.length > MAX_SNAPSHOT_RUNS) {
		throw new CliError(`a snapshot holds at most ${MAX_SNAPSHOT_RUNS} runs, got ${ids.length}`, 2);
	}
	const data = await collectSnapshot(apiSource(api), ids, { title });
	const html = renderSnapshot(data);
	const path = options.output ?? snapshotFileName(data);
	writeFileSync(path, html);
	const kilobytes = (Buffer.byteLength(html) / 1024).toFixed(1);
	console.log(
		`Wrote ${printable(path)} (${kilobytes} KB): ${data.runs.length} run${data.runs.length === 1 ? '' : 's'}, ${data.metrics.length} metric${data.metrics.length === 1 ? '' : 's'}.`
	);
	if (data.reason) console.log(printable(data.reason));
	return path;
}
