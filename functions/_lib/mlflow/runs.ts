/**
 * MLflow runs are Tora experiments (run_id = the experiment's id). Where each part lives:
 * - name ↔ experiments.name (and the `mlflow.runName` tag); `mlflow.note.content` ↔ description;
 * - params ↔ hyperparameters, immutable once logged: the same value again is a no-op, another
 *   value is INVALID_PARAMETER_VALUE. A value that reads back identically as a number (`0.01`)
 *   is stored as a number, so Tora's filters, sorts and importance treat it as one; anything else
 *   (`1e-3`, `1.0`, `true`) as the text it is, so get-run always returns what was logged;
 * - metrics ↔ series points (ingestLogs), the client's timestamp as the point's time (logged_at)
 *   and msg_ids derived from the point itself (idempotency.ts);
 * - tags: verbatim in mlflow_runs.tags; user tags (not `mlflow.*`) also become Tora tags
 *   `key=value` when that fits a Tora tag (50 characters, one line, 50 tags a run);
 *   `mlflow.source.git.commit` / `.branch`, `mlflow.gitRepoURL` and `mlflow.source.name` become the
 *   run's captured context (git commit, branch, remote, command), which Tora's run page shows;
 * - status: RUNNING/SCHEDULED → running, FINISHED → finished, FAILED and KILLED → failed (the
 *   exact MLflow status is kept in mlflow_runs); lifecycle (delete/restore) only in mlflow_runs.
 */
import { sql, type Transaction } from 'kysely';
import type { Principal } from '../auth.ts';
import type { WorkspaceRole } from '../contracts/common.ts';
import {
	ExperimentDescription,
	ExperimentName,
	Hyperparam,
	Tag,
	type ExperimentStatus,
	type HyperparamValue
} from '../contracts/experiments.ts';
import { timestampProblem, type LogEntry } from '../contracts/logs.ts';
import { ContextBody } from '../contracts/run-context.ts';
import {
	MAX_HYPERPARAMS,
	MAX_METRIC_NAME_LENGTH,
	MAX_TAGS,
	METRIC_NAME_PATTERN
} from '../contracts/rules.ts';
import type { Db } from '../db.ts';
import type { Database } from '../db-types.ts';
import { createExperimentIn } from '../repositories/experiment.repository.ts';
import { noteSignOfLife } from '../repositories/liveness.repository.ts';
import { ingestLogs } from '../repositories/metric-ingest.repository.ts';
import { writeContext } from '../repositories/run-context.repository.ts';
import { accessTo, asUuid, requireRole } from './access.ts';
import { MLFLOW_LIMITS, type KeyValuePair, type Metric, type RunStatus } from './contracts.ts';
import { doesNotExist, invalidParameter } from './errors.ts';
import { loadExperiment, tagList } from './experiments.ts';
import { metricMsgId } from './idempotency.ts';
import { jsonb } from './json.ts';

type Tx = Transaction<Database>;

export interface RunRow {
	id: string;
	workspace_id: string;
	project_id: string | null;
	name: string;
	description: string;
	tags: string[];
	hyperparams: { key: string; value: HyperparamValue }[];
	status: ExperimentStatus;
	created_at: Date;
	mlflow_status: RunStatus | null;
	lifecycle_stage: 'active' | 'deleted' | null;
	start_time: number | null;
	end_time: number | null;
	user_id: string | null;
	mlflow_tags: unknown;
}

export interface MlflowRunInfo {
	run_id: string;
	run_uuid: string;
	run_name: string;
	experiment_id: string;
	user_id: string;
	status: RunStatus;
	start_time: number;
	end_time?: number;
	artifact_uri: string;
	lifecycle_stage: 'active' | 'deleted';
}

export interface MlflowMetric {
	key: string;
	value: number;
	timestamp: number;
	step: number;
}

export interface MlflowRun {
	info: MlflowRunInfo;
	data: { metrics: MlflowMetric[]; params: KeyValuePair[]; tags: KeyValuePair[] };
	inputs: { dataset_inputs: never[] };
}

const TORA_STATUS: Record<RunStatus, ExperimentStatus> = {
	RUNNING: 'running',
	SCHEDULED: 'running',
	FINISHED: 'finished',
	FAILED: 'failed',
	KILLED: 'failed'
};
const MLFLOW_STATUS: Record<ExperimentStatus, RunStatus> = {
	running: 'RUNNING',
	finished: 'FINISHED',
	failed: 'FAILED'
};

export const selectRuns = (db: Db) =>
	db
		.selectFrom('experiments as e')
		.leftJoin('mlflow_runs as r', 'r.experiment_id', 'e.id')
		.select([
			'e.id',
			'e.workspace_id',
			'e.project_id',
			'e.name',
			'e.description',
			'e.tags',
			'e.hyperparams',
			'e.status',
			'e.created_at',
			'r.status as mlflow_status',
			'r.lifecycle_stage',
			'r.start_time',
			'r.end_time',
			'r.user_id',
			'r.tags as mlflow_tags'
		]);

/**
 * Where MLflow's client would put the run's artifacts: on this server (mlflow-artifacts:), whose
 * artifact routes answer that Tora stores none yet. An empty URI would make the client write
 * "artifacts" into the script's working directory instead, silently.
 */
const artifactUri = (row: RunRow) => `mlflow-artifacts:/${row.project_id ?? '0'}/${row.id}/artifacts`;

export function toRunInfo(row: RunRow): MlflowRunInfo {
	return {
		run_id: row.id,
		run_uuid: row.id,
		run_name: row.name,
		// Runs made through Tora's API without a project read as the default experiment's.
		experiment_id: row.project_id ?? '0',
		user_id: row.user_id ?? '',
		status: row.mlflow_status ?? MLFLOW_STATUS[row.status],
		start_time: row.start_time ?? row.created_at.getTime(),
		...(row.end_time !== null ? { end_time: row.end_time } : {}),
		artifact_uri: artifactUri(row),
		lifecycle_stage: row.lifecycle_stage ?? 'active'
	};
}

function runTags(row: RunRow): KeyValuePair[] {
	if (row.mlflow_tags) return tagList(row.mlflow_tags);
	// A run made through Tora's own API: its name and tags as MLflow would show them.
	return [{ key: 'mlflow.runName', value: row.name }, ...row.tags.map((tag) => ({ key: tag, value: '' }))];
}

export function toRun(row: RunRow, metrics: MlflowMetric[]): MlflowRun {
	return {
		info: toRunInfo(row),
		data: {
			metrics,
			params: row.hyperparams.map((p) => ({ key: p.key, value: String(p.value) })),
			tags: runTags(row)
		},
		inputs: { dataset_inputs: [] }
	};
}

/** The latest value of each metric (highest step, then latest timestamp) of the given runs. */
export async function latestMetrics(db: Db, runIds: string[]): Promise<Map<string, MlflowMetric[]>> {
	const byRun = new Map<string, MlflowMetric[]>(runIds.map((id) => [id, []]));
	if (!runIds.length) return byRun;
	const { rows } = await sql<{
		experiment_id: string;
		name: string;
		value: number;
		step: number;
		ts: number;
	}>`
		select s.experiment_id, s.name, l.value, l.step, l.ts
		from metric_series s
		cross join lateral (
			select p.value, p.step, ${timestampOf('p')} as ts
			from metric_points p
			where p.series_id = s.id and p.step = s.last_step
			order by ts desc, p.msg_id desc
			limit 1
		) l
		where s.experiment_id = any(${`{${runIds.join(',')}}`}::text::uuid[])
		order by s.experiment_id, s.name
	`.execute(db);
	for (const row of rows) {
		byRun
			.get(row.experiment_id)
			?.push({ key: row.name, value: row.value, timestamp: Number(row.ts), step: Number(row.step) });
	}
	return byRun;
}

/**
 * A point's MLflow timestamp: its time, or for points stored before points had times of their own,
 * the client's timestamp that was kept in their metadata (`{"ts": ms}`).
 */
export const timestampOf = (alias: string) =>
	sql.raw(
		`coalesce((${alias}.metadata ->> 'ts')::bigint, (extract(epoch from ${alias}.logged_at) * 1000)::bigint)`
	);

export interface LoadedRun {
	row: RunRow;
	role: WorkspaceRole;
}

/** A run by id with the caller's role checked: unknown, malformed and invisible ids are alike. */
export async function loadRun(
	db: Db,
	principal: Principal,
	runId: string,
	minimum: WorkspaceRole
): Promise<LoadedRun> {
	const missing = `Run with id=${runId} not found`;
	const id = asUuid(runId);
	if (!id) throw doesNotExist(missing);
	const row = (await selectRuns(db).where('e.id', '=', id).executeTakeFirst()) as RunRow | undefined;
	if (!row) throw doesNotExist(missing);
	const access = await accessTo(db, principal, row.workspace_id, missing);
	requireRole(access, minimum);
	return { row, role: access.role };
}

/** MLflow refuses writes to a deleted run; so does Tora's MLflow API. */
async function loadActiveRun(db: Db, principal: Principal, runId: string): Promise<RunRow> {
	const { row } = await loadRun(db, principal, runId, 'editor');
	if (row.lifecycle_stage === 'deleted') {
		throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is deleted.`);
	}
	return row;
}

export async function getRun(db: Db, principal: Principal, runId: string): Promise<MlflowRun> {
	const { row } = await loadRun(db, principal, runId, 'viewer');
	return toRun(row, (await latestMetrics(db, [row.id])).get(row.id) ?? []);
}

// ── Creating and updating ────────────────────────────────────────────────────────────────────────

const RUN_NAME_TAG = 'mlflow.runName';
const NOTE_TAG = 'mlflow.note.content';
const CONTEXT_TAGS = [
	'mlflow.source.git.commit',
	'mlflow.source.git.branch',
	'mlflow.gitRepoURL',
	'mlflow.source.git.repoURL',
	'mlflow.source.name'
];

function checkedRunName(name: string): string {
	const parsed = ExperimentName.safeParse(name);
	if (!parsed.success)
		throw invalidParameter(
			`Run name ${parsed.error.issues[0].message} (Tora run names are one line of at most 255 characters).`
		);
	return parsed.data;
}

/** A user tag as a Tora tag (`key=value`), when it fits one. */
function toraTag(tag: KeyValuePair): string | undefined {
	if (tag.key.startsWith('mlflow.')) return undefined;
	const text = `${tag.key}=${tag.value}`;
	const parsed = Tag.safeParse(text);
	return parsed.success && parsed.data === text ? text : undefined;
}

/** Tora's tag list after MLflow tags were set (or, with `deleted`, removed). */
function mergeToraTags(current: string[], changed: KeyValuePair[], deleted: string[] = []): string[] {
	const replaced = new Set([...changed.map((t) => t.key), ...deleted]);
	const kept = current.filter((tag) => {
		const eq = tag.indexOf('=');
		return eq < 0 || !replaced.has(tag.slice(0, eq));
	});
	for (const tag of changed) {
		const text = toraTag(tag);
		if (text && kept.length < MAX_TAGS) kept.push(text);
	}
	return kept;
}

function randomRunName(): string {
	return `run-${crypto.randomUUID().slice(0, 8)}`;
}

/** The captured context MLflow's source tags describe, when they describe any. */
async function syncContext(db: Db | Tx, runId: string, tags: Record<string, string>): Promise<void> {
	const commit = tags['mlflow.source.git.commit'];
	const source = tags['mlflow.source.name'];
	if (!commit && !source) return;
	const body = ContextBody.safeParse({
		git: commit
			? {
					commit,
					branch: tags['mlflow.source.git.branch'] || null,
					remote: tags['mlflow.gitRepoURL'] || tags['mlflow.source.git.repoURL'] || null
				}
			: null,
		command: source ? [source] : null
	});
	// A commit that is no git id (or a source Tora cannot store) stays an MLflow tag only.
	if (body.success) await writeContext(db, runId, body.data);
}

export interface NewRun {
	experimentId: string;
	userId?: string;
	runName?: string;
	startTime?: number;
	tags: KeyValuePair[];
}

export async function createRun(db: Db, principal: Principal, input: NewRun): Promise<MlflowRun> {
	// Every check on the input comes before the first write (the Default project is made on use).
	const tags = Object.fromEntries(input.tags.map((t) => [t.key, t.value]));
	const tagged = tags[RUN_NAME_TAG];
	if (input.runName && tagged !== undefined && tagged !== input.runName) {
		throw invalidParameter(
			`Both run_name ("${input.runName}") and the ${RUN_NAME_TAG} tag ("${tagged}") are set, and they differ.`
		);
	}
	const name = checkedRunName(input.runName || tagged || randomRunName());
	tags[RUN_NAME_TAG] = name;
	const experiment = await loadExperiment(db, principal, input.experimentId, 'editor');
	if (experiment.row.lifecycle_stage === 'deleted') {
		throw invalidParameter(`Could not create run under non-active experiment with id ${input.experimentId}.`);
	}
	const description = ExperimentDescription.safeParse(tags[NOTE_TAG] ?? '');
	// The run, its MLflow state and its context: one transaction, all or nothing.
	const runId = await db.transaction().execute(async (tx) => {
		const created = await createExperimentIn(
			tx,
			{
				workspaceId: experiment.row.workspace_id,
				createdBy: principal.userId,
				name,
				description: description.success ? description.data : '',
				tags: mergeToraTags([], input.tags),
				hyperparams: [],
				project: experiment.row.name
			},
			''
		);
		if (created.kind !== 'created') throw doesNotExist(`Experiment ${input.experimentId} is gone.`);
		const id = created.experiment.id;
		await tx
			.insertInto('mlflow_runs')
			.values({
				experiment_id: id,
				start_time: input.startTime ?? Date.now(),
				user_id: (input.userId ?? tags['mlflow.user'] ?? '').slice(0, 250),
				tags: jsonb(tags)
			})
			.execute();
		await syncContext(tx, id, tags);
		return id;
	});
	return getRun(db, principal, runId);
}

/** The mlflow_runs row of a run made through Tora's API, made when MLflow first writes to it. */
async function ensureRunState(db: Db | Tx, row: RunRow): Promise<void> {
	if (row.mlflow_tags) return;
	await db
		.insertInto('mlflow_runs')
		.values({
			experiment_id: row.id,
			status: MLFLOW_STATUS[row.status],
			start_time: row.created_at.getTime(),
			tags: jsonb(Object.fromEntries(runTags(row).map((t) => [t.key, t.value])))
		})
		.onConflict((oc) => oc.column('experiment_id').doNothing())
		.execute();
}

export interface RunChanges {
	status?: RunStatus;
	endTime?: number;
	runName?: string;
}

export async function updateRun(
	db: Db,
	principal: Principal,
	runId: string,
	changes: RunChanges
): Promise<MlflowRunInfo> {
	const name = changes.runName ? checkedRunName(changes.runName) : undefined;
	const row = await loadActiveRun(db, principal, runId);
	await ensureRunState(db, row);
	await db.transaction().execute(async (tx) => {
		await tx
			.updateTable('mlflow_runs')
			.set({
				...(changes.status ? { status: changes.status } : {}),
				...(changes.endTime !== undefined ? { end_time: changes.endTime } : {}),
				...(name ? { tags: sql`tags || ${jsonb({ [RUN_NAME_TAG]: name })}` } : {})
			})
			.where('experiment_id', '=', row.id)
			.execute();
		if (changes.status || name) {
			await tx
				.updateTable('experiments')
				.set({
					...(changes.status ? { status: TORA_STATUS[changes.status], last_seen_at: sql<Date>`now()` } : {}),
					...(name ? { name } : {}),
					updated_at: sql<Date>`now()`
				})
				.where('id', '=', row.id)
				.execute();
		}
	});
	const { row: updated } = await loadRun(db, principal, runId, 'viewer');
	return toRunInfo(updated);
}

export async function setRunLifecycle(
	db: Db,
	principal: Principal,
	runId: string,
	stage: 'active' | 'deleted'
): Promise<void> {
	const { row } = await loadRun(db, principal, runId, 'editor');
	await ensureRunState(db, row);
	await db
		.updateTable('mlflow_runs')
		.set({ lifecycle_stage: stage, deleted_at: stage === 'deleted' ? sql<Date>`now()` : null })
		.where('experiment_id', '=', row.id)
		.execute();
}

// ── Logging ─────────────────────────────────────────────────────────────────────────────────────

/** A param as a Tora hyperparameter, or the reason it cannot be one. */
function toHyperparam(param: KeyValuePair): { key: string; value: HyperparamValue } {
	const plainNumber =
		/^-?(0|[1-9]\d{0,14})(\.\d{1,15})?$/.test(param.value) && String(Number(param.value)) === param.value;
	const value: HyperparamValue = plainNumber ? Number(param.value) : param.value;
	const parsed = Hyperparam.safeParse({ key: param.key, value });
	if (!parsed.success || parsed.data.key !== param.key) {
		const issue = parsed.success
			? 'must not start or end with spaces'
			: `${parsed.error.issues[0].path.join('.')} ${parsed.error.issues[0].message}`;
		throw invalidParameter(
			`Param "${param.key}": ${issue} (Tora keeps params as hyperparameters: keys of at most 100 characters, values of at most 1000).`
		);
	}
	return { key: param.key, value };
}

/** Params are immutable once logged, as in MLflow: a different value is refused, the same ignored. */
async function logParams(db: Db, runId: string, params: KeyValuePair[]): Promise<void> {
	const wanted = params.map((param) => ({ param, hyperparam: toHyperparam(param) }));
	await db.transaction().execute(async (tx) => {
		const row = await tx
			.selectFrom('experiments')
			.select('hyperparams')
			.where('id', '=', runId)
			.forUpdate()
			.executeTakeFirst();
		if (!row) throw doesNotExist(`Run with id=${runId} not found`);
		const logged = new Map(
			(row.hyperparams as { key: string; value: HyperparamValue }[]).map((h) => [h.key, String(h.value)])
		);
		const added: { key: string; value: HyperparamValue }[] = [];
		for (const { param, hyperparam } of wanted) {
			const old = logged.get(param.key);
			if (old === undefined) {
				logged.set(param.key, param.value);
				added.push(hyperparam);
			} else if (old !== param.value) {
				throw invalidParameter(
					`Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${param.value}'.`
				);
			}
		}
		if (!added.length) return;
		if (logged.size > MAX_HYPERPARAMS)
			throw invalidParameter(`A run holds at most ${MAX_HYPERPARAMS} params in Tora.`);
		await tx
			.updateTable('experiments')
			.set({ hyperparams: sql`hyperparams || ${jsonb(added)}`, updated_at: sql<Date>`now()` })
			.where('id', '=', runId)
			.execute();
	});
}

function checkMetric(metric: Metric): void {
	if (metric.key.length > MAX_METRIC_NAME_LENGTH || !METRIC_NAME_PATTERN.test(metric.key)) {
		throw invalidParameter(
			`Metric name "${metric.key}" is not one Tora stores: at most ${MAX_METRIC_NAME_LENGTH} characters of letters, digits, _ - . /.`
		);
	}
	if (metric.step < 0)
		throw invalidParameter(`Metric "${metric.key}" has step ${metric.step}: Tora stores steps of 0 or more.`);
	const problem = timestampProblem(metric.timestamp);
	if (problem)
		throw invalidParameter(`Metric "${metric.key}" has timestamp ${metric.timestamp}, which ${problem}.`);
}

async function logMetrics(db: Db, runId: string, metrics: Metric[]): Promise<void> {
	metrics.forEach(checkMetric);
	const entries: LogEntry[] = metrics.map((metric, index) => ({
		name: metric.key,
		msg_id: metricMsgId(runId, metric, index),
		value: metric.value,
		step: metric.step,
		metadata: null,
		timestamp: metric.timestamp
	}));
	const outcome = await ingestLogs(db, runId, entries);
	if ('refused' in outcome) {
		throw invalidParameter(
			outcome.refused === 'series-limit'
				? `The run would hold more than the ${outcome.seriesCount + outcome.newSeries - 1} metrics Tora allows per run.`
				: `Metric "${outcome.name}" has no steps left.`
		);
	}
}

/** What tags change in Tora's own fields, checked before anything of the request is written. */
function tagChanges(tags: KeyValuePair[]) {
	const changed = Object.fromEntries(tags.map((t) => [t.key, t.value]));
	const name = changed[RUN_NAME_TAG] !== undefined ? checkedRunName(changed[RUN_NAME_TAG]) : undefined;
	const note =
		changed[NOTE_TAG] !== undefined ? ExperimentDescription.safeParse(changed[NOTE_TAG]) : undefined;
	return { changed, name, note };
}

async function setTags(db: Db, row: RunRow, tags: KeyValuePair[]): Promise<void> {
	if (!tags.length) return;
	const { changed, name, note } = tagChanges(tags);
	await ensureRunState(db, row);
	const merged = await db.transaction().execute(async (tx) => {
		const updated = await tx
			.updateTable('mlflow_runs')
			.set({ tags: sql`tags || ${jsonb(changed)}` })
			.where('experiment_id', '=', row.id)
			.returning('tags')
			.executeTakeFirstOrThrow();
		const current = await tx
			.selectFrom('experiments')
			.select('tags')
			.where('id', '=', row.id)
			.forUpdate()
			.executeTakeFirstOrThrow();
		await tx
			.updateTable('experiments')
			.set({
				tags: mergeToraTags(current.tags, tags),
				...(name ? { name } : {}),
				...(note?.success ? { description: note.data } : {}),
				updated_at: sql<Date>`now()`
			})
			.where('id', '=', row.id)
			.execute();
		return updated.tags as Record<string, string>;
	});
	if (tags.some((t) => CONTEXT_TAGS.includes(t.key))) await syncContext(db, row.id, merged);
}

export interface Batch {
	metrics: Metric[];
	params: KeyValuePair[];
	tags: KeyValuePair[];
}

export function checkBatchLimits(batch: Batch): void {
	const { metrics, params, tags } = batch;
	const limits = MLFLOW_LIMITS;
	if (metrics.length > limits.metricsPerBatch)
		throw invalidParameter(
			`A batch logging request can contain at most ${limits.metricsPerBatch} metrics. Got ${metrics.length} metrics.`
		);
	if (params.length > limits.paramsPerBatch)
		throw invalidParameter(
			`A batch logging request can contain at most ${limits.paramsPerBatch} params. Got ${params.length} params.`
		);
	if (tags.length > limits.tagsPerBatch)
		throw invalidParameter(
			`A batch logging request can contain at most ${limits.tagsPerBatch} tags. Got ${tags.length} tags.`
		);
	const total = metrics.length + params.length + tags.length;
	if (total > limits.entriesPerBatch)
		throw invalidParameter(
			`A batch logging request can contain at most ${limits.entriesPerBatch} metrics, params and tags in all. Got ${total}.`
		);
}

/**
 * log-batch (and log-metric, log-parameter, set-tag, which are batches of one): params first, so a
 * changed param refuses the request before anything is stored; then metrics, then tags.
 */
export async function logBatch(db: Db, principal: Principal, runId: string, batch: Batch): Promise<void> {
	checkBatchLimits(batch);
	batch.metrics.forEach(checkMetric);
	batch.params.forEach(toHyperparam);
	tagChanges(batch.tags);
	const row = await loadActiveRun(db, principal, runId);
	if (batch.params.length) await logParams(db, row.id, batch.params);
	if (batch.metrics.length) await logMetrics(db, row.id, batch.metrics);
	await setTags(db, row, batch.tags);
	await noteSignOfLife(db, row.id);
}

export async function deleteTag(db: Db, principal: Principal, runId: string, key: string): Promise<void> {
	const row = await loadActiveRun(db, principal, runId);
	if (!runTags(row).some((tag) => tag.key === key))
		throw doesNotExist(`No tag with name: ${key} in run with id ${runId}`);
	await ensureRunState(db, row);
	const found = await db.transaction().execute(async (tx) => {
		const removed = await tx
			.updateTable('mlflow_runs')
			.set({ tags: sql`tags - ${key}::text` })
			.where('experiment_id', '=', row.id)
			.where(sql<boolean>`jsonb_exists(tags, ${key}::text)`)
			.returning('experiment_id')
			.executeTakeFirst();
		if (!removed) return false;
		const current = await tx
			.selectFrom('experiments')
			.select('tags')
			.where('id', '=', row.id)
			.forUpdate()
			.executeTakeFirstOrThrow();
		await tx
			.updateTable('experiments')
			.set({ tags: mergeToraTags(current.tags, [], [key]), updated_at: sql<Date>`now()` })
			.where('id', '=', row.id)
			.execute();
		return true;
	});
	if (!found) throw doesNotExist(`No tag with name: ${key} in run with id ${runId}`);
}
