/**
 * `tora experiments list` and the name lookup of `tora experiments show`: runs of one workspace,
 * or of every workspace the credential sees, filtered and sorted by the server (the run query
 * language) and paged by cursor. Across workspaces each one's list is read in order and merged
 * by the same key, so `--sort metric.loss.min --limit 5` gives the best five of them all.
 */
import { CliError, type Api } from './cli-api.js';
import { csvCell, formatNumber, shortDate, table } from './cli-format.js';
import { ToraError } from './errors.js';
import {
	compareRuns,
	defaultOrder,
	keyValue,
	nameFilter,
	parseRunKey,
	sortableOnClient,
	type KeyValue,
	type RunKey
} from './run-keys.js';
import type { WireExperimentDetail, WireExperimentPage, WireWorkspace } from './wire.js';

/** The server's largest page. */
const MAX_PAGE = 200;

export interface ListOptions {
	workspace?: string;
	filter?: string;
	sort?: string;
	order?: 'asc' | 'desc';
	/** Query-language keys whose values become columns. */
	columns: string[];
	status?: string;
	search?: string;
	tags: string[];
	/** Runs in all (across workspaces). */
	limit: number;
	/** Runs asked for per request (default and at most 200, the server's largest page). */
	pageSize?: number;
}

export interface ListedRun {
	run: WireExperimentDetail;
	/** The run's workspace, when the listing spans the credential's workspaces. */
	workspace?: WireWorkspace;
}

export interface Listing {
	runs: ListedRun[];
	/** How many workspaces were read (1 with --workspace). */
	workspaceCount: number;
	columns: Array<{ text: string; key: RunKey }>;
}

/** `a,b` → ["a", "b"], keeping commas inside quoted names (`metric."a,b".min`). */
export function splitColumns(list: string): string[] {
	const columns: string[] = [];
	let current = '';
	let quote: string | null = null;
	for (let i = 0; i < list.length; i++) {
		const c = list[i];
		if (quote) {
			if (c === '\\') current += c + (list[++i] ?? '');
			else {
				if (c === quote) quote = null;
				current += c;
			}
		} else if (c === ',') {
			if (current.trim()) columns.push(current.trim());
			current = '';
		} else {
			if (c === '"' || c === "'") quote = c;
			current += c;
		}
	}
	if (current.trim()) columns.push(current.trim());
	return columns;
}

function usageError(error: unknown): never {
	if (error instanceof ToraError) throw new CliError(error.message, 2);
	throw error;
}

/** The runs of one workspace in the server's order, page by page as they are consumed. */
async function* workspaceRuns(
	api: Api,
	workspaceId: string,
	options: ListOptions,
	order: 'asc' | 'desc' | undefined
): AsyncGenerator<WireExperimentDetail> {
	let cursor: string | null = null;
	let read = 0;
	do {
		const pageSize = Math.min(MAX_PAGE, options.pageSize ?? MAX_PAGE);
		const query = new URLSearchParams({
			limit: String(Math.min(pageSize, Math.max(1, options.limit - read)))
		});
		if (cursor) query.set('cursor', cursor);
		if (options.filter) query.set('filter', options.filter);
		if (options.sort) query.set('sort', options.sort);
		if (order) query.set('order', order);
		if (options.columns.length) query.set('columns', options.columns.join(','));
		if (options.status) query.set('status', options.status);
		if (options.search) query.set('q', options.search);
		for (const tag of options.tags) query.append('tag', tag);
		let page: WireExperimentPage;
		try {
			page = await api.call(
				'GET',
				`/workspaces/${encodeURIComponent(workspaceId)}/experiments?${query}`,
				undefined,
				`workspace ${workspaceId} not found`
			);
		} catch (error) {
			throw pointAtFilter(error, options.filter);
		}
		read += page.items.length;
		yield* page.items;
		cursor = page.next_cursor;
	} while (cursor && read < options.limit);
}

/** A filter the server refused: its message, then the filter with a caret under the column. */
function pointAtFilter(error: unknown, filter: string | undefined): unknown {
	const message = error instanceof CliError ? error.fields?.filter?.[0] : undefined;
	const column = message ? /^col (\d+):/.exec(message) : null;
	if (!(error instanceof CliError) || !filter || !column || filter.includes('\n')) return error;
	const caret = `${' '.repeat(Number(column[1]) - 1)}^`;
	return new CliError(`bad --filter: ${message}\n  ${filter}\n  ${caret}`, error.code, error.fields);
}

/** Takes `limit` runs from lists that are each in order, merged into one order. */
async function merge(
	lists: Array<{ workspace: WireWorkspace; runs: AsyncGenerator<WireExperimentDetail> }>,
	limit: number,
	compare: ((a: WireExperimentDetail, b: WireExperimentDetail) => number) | null
): Promise<ListedRun[]> {
	const out: ListedRun[] = [];
	if (!compare) {
		// No order to merge by: one workspace after the other.
		for (const { workspace, runs } of lists) {
			for await (const run of runs) {
				if (out.length >= limit) return out;
				out.push({ run, workspace });
			}
		}
		return out;
	}
	const heads = await Promise.all(
		lists.map(async (list) => ({ ...list, head: (await list.runs.next()).value ?? null }))
	);
	while (out.length < limit) {
		let best: (typeof heads)[number] | null = null;
		for (const entry of heads) {
			if (entry.head && (!best || compare(entry.head, best.head!) < 0)) best = entry;
		}
		if (!best) break;
		out.push({ run: best.head!, workspace: best.workspace });
		best.head = (await best.runs.next()).value ?? null;
	}
	return out;
}

export async function listRuns(api: Api, options: ListOptions): Promise<Listing> {
	let columns: Listing['columns'] = [];
	try {
		columns = options.columns.map((text) => ({ text, key: parseRunKey(text) }));
	} catch (error) {
		usageError(error);
	}
	if (options.workspace) {
		const runs: ListedRun[] = [];
		for await (const run of workspaceRuns(api, options.workspace, options, options.order)) {
			if (runs.length >= options.limit) break;
			runs.push({ run });
		}
		return { runs, workspaceCount: 1, columns };
	}
	const workspaces = await api.call<WireWorkspace[]>('GET', '/workspaces');
	// The sort key as the client reads it, to merge by. A key only the server understands (or the
	// creator, not in list responses) leaves the workspaces one after the other.
	let sortKey: RunKey | null = { kind: 'field', field: 'created' };
	if (options.sort) {
		try {
			sortKey = parseRunKey(options.sort);
		} catch {
			sortKey = null;
		}
	}
	if (sortKey && !sortableOnClient(sortKey)) sortKey = null;
	// Every workspace must list in the same direction for the merge.
	const order = options.order ?? (sortKey ? defaultOrder(sortKey) : undefined);
	const compare = sortKey
		? (a: WireExperimentDetail, b: WireExperimentDetail) => compareRuns(sortKey, order!, a, b)
		: null;
	const lists = workspaces.map((workspace) => ({
		workspace,
		runs: workspaceRuns(api, workspace.id, options, order)
	}));
	return { runs: await merge(lists, options.limit, compare), workspaceCount: workspaces.length, columns };
}

function shown(value: KeyValue): string {
	if (value === null) return '';
	if (typeof value === 'number') return formatNumber(value);
	return String(value);
}

/** The table: a WORKSPACE column when the runs come from several; the name last, as it has spaces. */
export function listTable(listing: Listing): string {
	const several = listing.workspaceCount > 1;
	const header = [
		'ID',
		...(several ? ['WORKSPACE'] : []),
		'STATUS',
		'CREATED',
		'METRICS',
		...listing.columns.map((c) => c.text),
		'NAME'
	];
	const rows = listing.runs.map(({ run, workspace }) => [
		run.id,
		...(several ? [workspace?.name ?? run.workspace_id] : []),
		run.status ?? '',
		shortDate(run.created_at),
		String(run.metric_count ?? run.metrics.length),
		...listing.columns.map((c) => shown(keyValue(run, c.key))),
		run.name
	]);
	return table(header, rows);
}

/** CSV (CRLF line ends), every text cell made inert for spreadsheets. */
export function listCsv(listing: Listing): string {
	const header = [
		'id',
		'workspace_id',
		'workspace',
		'name',
		'status',
		'created_at',
		'updated_at',
		'last_seen_at',
		...listing.columns.map((c) => c.text)
	];
	const rows = listing.runs.map(({ run, workspace }) => [
		run.id,
		run.workspace_id,
		workspace?.name ?? '',
		run.name,
		run.status ?? '',
		run.created_at,
		run.updated_at,
		run.last_seen_at ?? '',
		...listing.columns.map((c) => keyValue(run, c.key))
	]);
	return [header, ...rows].map((row) => `${row.map((cell) => csvCell(cell)).join(',')}\r\n`).join('');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `show`'s argument: an id as it is; a name looked up in every visible workspace. None or several
 * with that name is an error (the latter lists them, to pick one by id).
 */
export async function resolveExperiment(api: Api, idOrName: string): Promise<string> {
	if (UUID.test(idOrName)) return idOrName;
	const filter = nameFilter(idOrName);
	// Two are enough to know the name is ambiguous; a few more make the error useful.
	const { runs, workspaceCount } = await listRuns(api, { filter, columns: [], tags: [], limit: 20 });
	if (runs.length === 1) return runs[0].run.id;
	if (runs.length === 0) {
		throw new CliError(
			`no experiment named ${JSON.stringify(idOrName)} in the ${workspaceCount} workspace${workspaceCount === 1 ? '' : 's'} visible with this key`
		);
	}
	const lines = runs.map(
		({ run, workspace }) =>
			`  ${run.id}  ${workspace ? `${workspace.name} (${workspace.id})` : run.workspace_id}  ${shortDate(run.created_at)}`
	);
	throw new CliError(
		`${runs.length === 20 ? 'at least 20' : runs.length} experiments are named ${JSON.stringify(idOrName)}; pass one's id:\n${lines.join('\n')}`
	);
}
