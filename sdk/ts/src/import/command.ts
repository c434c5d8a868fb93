/**
 * `tora import tensorboard|mlflow|csv ...`: find the source's runs, then for each one create (or
 * find again, by import key) its experiment and stream its points to the server. Progress goes to
 * stderr, the summary to stdout (`--json`: the summary as JSON). Running the same import twice
 * adds nothing; an import that stopped half-way is finished by running it again.
 */
import { resolve } from 'node:path';
import { Api, CliError } from '../cli-api.js';
import * as config from '../config.js';
import { Http } from '../http.js';
import type { WireWorkspace } from '../wire.js';
import * as csv from './csv.js';
import { projectName } from './fields.js';
import * as mlflow from './mlflow.js';
import { nodeFetch } from './node-fetch.js';
import { ImportProgress, summary, type Output } from './progress.js';
import { ImportStats } from './stats.js';
import * as tensorboard from './tensorboard.js';
import { DEFAULT_UPLOAD, Uploader, type RunSpec, type RunWriter } from './uploader.js';

export type ImportKind = 'tensorboard' | 'mlflow' | 'csv';

export interface ImportOptions {
	/** A workspace id or name; default: the key's workspace, else the personal one. */
	workspace?: string;
	/** Every run goes into this project (for MLflow: instead of its experiment's name). */
	project?: string;
	/** CSV: the experiment's name (default: the file's name). */
	name?: string;
	/** CSV: the source's id for the import key (default: the file's SHA-256). */
	key?: string;
	/** Read and count everything, send nothing. */
	dryRun?: boolean;
	json?: boolean;
	/** For tests: batches per request and in flight. */
	upload?: Partial<typeof DEFAULT_UPLOAD>;
	stdout?: Output;
	stderr?: Output;
}

/** One source run, read when its turn comes. */
interface SourceRun {
	spec(): Promise<RunSpec> | RunSpec;
	read(writer: RunWriter): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function runImport(
	kind: ImportKind,
	paths: string[],
	options: ImportOptions = {}
): Promise<number> {
	const stdout = options.stdout ?? process.stdout;
	const stderr = options.stderr ?? process.stderr;
	const stats = new ImportStats();
	const api = options.dryRun ? null : importApi();
	const workspaceId = api && options.workspace ? await findWorkspace(api, options.workspace) : undefined;
	let project: string | undefined;
	if (options.project !== undefined) {
		project = projectName(options.project);
		if (!project) throw new CliError('--project needs a name (one line, at most 100 characters)', 2);
	}
	let runs: SourceRun[];
	try {
		runs = await sourceRuns(kind, paths, options, stats);
	} catch (error) {
		if (error instanceof CliError || typeof (error as { code?: unknown }).code !== 'string') throw error;
		throw new CliError(`could not read ${paths.join(', ')}: ${describeError(error)}`);
	}
	stats.runsFound = runs.length;
	const uploader = new Uploader(
		api,
		stats,
		{
			...DEFAULT_UPLOAD,
			retryBudgetMs: config.durationMs(undefined, 'TORA_RETRY_TIMEOUT', DEFAULT_UPLOAD.retryBudgetMs),
			...options.upload
		},
		{ workspaceId, project }
	);
	const progress = new ImportProgress(stderr, stats);
	progress.start();
	try {
		for (const run of runs) {
			const writer = uploader.openRun(await run.spec());
			try {
				await run.read(writer);
			} catch (error) {
				if (error instanceof CliError) throw error;
				// A file that vanished or cannot be read: what was read is kept, the rest reported.
				stats.skip(`runs only partly read (${describeError(error)})`);
			}
			progress.runDone(await writer.finish());
		}
		await uploader.drain();
	} finally {
		progress.stop();
	}
	const target = api
		? `${api.baseUrl.replace(/\/api$/, '')}${workspaceId ? ` (workspace ${workspaceId})` : ''}`
		: '';
	stdout.write(
		`${options.json ? JSON.stringify({ ...stats.toJSON(), pointTimes: uploader.timesIn }, null, 2) : summary(stats, target, !api)}\n`
	);
	return 0;
}

async function sourceRuns(
	kind: ImportKind,
	paths: string[],
	options: ImportOptions,
	stats: ImportStats
): Promise<SourceRun[]> {
	if (kind === 'csv') {
		if (paths.length > 1 && (options.name || options.key))
			throw new CliError('--name and --key name one run: give one file with them', 2);
		const sources = [];
		for (const path of paths) sources.push(await csv.describeCsv(path, options, stats));
		return sources.map((source) => ({
			spec: () => csv.runSpec(source),
			read: (writer) => csv.readRun(source, writer, stats)
		}));
	}
	const [root] = paths;
	if (paths.length !== 1) throw new CliError(`tora import ${kind} takes one directory`, 2);
	if (kind === 'tensorboard') {
		const runs = await tensorboard.findRuns(root, stats);
		if (runs.length === 0) stats.note(`no event files (events.out.tfevents.*) under ${resolve(root)}`);
		return runs.map((run) => ({
			spec: () => tensorboard.runSpec(run, root),
			read: (writer) => tensorboard.readRun(run, writer, stats)
		}));
	}
	const runs = await mlflow.findRuns(root, stats);
	return runs.map((run) => ({
		spec: () => mlflow.runSpec(run, stats),
		read: (writer) => mlflow.readRun(run, writer, stats)
	}));
}

/** Api.fromEnvironment(), with requests made through node:http (see node-fetch.ts). */
function importApi(): Api {
	const { baseUrl, apiKey } = config.credentials();
	if (!apiKey) throw new CliError(`not logged in to ${baseUrl}: run \`tora login\` or set TORA_API_KEY`);
	return new Api(new Http({ baseUrl, apiKey, fetch: nodeFetch }));
}

/** A workspace id, or the id of the one workspace with that name. */
async function findWorkspace(api: Api, workspace: string): Promise<string> {
	if (UUID.test(workspace)) return workspace.toLowerCase();
	const workspaces = await api.call<WireWorkspace[]>('GET', '/workspaces');
	let matches = workspaces.filter((w) => w.name === workspace);
	if (matches.length === 0)
		matches = workspaces.filter((w) => w.name.toLowerCase() === workspace.toLowerCase());
	if (matches.length === 1) return matches[0].id;
	if (matches.length === 0)
		throw new CliError(`no workspace named ${JSON.stringify(workspace)} (tora workspaces lists them)`);
	throw new CliError(
		`${matches.length} workspaces are named ${JSON.stringify(workspace)}: give its id (${matches.map((w) => w.id).join(', ')})`
	);
}

function describeError(error: unknown): string {
	const code = (error as { code?: unknown }).code;
	const message = error instanceof Error ? error.message : String(error);
	return typeof code === 'string' ? `${code}: ${message}` : message;
}
