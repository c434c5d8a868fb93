/**
 * The MLflow tracking API over real HTTP, driven with the request sequence MLflow's Python client
 * sends in a session (mlflow/tracking/fluent.py through mlflow/store/tracking/rest_store.py):
 * set_experiment by name (get-by-name, then create), start_run with the system tags, log_param(s),
 * log_metric(s), set_tag, end_run, get_metric_history, search_runs with a filter and an order —
 * then the same run read back through Tora's own API. And MLflow's error shapes for bad input,
 * another workspace's run, a changed param, missing credentials and too small a role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { ingestLogs } from '../../functions/_lib/repositories/metric-ingest.repository.ts';
import { api, apiResponse, createKey } from '../support/api.ts';
import {
	addMember,
	createTeamWorkspace,
	signInWithWorkspace,
	type TestUser
} from '../support/experiments.ts';
import { startInProcessServer, type RunningServer } from '../support/fuzz-world.ts';

let server: RunningServer;
let owner: TestUser;
let ownerKey: string;
let stranger: TestUser;
let strangerKey: string;

beforeAll(async () => {
	server = await startInProcessServer();
	owner = await signInWithWorkspace();
	ownerKey = (await createKey(owner.token)).key;
	stranger = await signInWithWorkspace();
	strangerKey = (await createKey(stranger.token)).key;
});
afterAll(() => server.close());

interface Answer {
	status: number;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
}

/** One call as MLflow's client makes it: GET fields in the query string, POST fields as JSON. */
async function mlflow(
	verb: 'GET' | 'POST',
	path: string,
	fields: Record<string, unknown> = {},
	key: string | null = ownerKey,
	prefix = '/api'
): Promise<Answer> {
	const url = new URL(`${prefix}/2.0/mlflow/${path}`, server.origin);
	const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
	let body: string | undefined;
	if (verb === 'GET') {
		for (const [name, value] of Object.entries(fields)) {
			for (const item of [value].flat()) url.searchParams.append(name, String(item));
		}
	} else {
		body = JSON.stringify(fields);
		headers['content-type'] = 'application/json';
	}
	const response = await fetch(url, { method: verb, headers, body });
	const text = await response.text();
	return { status: response.status, body: JSON.parse(text) };
}

function expectMlflowError(answer: Answer, status: number, code: string): void {
	expect({ status: answer.status, code: answer.body.error_code }).toEqual({ status, code });
	expect(typeof answer.body.message).toBe('string');
	expect(answer.body).not.toHaveProperty('error');
}

/** set_experiment(name): get-by-name, and create when MLflow says it does not exist. */
async function setExperiment(name: string, key = ownerKey): Promise<string> {
	const found = await mlflow('GET', 'experiments/get-by-name', { experiment_name: name }, key);
	if (found.status === 200) return found.body.experiment.experiment_id;
	expectMlflowError(found, 404, 'RESOURCE_DOES_NOT_EXIST');
	const created = await mlflow('POST', 'experiments/create', { name }, key);
	expect(created.status).toBe(200);
	return created.body.experiment_id;
}

const SYSTEM_TAGS = [
	{ key: 'mlflow.user', value: 'ada' },
	{ key: 'mlflow.source.name', value: 'train.py' },
	{ key: 'mlflow.source.type', value: 'LOCAL' },
	{ key: 'mlflow.source.git.commit', value: '0123456789abcdef0123456789abcdef01234567' },
	{ key: 'mlflow.runName', value: 'baseline' }
];

async function startRun(experimentId: string, runName = 'baseline', key = ownerKey): Promise<string> {
	const created = await mlflow(
		'POST',
		'runs/create',
		{
			experiment_id: experimentId,
			user_id: 'ada',
			start_time: 1_700_000_000_000,
			tags: SYSTEM_TAGS.map((t) => (t.key === 'mlflow.runName' ? { ...t, value: runName } : t)),
			run_name: runName
		},
		key
	);
	expect(created.status).toBe(200);
	return created.body.run.info.run_id;
}

describe('an MLflow client session', () => {
	let experimentId: string;
	let runId: string;
	const t0 = 1_700_000_000_500;

	beforeAll(async () => {
		experimentId = await setExperiment('vision');
		runId = await startRun(experimentId);
		// log_param, log_params, log_metric, log_metrics, set_tag, end_run
		expect(
			(
				await mlflow('POST', 'runs/log-parameter', {
					run_id: runId,
					run_uuid: runId,
					key: 'lr',
					value: '0.01'
				})
			).status
		).toBe(200);
		const batch = {
			run_id: runId,
			params: [
				{ key: 'optimizer', value: 'adam' },
				{ key: 'warmup', value: '1e-3' }
			],
			metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: t0 + step, step })),
			tags: []
		};
		expect((await mlflow('POST', 'runs/log-batch', batch)).status).toBe(200);
		// A retried batch (the client's HTTP layer retries) stores nothing twice.
		expect((await mlflow('POST', 'runs/log-batch', batch)).status).toBe(200);
		expect(
			(
				await mlflow('POST', 'runs/log-metric', {
					run_id: runId,
					run_uuid: runId,
					key: 'acc',
					value: 0.9,
					timestamp: t0,
					step: 2
				})
			).status
		).toBe(200);
		expect(
			(await mlflow('POST', 'runs/set-tag', { run_id: runId, run_uuid: runId, key: 'team', value: 'cv' }))
				.status
		).toBe(200);
		const ended = await mlflow('POST', 'runs/update', {
			run_id: runId,
			run_uuid: runId,
			status: 'FINISHED',
			end_time: t0 + 10
		});
		expect(ended.status).toBe(200);
		expect(ended.body.run_info).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: t0 + 10 });
	});

	it('finds the experiment by name the second time instead of creating it', async () => {
		expect(await setExperiment('vision')).toBe(experimentId);
		const got = await mlflow('GET', 'experiments/get', { experiment_id: experimentId });
		expect(got.body.experiment).toMatchObject({
			experiment_id: experimentId,
			name: 'vision',
			lifecycle_stage: 'active'
		});
	});

	it('answers get-run with exactly what was logged', async () => {
		const { status, body } = await mlflow('GET', 'runs/get', { run_uuid: runId, run_id: runId });
		expect(status).toBe(200);
		expect(body.run.info).toMatchObject({
			run_id: runId,
			run_name: 'baseline',
			experiment_id: experimentId,
			user_id: 'ada',
			status: 'FINISHED',
			start_time: 1_700_000_000_000,
			end_time: t0 + 10,
			lifecycle_stage: 'active'
		});
		expect(body.run.data.params).toEqual([
			{ key: 'lr', value: '0.01' },
			{ key: 'optimizer', value: 'adam' },
			{ key: 'warmup', value: '1e-3' }
		]);
		expect(body.run.data.metrics).toEqual(
			expect.arrayContaining([
				{ key: 'loss', value: 1 / 3, timestamp: t0 + 2, step: 2 },
				{ key: 'acc', value: 0.9, timestamp: t0, step: 2 }
			])
		);
		expect(body.run.data.tags).toEqual(
			expect.arrayContaining([...SYSTEM_TAGS, { key: 'team', value: 'cv' }])
		);
	});

	it('returns the metric history with the client timestamps, once per point despite the retry', async () => {
		const { body } = await mlflow('GET', 'metrics/get-history', {
			run_id: runId,
			run_uuid: runId,
			metric_key: 'loss'
		});
		expect(body.metrics).toEqual(
			[0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: t0 + step, step }))
		);
		expect(body.next_page_token).toBeUndefined();
		const paged = await mlflow('GET', 'metrics/get-history', {
			run_id: runId,
			metric_key: 'loss',
			max_results: 2
		});
		expect(paged.body.metrics.map((m: { step: number }) => m.step)).toEqual([0, 1]);
		const rest = await mlflow('GET', 'metrics/get-history', {
			run_id: runId,
			metric_key: 'loss',
			max_results: 2,
			page_token: paged.body.next_page_token
		});
		expect(rest.body.metrics.map((m: { step: number }) => m.step)).toEqual([2]);
	});

	it("reads back through Tora's own API", async () => {
		const got = await api('GET', `/api/experiments/${runId}`, { apiKey: ownerKey });
		expect(got.status).toBe(200);
		expect(got.body.data).toMatchObject({
			name: 'baseline',
			status: 'finished',
			project: 'vision',
			project_id: experimentId
		});
		expect(got.body.data.hyperparams).toEqual([
			{ key: 'lr', value: 0.01 },
			{ key: 'optimizer', value: 'adam' },
			{ key: 'warmup', value: '1e-3' }
		]);
		expect(got.body.data.tags).toContain('team=cv');
		const metrics = await api('GET', `/api/experiments/${runId}/metrics?names=loss`, { apiKey: ownerKey });
		expect(metrics.body.data.series[0]).toMatchObject({ name: 'loss', steps: [0, 1, 2] });
		const context = await api('GET', `/api/experiments/${runId}/context`, { apiKey: ownerKey });
		expect(context.body.data.summary.git.commit).toBe('0123456789abcdef0123456789abcdef01234567');
	});

	it("stores the client's timestamps as the points' times, which Tora's reads and export show", async () => {
		const metrics = await api('GET', `/api/experiments/${runId}/metrics?names=loss`, { apiKey: ownerKey });
		expect(metrics.body.data.series[0].times).toEqual([t0, t0 + 1, t0 + 2]);
		const csv = await (
			await apiResponse('GET', `/api/experiments/${runId}/export.csv`, { apiKey: ownerKey })
		).text();
		expect(csv).toContain(`loss,0,1,${new Date(t0).toISOString()}\r\n`);
		const stored = await getDb()
			.selectFrom('metric_points as p')
			.innerJoin('metric_series as s', 's.id', 'p.series_id')
			.select(['p.metadata'])
			.where('s.experiment_id', '=', runId)
			.execute();
		expect(stored.map((row) => row.metadata)).toEqual(stored.map(() => null));
	});

	it('still reads the timestamp of a point stored before points had times (in its metadata)', async () => {
		// Another experiment: the searches below count this one's runs.
		const run = await startRun(await setExperiment('timestamps'), 'older');
		const outcome = await ingestLogs(getDb(), run, [
			{ name: 'old', msg_id: crypto.randomUUID(), value: 1, step: 0, metadata: { ts: 1_600_000_000_000 } }
		]);
		expect(outcome).toMatchObject({ stored: 1 });
		const { body } = await mlflow('GET', 'metrics/get-history', { run_id: run, metric_key: 'old' });
		expect(body.metrics).toEqual([{ key: 'old', value: 1, timestamp: 1_600_000_000_000, step: 0 }]);
	});

	it("answers the same calls under /ajax-api, as MLflow's web UI makes them", async () => {
		const direct = await mlflow('GET', 'runs/get', { run_id: runId });
		const ajax = await mlflow('GET', 'runs/get', { run_id: runId }, ownerKey, '/ajax-api');
		expect(ajax).toEqual(direct);
		const history = await mlflow(
			'GET',
			'metrics/get-history',
			{ run_id: runId, metric_key: 'loss' },
			ownerKey,
			'/ajax-api'
		);
		expect(history.body.metrics).toHaveLength(3);
		const named = await mlflow(
			'GET',
			'experiments/get-by-name',
			{ experiment_name: 'vision' },
			ownerKey,
			'/ajax-api'
		);
		expect(named.body.experiment.experiment_id).toBe(experimentId);
		expectMlflowError(
			await mlflow('POST', 'runs/set-tag', { run_id: runId, key: 'k', value: 'v' }, null, '/ajax-api'),
			401,
			'UNAUTHENTICATED'
		);
		// The artifact routes answer alike under both prefixes.
		const artifact = (prefix: string) =>
			fetch(
				new URL(`${prefix}/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/none.txt`, server.origin),
				{
					headers: { authorization: `Bearer ${ownerKey}` }
				}
			).then(async (response) => ({ status: response.status, body: await response.json() }));
		expect(await artifact('/ajax-api')).toEqual(await artifact('/api'));
	});

	it('reports the start time runs/create was given and the end time of runs/update', async () => {
		// Another experiment: the searches below count this one's runs.
		const run = await startRun(await setExperiment('timestamps'), 'timed');
		const { body } = await mlflow('GET', 'runs/get', { run_id: run });
		expect(body.run.info).toMatchObject({ status: 'RUNNING', start_time: 1_700_000_000_000 });
		expect(body.run.info).not.toHaveProperty('end_time');
		await mlflow('POST', 'runs/update', { run_id: run, status: 'KILLED', end_time: 1_700_000_360_000 });
		const ended = await mlflow('GET', 'runs/get', { run_id: run });
		expect(ended.body.run.info).toMatchObject({
			status: 'KILLED',
			start_time: 1_700_000_000_000,
			end_time: 1_700_000_360_000
		});
	});

	it('searches runs with a filter and an order', async () => {
		const other = await startRun(experimentId, 'wider');
		await mlflow('POST', 'runs/log-batch', {
			run_id: other,
			params: [{ key: 'lr', value: '0.1' }],
			metrics: [{ key: 'loss', value: 0.2, timestamp: t0, step: 5 }]
		});
		const both = await mlflow('POST', 'runs/search', {
			experiment_ids: [experimentId],
			filter: "metrics.loss < 0.5 and params.lr IN ('0.01', '0.1') and tags.`mlflow.user` = 'ada'",
			run_view_type: 'ACTIVE_ONLY',
			max_results: 10,
			order_by: ['metrics.loss ASC']
		});
		expect(both.status).toBe(200);
		expect(both.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([other, runId]);
		const one = await mlflow('POST', 'runs/search', {
			experiment_ids: [experimentId],
			filter: "params.lr = '0.01' AND attributes.status = 'FINISHED' AND attributes.run_name LIKE 'base%'",
			max_results: 1
		});
		expect(one.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runId]);
		// Pages: one run per page, then the next by token.
		const first = await mlflow('POST', 'runs/search', {
			experiment_ids: [experimentId],
			max_results: 1,
			order_by: ['attributes.run_name']
		});
		expect(first.body.runs[0].info.run_name).toBe('baseline');
		const second = await mlflow('POST', 'runs/search', {
			experiment_ids: [experimentId],
			max_results: 1,
			order_by: ['attributes.run_name'],
			page_token: first.body.next_page_token
		});
		expect(second.body.runs[0].info.run_name).toBe('wider');
		expect(second.body.next_page_token).toBeUndefined();
		// Deleted runs leave ACTIVE_ONLY searches and come back on restore.
		await mlflow('POST', 'runs/delete', { run_id: other });
		const active = await mlflow('POST', 'runs/search', { experiment_ids: [experimentId] });
		expect(active.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runId]);
		const deleted = await mlflow('POST', 'runs/search', {
			experiment_ids: [experimentId],
			run_view_type: 'DELETED_ONLY'
		});
		expect(deleted.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([other]);
		expectMlflowError(
			await mlflow('POST', 'runs/log-metric', { run_id: other, key: 'x', value: 1, timestamp: t0 }),
			400,
			'INVALID_PARAMETER_VALUE'
		);
		await mlflow('POST', 'runs/restore', { run_id: other });
		const restored = await mlflow('POST', 'runs/search', { experiment_ids: [experimentId] });
		expect(restored.body.runs).toHaveLength(2);
	});

	it('keeps several values logged at one step', async () => {
		const run = await startRun(experimentId, 'repeats');
		await mlflow('POST', 'runs/log-batch', {
			run_id: run,
			metrics: [
				{ key: 'lr', value: 0.1, timestamp: t0, step: 0 },
				{ key: 'lr', value: 0.2, timestamp: t0 + 1, step: 0 }
			]
		});
		const { body } = await mlflow('GET', 'metrics/get-history', { run_id: run, metric_key: 'lr' });
		expect(body.metrics.map((m: { value: number }) => m.value)).toEqual([0.1, 0.2]);
	});

	it('refuses a changed param with INVALID_PARAMETER_VALUE and accepts the same value again', async () => {
		expect(
			(await mlflow('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })).status
		).toBe(200);
		const changed = await mlflow('POST', 'runs/log-batch', {
			run_id: runId,
			params: [{ key: 'lr', value: '0.02' }],
			metrics: [{ key: 'never', value: 1, timestamp: t0, step: 0 }]
		});
		expectMlflowError(changed, 400, 'INVALID_PARAMETER_VALUE');
		expect(changed.body.message).toContain("key='lr'");
		// Nothing of the refused batch was stored.
		const history = await mlflow('GET', 'metrics/get-history', { run_id: runId, metric_key: 'never' });
		expect(history.body.metrics).toEqual([]);
	});
});

describe('MLflow errors', () => {
	let runId: string;
	beforeAll(async () => {
		runId = await startRun(await setExperiment('errors'));
	});

	it('answers missing or wrong fields with INVALID_PARAMETER_VALUE', async () => {
		expectMlflowError(
			await mlflow('POST', 'runs/log-batch', { metrics: [] }),
			400,
			'INVALID_PARAMETER_VALUE'
		);
		expectMlflowError(
			await mlflow('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 'high', timestamp: 1 }),
			400,
			'INVALID_PARAMETER_VALUE'
		);
		expectMlflowError(
			await mlflow('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 'NaN', timestamp: 1 }),
			400,
			'INVALID_PARAMETER_VALUE'
		);
		expectMlflowError(
			await mlflow('POST', 'runs/update', { run_id: runId, status: 'DONE' }),
			400,
			'INVALID_PARAMETER_VALUE'
		);
		expectMlflowError(await mlflow('POST', 'experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE');
		expectMlflowError(
			await mlflow('POST', 'runs/search', { experiment_ids: ['0'], filter: 'metrics.loss <' }),
			400,
			'INVALID_PARAMETER_VALUE'
		);
		expectMlflowError(
			await mlflow('POST', 'runs/search', { experiment_ids: ['0'], filter: 'a = 1 OR b = 2' }),
			400,
			'INVALID_PARAMETER_VALUE'
		);
		for (const timestamp of [-1, Date.now() + 2 * 24 * 3600 * 1000]) {
			const refused = await mlflow('POST', 'runs/log-metric', {
				run_id: runId,
				key: 'loss',
				value: 1,
				timestamp
			});
			expectMlflowError(refused, 400, 'INVALID_PARAMETER_VALUE');
			expect(refused.body.message).toContain(`timestamp ${timestamp}`);
		}
		const tooMany = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
		expectMlflowError(
			await mlflow('POST', 'runs/log-batch', { run_id: runId, metrics: tooMany }),
			400,
			'INVALID_PARAMETER_VALUE'
		);
	});

	it("answers an unknown endpoint, a bad id and a missing credential in MLflow's shape", async () => {
		expectMlflowError(await mlflow('POST', 'runs/explode', {}), 404, 'ENDPOINT_NOT_FOUND');
		expectMlflowError(await mlflow('GET', 'runs/create', {}), 405, 'ENDPOINT_NOT_FOUND');
		expectMlflowError(await mlflow('GET', 'runs/get', { run_id: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
		expectMlflowError(await mlflow('GET', 'runs/get', { run_id: runId }, null), 401, 'UNAUTHENTICATED');
		expectMlflowError(await mlflow('GET', 'experiments/create', {}), 405, 'ENDPOINT_NOT_FOUND');
		const duplicate = await mlflow('POST', 'experiments/create', { name: 'errors' });
		expectMlflowError(duplicate, 400, 'RESOURCE_ALREADY_EXISTS');
	});

	it("treats another workspace's run and experiment as not existing", async () => {
		expectMlflowError(
			await mlflow('GET', 'runs/get', { run_id: runId }, strangerKey),
			404,
			'RESOURCE_DOES_NOT_EXIST'
		);
		expectMlflowError(
			await mlflow(
				'POST',
				'runs/log-metric',
				{ run_id: runId, key: 'x', value: 1, timestamp: 1 },
				strangerKey
			),
			404,
			'RESOURCE_DOES_NOT_EXIST'
		);
		const own = await mlflow('GET', 'runs/get', { run_id: runId });
		const experimentId = own.body.run.info.experiment_id;
		expectMlflowError(
			await mlflow('GET', 'experiments/get', { experiment_id: experimentId }, strangerKey),
			404,
			'RESOURCE_DOES_NOT_EXIST'
		);
		// The stranger's own "errors" experiment is another one, in their workspace.
		expect(await setExperiment('errors', strangerKey)).not.toBe(experimentId);
	});

	it('lets a viewer read and refuses their writes with PERMISSION_DENIED', async () => {
		const team = await createTeamWorkspace(owner.userId, 'MLflow team');
		const teamExperiment = await setExperiment(`${team}/shared`);
		const teamRun = await startRun(teamExperiment, 'shared run');
		await addMember(team, stranger.userId, 'viewer');
		const named = await mlflow(
			'GET',
			'experiments/get-by-name',
			{ experiment_name: `${team}/shared` },
			strangerKey
		);
		expect(named.body.experiment.experiment_id).toBe(teamExperiment);
		expect((await mlflow('GET', 'runs/get', { run_id: teamRun }, strangerKey)).status).toBe(200);
		expectMlflowError(
			await mlflow('POST', 'runs/set-tag', { run_id: teamRun, key: 'k', value: 'v' }, strangerKey),
			403,
			'PERMISSION_DENIED'
		);
		expectMlflowError(
			await mlflow('POST', 'runs/create', { experiment_id: teamExperiment }, strangerKey),
			403,
			'PERMISSION_DENIED'
		);
	});

	it("answers artifact calls about a run that does not exist with MLflow's error shape", async () => {
		const response = await fetch(
			new URL('/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/model.pkl', server.origin),
			{
				headers: { authorization: `Bearer ${ownerKey}` }
			}
		);
		expectMlflowError(
			{ status: response.status, body: await response.json() },
			404,
			'RESOURCE_DOES_NOT_EXIST'
		);
	});

	it('makes experiment "0" the Default project on first use', async () => {
		const run = await startRun('0', 'default run');
		const { body } = await mlflow('GET', 'runs/get', { run_id: run });
		const got = await mlflow('GET', 'experiments/get', { experiment_id: body.run.info.experiment_id });
		expect(got.body.experiment.name).toBe('Default');
	});
});
