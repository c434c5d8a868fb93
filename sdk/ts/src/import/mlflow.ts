/**
 * `tora import mlflow <mlruns>`: MLflow's local file store, as its FileStore writes it:
 *
 *   <root>/<experiment id>/meta.yaml                 name, lifecycle_stage
 *   <root>/<experiment id>/<run id>/meta.yaml        run_id, run_name, status (1 RUNNING … 5 KILLED),
 *                                                    start_time, end_time, lifecycle_stage
 *   <root>/<experiment id>/<run id>/params/<key>     the value, as text
 *   <root>/<experiment id>/<run id>/tags/<key>       the value, as text (mlflow.runName, mlflow.user…)
 *   <root>/<experiment id>/<run id>/metrics/<key>    a line per point: "<timestamp ms> <value> <step>"
 *
 * Keys may hold `/`, which makes subdirectories. `.trash` holds deleted experiments, and a run
 * whose lifecycle_stage is `deleted` was deleted: both are left out (and counted). `tags`,
 * `datasets` and `traces` inside an experiment are not runs.
 *
 * Mapping: an MLflow experiment becomes a project (by name), a run an experiment keyed
 * `mlflow:<run id>`; params become hyperparameters (numbers and booleans as such), user tags
 * Tora tags `key:value`; `mlflow.note.content` becomes the notes, `mlflow.source.git.commit` and
 * `mlflow.source.name` the run context's commit and command; FINISHED → finished, FAILED and
 * KILLED → failed, RUNNING and SCHEDULED stay running.
 */
import { opendir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExperimentStatus } from '../wire.js';
import {
	experimentName,
	hyperparamProblem,
	hyperparamValue,
	importKey,
	MAX_HYPERPARAMS,
	MAX_NOTES_LENGTH,
	MAX_TAGS,
	projectName,
	tag,
	text,
	type Hyperparam
} from './fields.js';
import { readLines } from './lines.js';
import type { ImportStats } from './stats.js';
import type { RunSpec, RunWriter } from './uploader.js';
import { parseFlatYaml, type YamlScalar } from './yaml.js';

const NOT_RUNS = new Set(['tags', 'datasets', 'traces']);
/** Metric lines are short; anything longer is not one. */
const MAX_METRIC_LINE = 4096;
const META = 'meta.yaml';

export interface MlflowRun {
	dir: string;
	runId: string;
	experimentName: string;
	meta: Map<string, YamlScalar>;
	metrics: Array<{ key: string; path: string }>;
}

/** The store's live runs, by experiment directory and run directory name. */
export async function findRuns(root: string, stats: ImportStats): Promise<MlflowRun[]> {
	const runs: MlflowRun[] = [];
	let experiments = 0;
	for (const name of await subdirectories(root)) {
		if (name === '.trash') {
			const deleted = (await subdirectories(join(root, name))).length;
			if (deleted) stats.skip('deleted experiments (in .trash)', deleted);
			continue;
		}
		const dir = join(root, name);
		const meta = await readMeta(dir);
		// Not an experiment (the model registry's `models`, anything else in the directory).
		if (!meta) continue;
		experiments++;
		if (meta.get('lifecycle_stage') === 'deleted') {
			stats.skip('deleted experiments');
			continue;
		}
		const experimentName = String(meta.get('name') ?? name);
		for (const runDir of await subdirectories(dir)) {
			if (NOT_RUNS.has(runDir)) continue;
			const runPath = join(dir, runDir);
			const runMeta = await readMeta(runPath);
			if (!runMeta) {
				stats.skip('run directories without a readable meta.yaml');
				continue;
			}
			if (runMeta.get('lifecycle_stage') === 'deleted') {
				stats.skip('deleted runs');
				continue;
			}
			const metrics: MlflowRun['metrics'] = [];
			for (const file of await filesUnder(join(runPath, 'metrics'))) {
				metrics.push({ key: file.key, path: file.path });
				stats.bytesTotal += file.size;
			}
			runs.push({
				dir: runPath,
				runId: String(runMeta.get('run_id') ?? runDir),
				experimentName,
				meta: runMeta,
				metrics
			});
		}
	}
	if (experiments === 0) stats.note(`no MLflow experiments (directories with a meta.yaml) in ${root}`);
	return runs;
}

const STATUS: Record<string, ExperimentStatus | null> = {
	'1': 'running',
	'2': 'running',
	'3': 'finished',
	'4': 'failed',
	'5': 'failed',
	RUNNING: 'running',
	SCHEDULED: 'running',
	FINISHED: 'finished',
	FAILED: 'failed',
	KILLED: 'failed'
};

const statusOf = (status: string) => (Object.hasOwn(STATUS, status) ? STATUS[status] : null);

/** How a run is described to the server; reads its params and tags. */
export async function runSpec(run: MlflowRun, stats: ImportStats): Promise<RunSpec> {
	const tags = await readValues(join(run.dir, 'tags'), stats);
	const params = await readValues(join(run.dir, 'params'), stats);
	const runName = run.meta.get('run_name');
	const name =
		(typeof runName === 'string' && runName.trim()) || tags.get('mlflow.runName')?.trim() || run.runId;
	const hyperparams: Hyperparam[] = [];
	for (const [key, raw] of params) {
		const value = hyperparamValue(raw);
		const problem = hyperparamProblem(key, value);
		if (problem) stats.skip(`params left out: ${problem}`);
		else if (hyperparams.length >= MAX_HYPERPARAMS) stats.skip(`params beyond ${MAX_HYPERPARAMS} in one run`);
		else hyperparams.push({ key: key.trim(), value });
	}
	const tagList: string[] = [];
	let system = 0;
	for (const [key, value] of tags) {
		if (key.startsWith('mlflow.')) {
			system++;
			continue;
		}
		const made = tag(value === '' ? key : `${key}:${value}`);
		if (made === null) stats.skip('tags left out: over 50 characters or with control characters');
		else if (tagList.length >= MAX_TAGS) stats.skip(`tags beyond ${MAX_TAGS} in one run`);
		else if (!tagList.some((t) => t.toLowerCase() === made.toLowerCase())) tagList.push(made);
	}
	if (system) stats.ignore('mlflow.* system tags (the run name, notes, commit and source are kept)', system);
	const context: Record<string, unknown> = {};
	const commit = tags.get('mlflow.source.git.commit')?.trim();
	if (commit && /^[0-9a-fA-F]{7,64}$/.test(commit)) context.git = { commit };
	const source = tags.get('mlflow.source.name');
	if (source && source.length <= 4096 && !source.includes('\0')) context.command = [source];
	const notes = tags.get('mlflow.note.content');
	const status = run.meta.get('status');
	const startTime = Number(run.meta.get('start_time'));
	return {
		key: importKey('mlflow', run.runId),
		name: experimentName(name),
		project: projectName(run.experimentName) || null,
		description: `Imported from MLflow: experiment "${run.experimentName}", run ${run.runId}.`,
		hyperparams,
		tags: tagList,
		notes: notes ? text(notes, MAX_NOTES_LENGTH) : undefined,
		context: Object.keys(context).length ? context : undefined,
		status: status === null || status === undefined ? 'running' : statusOf(String(status)),
		createEmpty: true,
		startedAt: Number.isInteger(startTime) && startTime > 0 ? startTime : null
	};
}

/** Streams the run's metric files into `writer`: line numbers tell apart points at one step. */
export async function readRun(run: MlflowRun, writer: RunWriter, stats: ImportStats): Promise<void> {
	const onBytes = (bytes: number) => (stats.bytesDone += bytes);
	for (const metric of run.metrics) {
		const handle = writer.handle(metric.key);
		let line = -1;
		for await (const text of readLines(metric.path, { maxLineBytes: MAX_METRIC_LINE, onBytes })) {
			line++;
			if (text === null) {
				stats.skip('malformed metric lines (not "<timestamp> <value> [<step>]")');
				continue;
			}
			if (text.trim() === '') continue;
			const parts = text.trim().split(/\s+/);
			const timestamp = Number(parts[0]);
			const step = parts.length === 3 ? Number(parts[2]) : 0;
			if (
				(parts.length !== 2 && parts.length !== 3) ||
				!Number.isInteger(timestamp) ||
				!Number.isInteger(step)
			) {
				stats.skip('malformed metric lines (not "<timestamp> <value> [<step>]")');
				continue;
			}
			const wait = writer.add(handle, step, pythonFloat(parts[1]), timestamp, line);
			if (wait) await wait;
		}
	}
}

/** Python's float text (`nan`, `inf`, `1e-05`) as a number. */
function pythonFloat(text: string): number {
	const lower = text.toLowerCase();
	if (lower === 'nan' || lower === '-nan') return Number.NaN;
	if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
	if (lower === '-inf' || lower === '-infinity') return -Infinity;
	return text.trim() === '' ? Number.NaN : Number(text);
}

async function readMeta(dir: string): Promise<Map<string, YamlScalar> | null> {
	try {
		const info = await stat(join(dir, META));
		// meta.yaml files are a few hundred bytes: a large one is not MLflow's.
		if (!info.isFile() || info.size > 1 << 20) return null;
		return parseFlatYaml(await readFile(join(dir, META), 'utf8'));
	} catch {
		return null;
	}
}

async function subdirectories(dir: string): Promise<string[]> {
	const names: string[] = [];
	for await (const entry of await opendir(dir)) if (entry.isDirectory()) names.push(entry.name);
	return names.sort(compare);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Files under `dir` (missing: none), keyed by their `/`-joined relative path, in key order. */
async function filesUnder(
	dir: string,
	prefix = ''
): Promise<Array<{ key: string; path: string; size: number }>> {
	const found: Array<{ key: string; path: string; size: number }> = [];
	let entries;
	try {
		entries = await opendir(dir);
	} catch {
		return found;
	}
	const names: Array<{ name: string; directory: boolean }> = [];
	for await (const entry of entries) {
		if (entry.isDirectory() || entry.isFile())
			names.push({ name: entry.name, directory: entry.isDirectory() });
	}
	names.sort((a, b) => compare(a.name, b.name));
	for (const { name, directory } of names) {
		const path = join(dir, name);
		if (directory) found.push(...(await filesUnder(path, `${prefix}${name}/`)));
		else found.push({ key: `${prefix}${name}`, path, size: (await stat(path)).size });
	}
	return found.sort((a, b) => compare(a.key, b.key));
}

/** Small key → text files (params, tags); a file over 1 MB is not one of them and is left out. */
async function readValues(dir: string, stats: ImportStats): Promise<Map<string, string>> {
	const values = new Map<string, string>();
	for (const file of await filesUnder(dir)) {
		if (file.size > 1 << 20) {
			stats.skip('param or tag files over 1 MB');
			continue;
		}
		values.set(file.key, await readFile(file.path, 'utf8'));
	}
	return values;
}
