/**
 * `tora import` through the real bin against the real API (an in-process server on the test
 * database): TensorBoard event files written here exactly as TensorBoard frames them (one tree
 * with runs in both TF1 and TF2 forms, one with a bad CRC, a corrupt length and a cut-off end,
 * one file that is not an event file at all), an MLflow mlruns tree as its file store lays it
 * out, and a CSV export imported into another workspace and exported again. Every import is run
 * twice: the second adds nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../../tests/support/api.ts';
import { createTeamWorkspace, signInWithWorkspace } from '../../../tests/support/experiments.ts';
import { float32Decimal } from '../src/import/tensorboard.js';
import { ImportProgress } from '../src/import/progress.js';
import { ImportStats } from '../src/import/stats.js';
import { uuid7 } from '../src/uuid7.js';
import { childEnv, removeTempDirs, tempDir, tora, startInProcessServer } from './support.js';
import {
	event,
	eventFileBytes,
	fileVersion,
	graphEvent,
	histogramValue,
	imageValue,
	scalarValue,
	textValue,
	writeEventFile
} from './tfevents.js';

let baseUrl: string;
let stopServer: () => Promise<void>;
let key: string;
let personal: string;
let team: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
	const served = await startInProcessServer();
	baseUrl = `${served.origin}/api`;
	stopServer = served.stop;
	const user = await signInWithWorkspace();
	personal = user.personalWorkspaceId;
	team = await createTeamWorkspace(user.userId, 'Imports');
	key = (await createKey(user.token)).key;
	env = childEnv(tempDir('tora-import-home-'), { TORA_BASE_URL: baseUrl, TORA_API_KEY: key });
}, 60_000);

afterAll(async () => {
	await stopServer?.();
	removeTempDirs();
});

// Reads are checked field by field; their full types are the server's, not this test's.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
	const response = await fetch(baseUrl + path, {
		method,
		headers: { 'x-api-key': key, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const json = (await response.json()) as { data: T };
	if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
	return json.data;
}

async function exportCsv(id: string): Promise<string> {
	const response = await fetch(`${baseUrl}/experiments/${id}/export.csv?format=long`, {
		headers: { 'x-api-key': key }
	});
	expect(response.status).toBe(200);
	return response.text();
}

interface Summary {
	runs: { found: number; imported: number; created: number; existing: number };
	points: { read: number; stored: number; duplicates: number };
	skipped: Record<string, number>;
	ignored: Record<string, number>;
	renamed: { count: number; examples: Record<string, string> };
	notes: string[];
	pointTimes: string;
	experiments: Array<{
		name: string;
		key: string;
		experimentId: string | null;
		created: boolean;
		points: number;
	}>;
}

async function importJson(args: string[]): Promise<{ summary: Summary; stderr: string }> {
	const ran = await tora(['import', ...args, '--json'], env);
	expect(ran.code, ran.stderr).toBe(0);
	return { summary: JSON.parse(ran.stdout) as Summary, stderr: ran.stderr };
}

const byName = (summary: Summary) => Object.fromEntries(summary.experiments.map((e) => [e.name, e]));

async function workspaceRuns(workspaceId: string): Promise<Array<{ id: string; name: string }>> {
	const page = await call<{ items: Array<{ id: string; name: string }> }>(
		'GET',
		`/workspaces/${workspaceId}/experiments?limit=200`
	);
	return page.items;
}

const WALL = 1_700_000_000;
const wall = (step: number) => WALL + step * 0.5;
const loss = (step: number) => 1 / (step + 1);

describe('tora import tensorboard', () => {
	const root = tempDir('tora-tb-');
	const corruptDir = tempDir('tora-tb-corrupt-');
	let first: Summary;

	beforeAll(async () => {
		// mnist: TF1 style (simple_value), two writers (a restart), an image every 10 steps, a NaN.
		mkdirSync(join(root, 'mnist'));
		const mnist = [fileVersion(WALL), graphEvent(WALL)];
		for (let step = 0; step < 100; step++) {
			const values = [scalarValue('loss', step === 50 ? Number.NaN : loss(step), 'simple')];
			values.push(scalarValue('Accuracy (top-1)', step / 100, 'simple'));
			if (step % 10 === 0) values.push(imageValue('samples'));
			mnist.push(event(wall(step), step, values));
		}
		writeEventFile(join(root, 'mnist', 'events.out.tfevents.1700000000.host.101.0'), mnist);
		const restart = [fileVersion(WALL + 500)];
		for (let step = 100; step < 150; step++)
			restart.push(event(wall(step), step, [scalarValue('loss', loss(step), 'simple')]));
		writeEventFile(join(root, 'mnist', 'events.out.tfevents.1700000500.host.102.0'), restart);
		// resnet/train and resnet/eval: TF2 style (scalar tensors, metadata with the first value only).
		mkdirSync(join(root, 'resnet', 'train'), { recursive: true });
		mkdirSync(join(root, 'resnet', 'eval'), { recursive: true });
		mkdirSync(join(root, 'empty'));
		writeFileSync(join(root, 'notes.txt'), 'not an event file');
		const train = [fileVersion(WALL)];
		for (let step = 0; step < 30; step++)
			train.push(
				event(wall(step), step, [
					scalarValue('epoch_loss', loss(step), 'tensor-float', step === 0),
					scalarValue('learning_rate', 1e-3 / (step + 1), 'tensor-double', step === 0),
					...(step === 0 ? [textValue('config'), histogramValue('weights')] : [])
				])
			);
		writeEventFile(join(root, 'resnet', 'train', 'events.out.tfevents.1700000000.host.103.0.v2'), train);
		const evaluation = [fileVersion(WALL)];
		for (let step = 0; step < 10; step++)
			evaluation.push(
				event(wall(step), step, [
					scalarValue('epoch_accuracy', 0.5 + step / 100, 'tensor-content', step === 0)
				])
			);
		writeEventFile(join(root, 'resnet', 'eval', 'events.out.tfevents.1700000000.host.103.1.v2'), evaluation);
		first = (await importJson(['tensorboard', root])).summary;
	}, 120_000);

	it('makes an experiment per run directory, a metric per tag, with steps and values', async () => {
		expect(first.runs).toEqual({ found: 3, imported: 3, created: 3, existing: 0 });
		expect(first.points).toEqual({ read: 249 + 60 + 10, stored: 249 + 60 + 10, duplicates: 0 });
		expect(first.skipped).toEqual({ 'points with a value that is NaN or infinite': 1 });
		expect(first.ignored).toEqual({ graph: 1, image: 10, text: 1, histogram: 1 });
		expect(first.renamed).toEqual({ count: 1, examples: { 'Accuracy (top-1)': 'Accuracy_top-1_' } });
		const runs = byName(first);
		expect(Object.keys(runs).sort()).toEqual(['mnist', 'resnet/eval', 'resnet/train']);
		expect(runs.mnist.key).toBe('tensorboard:events.out.tfevents.1700000000.host.101.0');

		const mnist = await call('GET', `/experiments/${runs.mnist.experimentId}`);
		expect(mnist.status).toBe('finished');
		// No start time in event files: the run starts at its earliest point (written in 2023).
		expect(Date.parse(mnist.created_at)).toBeLessThan(Date.UTC(2024, 0, 1));
		const metrics = Object.fromEntries(mnist.metrics.map((m: { name: string }) => [m.name, m]));
		expect(metrics.loss).toMatchObject({ count: 149, first_step: 0, last_step: 149, max: 1 });
		expect(metrics.loss.last).toBe(float32Decimal(Math.fround(loss(149))));
		expect(metrics['Accuracy_top-1_']).toMatchObject({
			count: 100,
			first_step: 0,
			last_step: 99,
			last: 0.99
		});

		const train = await call('GET', `/experiments/${runs['resnet/train'].experimentId}`);
		const trainMetrics = Object.fromEntries(train.metrics.map((m: { name: string }) => [m.name, m]));
		expect(trainMetrics.epoch_loss).toMatchObject({
			count: 30,
			last_step: 29,
			last: float32Decimal(Math.fround(1 / 30))
		});
		// Doubles stay doubles.
		expect(trainMetrics.learning_rate).toMatchObject({ count: 30, first: 1e-3, last: 1e-3 / 30 });
		const evaluation = await call('GET', `/experiments/${runs['resnet/eval'].experimentId}`);
		expect(evaluation.metrics).toMatchObject([{ name: 'epoch_accuracy', count: 10, first: 0.5, last: 0.59 }]);
	});

	it("keeps each point's wall time (read back through Tora's series and MLflow's get-history)", async () => {
		const id = byName(first).mnist.experimentId!;
		const read = await call('GET', `/experiments/${id}/metrics?names=Accuracy_top-1_`);
		expect(read.series[0].times).toEqual(
			read.series[0].steps.map((step: number) => Math.round(wall(step) * 1000))
		);
		const response = await fetch(`${baseUrl}/2.0/mlflow/metrics/get-history?run_id=${id}&metric_key=loss`, {
			headers: { authorization: `Bearer ${key}` }
		});
		expect(response.status).toBe(200);
		const { metrics } = (await response.json()) as {
			metrics: Array<{ step: number; value: number; timestamp: number }>;
		};
		expect(metrics).toHaveLength(149);
		for (const step of [0, 3, 99, 100, 149])
			expect(metrics.find((m) => m.step === step)).toEqual({
				key: 'loss',
				step,
				value: float32Decimal(Math.fround(loss(step))),
				timestamp: Math.round(wall(step) * 1000)
			});
	});

	it('adds nothing when run again', async () => {
		const before = await workspaceRuns(personal);
		const { summary } = await importJson(['tensorboard', root]);
		expect(summary.runs).toEqual({ found: 3, imported: 3, created: 0, existing: 3 });
		expect(summary.points).toEqual({ read: 319, stored: 0, duplicates: 319 });
		expect(summary.experiments.map((e) => e.experimentId).sort()).toEqual(
			first.experiments.map((e) => e.experimentId).sort()
		);
		expect((await workspaceRuns(personal)).length).toBe(before.length);
		const mnist = await call('GET', `/experiments/${byName(first).mnist.experimentId}`);
		expect(mnist.metrics.map((m: { count: number }) => m.count).sort()).toEqual([100, 149]);
	});

	it('skips and counts a bad CRC, a corrupt length and a cut-off end, and imports the rest', async () => {
		const records = [fileVersion(WALL)];
		for (let step = 0; step < 20; step++)
			records.push(event(wall(step), step, [scalarValue('loss', loss(step), 'simple')]));
		const bytes = eventFileBytes(records);
		const frames = records.map((record) => eventFileBytes([record]).length);
		const start = (index: number) => frames.slice(0, index).reduce((a, b) => a + b, 0);
		const damaged = Buffer.from(bytes.subarray(0, bytes.length - 7)); // the last record cut off
		damaged[start(5) + 14] ^= 0xff; // record 5 (step 4): its data
		damaged[start(9) + 3] ^= 0x10; // record 9 (step 8): its length
		mkdirSync(join(corruptDir, 'run'));
		writeFileSync(join(corruptDir, 'run', 'events.out.tfevents.1700000000.host.201.0'), damaged);
		mkdirSync(join(corruptDir, 'junk'));
		const noise = Buffer.alloc(256 * 1024);
		for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
		writeFileSync(join(corruptDir, 'junk', 'events.out.tfevents.junk'), noise);

		const { summary, stderr } = await importJson(['tensorboard', corruptDir, '--workspace', 'Imports']);
		expect(summary.skipped).toEqual({
			'records with a bad CRC': 1,
			'corrupt stretches of an event file (a length with a bad CRC), skipped to the next good record': 1,
			'records cut off at the end of an event file': 1,
			'files named like event files that are not TFRecord files': 1,
			'runs without a single point (no experiment made)': 1
		});
		expect(summary.points).toEqual({ read: 17, stored: 17, duplicates: 0 });
		expect(summary.runs).toMatchObject({ found: 2, imported: 2, created: 1 });
		expect(stderr).toContain('tora import: run 2/2 "run": 17 points');
		const [run] = await workspaceRuns(team);
		expect(run.name).toBe('run');
		const read = await call('GET', `/experiments/${run.id}`);
		expect(read.metrics[0]).toMatchObject({ name: 'loss', count: 17, first_step: 0, last_step: 18 });
	});
});

describe('tora import mlflow', () => {
	const root = tempDir('tora-mlruns-');
	const write = (path: string, text: string) => {
		mkdirSync(join(root, path, '..'), { recursive: true });
		writeFileSync(join(root, path), text);
	};
	const runMeta = (experiment: string, id: string, name: string, status: number, stage = 'active') =>
		`artifact_uri: file://${root}/${experiment}/${id}/artifacts\nend_time: 1700000100000\nentry_point_name: ''\nexperiment_id: '${experiment}'\nlifecycle_stage: ${stage}\nrun_id: ${id}\nrun_name: ${name}\nrun_uuid: ${id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: ${status}\ntags: []\nuser_id: ada\n`;
	let first: Summary;

	beforeAll(async () => {
		write(
			'0/meta.yaml',
			`artifact_location: file://${root}/0\ncreation_time: 1700000000000\nexperiment_id: '0'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: Default\n`
		);
		write(
			'0/a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0/meta.yaml',
			runMeta('0', 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0', "''", 1)
		);
		write('0/a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0/metrics/loss', '1700000000000 0.5 0\n1700000001000 0.25 1\n');
		write(
			'123/meta.yaml',
			`artifact_location: file://${root}/123\ncreation_time: 1700000000000\nexperiment_id: '123'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: vision\n`
		);
		write('123/tags/mlflow.note.content', 'an experiment tag, not a run');
		const resnet = '123/b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1';
		write(`${resnet}/meta.yaml`, runMeta('123', 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1', 'resnet-50', 3));
		write(`${resnet}/params/lr`, '0.001');
		write(`${resnet}/params/optimizer`, 'adam');
		write(`${resnet}/params/model/depth`, '50');
		write(`${resnet}/params/pretrained`, 'True');
		write(`${resnet}/tags/mlflow.runName`, 'resnet-50');
		write(`${resnet}/tags/mlflow.user`, 'ada');
		write(`${resnet}/tags/mlflow.source.name`, 'train.py');
		write(`${resnet}/tags/mlflow.source.git.commit`, 'abcdef1234567890');
		write(`${resnet}/tags/mlflow.note.content`, '# Notes\n\nbaseline run');
		write(`${resnet}/tags/team`, 'cv');
		write(
			`${resnet}/metrics/train/loss`,
			'1700000000000 0.9 0\n1700000001000 0.5 1\n1700000002000 nan 2\nnot a metric line\n1700000003000 0.25 3\n1700000004000 0.2 3\n'
		);
		write(`${resnet}/metrics/acc`, '1700000000000 0.1 0\n1700000005000 0.8 5\n');
		const killed = '123/c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2';
		write(`${killed}/meta.yaml`, runMeta('123', 'c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2', "'killed run'", 5));
		write(`${killed}/metrics/val loss`, '1700000000000 1.5 0\n1700000001000 1.25 1\n1700000002000 1.0 2\n');
		const deleted = '123/d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3';
		write(`${deleted}/meta.yaml`, runMeta('123', 'd3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3', 'gone', 3, 'deleted'));
		write(`${deleted}/metrics/loss`, '1700000000000 1 0\n');
		write('.trash/456/meta.yaml', "experiment_id: '456'\nlifecycle_stage: deleted\nname: old\n");
		mkdirSync(join(root, 'models'));
		first = (await importJson(['mlflow', root, '--workspace', team])).summary;
	}, 120_000);

	it('makes projects of experiments and experiments of runs, with params, tags, status and history', async () => {
		expect(first.runs).toEqual({ found: 3, imported: 3, created: 3, existing: 0 });
		expect(first.points).toEqual({ read: 2 + 6 + 3, stored: 11, duplicates: 0 });
		expect(first.skipped).toEqual({
			'deleted experiments (in .trash)': 1,
			'deleted runs': 1,
			'points with a value that is NaN or infinite': 1,
			'malformed metric lines (not "<timestamp> <value> [<step>]")': 1
		});
		const runs = byName(first);
		expect(Object.keys(runs).sort()).toEqual(['a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0', 'killed run', 'resnet-50']);
		expect(runs['resnet-50'].key).toBe('mlflow:b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1');

		const resnet = await call('GET', `/experiments/${runs['resnet-50'].experimentId}`);
		expect(resnet).toMatchObject({
			status: 'finished',
			project: 'vision',
			workspace_id: team,
			tags: ['team:cv'],
			notes: '# Notes\n\nbaseline run',
			// The run's start_time, not the time of the import.
			created_at: new Date(1700000000000).toISOString()
		});
		expect(resnet.hyperparams).toEqual([
			{ key: 'lr', value: 0.001 },
			{ key: 'model/depth', value: 50 },
			{ key: 'optimizer', value: 'adam' },
			{ key: 'pretrained', value: true }
		]);
		const metrics = Object.fromEntries(resnet.metrics.map((m: { name: string }) => [m.name, m]));
		expect(metrics['train/loss']).toMatchObject({
			count: 4,
			first_step: 0,
			last_step: 3,
			min: 0.2,
			max: 0.9
		});
		expect(metrics.acc).toMatchObject({ count: 2, last_step: 5, last: 0.8 });
		const history = await fetch(
			`${baseUrl}/2.0/mlflow/metrics/get-history?run_id=${resnet.id}&metric_key=train/loss`,
			{
				headers: { authorization: `Bearer ${key}` }
			}
		);
		expect(((await history.json()) as { metrics: unknown[] }).metrics).toEqual([
			{ key: 'train/loss', value: 0.9, timestamp: 1700000000000, step: 0 },
			{ key: 'train/loss', value: 0.5, timestamp: 1700000001000, step: 1 },
			{ key: 'train/loss', value: 0.25, timestamp: 1700000003000, step: 3 },
			{ key: 'train/loss', value: 0.2, timestamp: 1700000004000, step: 3 }
		]);
		const context = await call('GET', `/experiments/${resnet.id}/context`);
		expect(context.summary).toMatchObject({ git: { commit: 'abcdef1234567890' }, command: ['train.py'] });

		const killed = await call('GET', `/experiments/${runs['killed run'].experimentId}`);
		expect(killed).toMatchObject({ status: 'failed', project: 'vision' });
		expect(killed.metrics).toMatchObject([{ name: 'val_loss', count: 3 }]);
		const running = await call('GET', `/experiments/${runs.a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0.experimentId}`);
		expect(running).toMatchObject({ project: 'Default' });

		const { projects } = await call<{ projects: Array<{ name: string; run_count: number }> }>(
			'GET',
			`/workspaces/${team}/projects`
		);
		expect(projects.map((p) => [p.name, p.run_count]).sort()).toEqual([
			['Default', 1],
			['vision', 2]
		]);
	});

	it('adds nothing when run again', async () => {
		const { summary } = await importJson(['mlflow', root, '--workspace', team]);
		expect(summary.runs).toMatchObject({ created: 0, existing: 3 });
		expect(summary.points).toEqual({ read: 11, stored: 0, duplicates: 11 });
	});
});

describe('tora import csv', () => {
	it('round-trips an export into another workspace: the copy exports exactly the same file', async () => {
		const source = await call<{ id: string }>('POST', '/experiments', {
			name: 'csv source',
			workspaceId: personal
		});
		const entry = (name: string, step: number, value: number) => ({
			name,
			msg_id: uuid7(),
			value,
			step,
			metadata: null
		});
		await call('POST', `/experiments/${source.id}/logs/batch`, {
			logs: [
				...[0, 1, 2, 3, 4].map((step) => entry('loss', step, 1 / (step + 1))),
				...[0, 1, 2].map((step) => entry('-odd', step, -step * 1e-7)),
				entry('val/acc', 2, 0.5)
			]
		});
		// A second point at a step already logged, at a later time.
		await new Promise((resolve) => setTimeout(resolve, 20));
		await call('POST', `/experiments/${source.id}/logs/batch`, {
			logs: [entry('val/acc', 2, 0.75), entry('big', 7, 1e300)]
		});
		const exported = await exportCsv(source.id);
		expect(exported).toContain(`"'-odd",1,`);
		const file = join(tempDir('tora-csv-'), 'csv_source-long.csv');
		writeFileSync(file, exported);

		const { summary } = await importJson(['csv', file, '--workspace', team, '--project', 'copies']);
		expect(summary.runs).toMatchObject({ created: 1, existing: 0 });
		expect(summary.points).toEqual({ read: 11, stored: 11, duplicates: 0 });
		const copy = summary.experiments[0];
		expect(copy.name).toBe('csv_source');
		const read = await call('GET', `/experiments/${copy.experimentId}`);
		expect(read).toMatchObject({ workspace_id: team, project: 'copies', status: 'finished' });
		expect(summary.pointTimes).toBe('timestamp');
		// Names, steps, values and logging times, in the same order: byte for byte the same export.
		expect(await exportCsv(copy.experimentId!)).toBe(exported);

		const second = (await importJson(['csv', file, '--workspace', team])).summary;
		expect(second.runs).toMatchObject({ created: 0, existing: 1 });
		expect(second.points).toEqual({ read: 11, stored: 0, duplicates: 11 });
		expect(second.experiments[0].experimentId).toBe(copy.experimentId);
	});

	it('refuses what is not a long export, saying what it is', async () => {
		const dir = tempDir('tora-csv-bad-');
		writeFileSync(join(dir, 'wide.csv'), 'step,loss\r\n0,1\r\n');
		writeFileSync(join(dir, 'binary.csv'), Buffer.from([0, 159, 146, 150, 10, 1, 2]));
		const wide = await tora(['import', 'csv', join(dir, 'wide.csv')], env);
		expect(wide.code).toBe(1);
		expect(wide.stderr).toContain('is a wide export');
		const binary = await tora(['import', 'csv', join(dir, 'binary.csv')], env);
		expect(binary.code).toBe(1);
		expect(binary.stderr).toContain('is not a Tora long CSV export');
		const missing = await tora(['import', 'tensorboard', join(dir, 'nothing-here')], env);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toMatch(/could not read .*ENOENT/);
		const usage = await tora(['import', 'wandb', dir], env);
		expect(usage.code).toBe(2);
	});
});

describe('import progress', () => {
	it('redraws one bar on a terminal and writes plain lines otherwise', () => {
		const stats = new ImportStats();
		stats.runsFound = 2;
		stats.bytesTotal = 1000;
		let now = stats.started;
		const tty: string[] = [];
		const bar = new ImportProgress(
			{ isTTY: true, write: (text: string) => tty.push(text) },
			stats,
			() => now
		);
		bar.start();
		stats.bytesDone = 500;
		stats.pointsRead = 1234;
		stats.runsDone = 1;
		now += 1000;
		bar.runDone({ name: 'a', key: 'k', experimentId: 'x', created: true, points: 1234 });
		bar.stop();
		expect(tty[1]).toMatch(/^\rtora import \[#{12}\.{12}\] {2}50% 1\/2 runs · 1,234 points \(1,234\/s\)/);
		expect(tty.at(-1)).toBe('\n');
		const plain: string[] = [];
		const lines = new ImportProgress(
			{ isTTY: false, write: (text: string) => plain.push(text) },
			stats,
			() => now
		);
		lines.start();
		lines.runDone({ name: 'a\u001b]0;x', key: 'k', experimentId: 'x', created: false, points: 5 });
		lines.stop();
		expect(plain).toEqual([
			'tora import: run 1/2 "a\\\\x1b]0;x": 5 points (imported before: only missing points added)\n'
		]);
	});
});
