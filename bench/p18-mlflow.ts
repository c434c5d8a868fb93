/**
 * P18 MLflow log-batch (issue 17): points/s through MLflow's `POST /api/2.0/mlflow/runs/log-batch`
 * with 1,000 metrics per request (MLflow's limit), against Tora's own
 * `POST /api/experiments/:id/logs/batch` with the same 1,000 points, in the same run. Each side
 * logs into its own run (10 metrics × 100 new steps per request, as a training loop's buffer
 * would), rounds alternate so drift on a shared machine hits both alike. Goal: ≥ 0.8× ours.
 *
 * What MLflow's path adds: the request's zod parse (proto3 JSON), a derived msg_id per point
 * (SHA-256), the client's timestamp kept as point metadata, the run's access check.
 */
import { randomUUID } from 'node:crypto';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P18 MLflow log-batch';
const METRICS = 10;
const STEPS_PER_BATCH = 100;
const ROUNDS = Number(process.env.BENCH_P18_ROUNDS ?? 30);
const WARMUP = 3;
const GOAL = 0.8;

async function post(ctx: BenchContext, key: string, path: string, body: unknown): Promise<unknown> {
	const response = await fetch(ctx.baseUrl + path, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify(body)
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text.slice(0, 300)}`);
	return JSON.parse(text);
}

const mlflowBatch = (runId: string, round: number) => ({
	run_id: runId,
	metrics: Array.from({ length: METRICS * STEPS_PER_BATCH }, (_, i) => ({
		key: `metric_${i % METRICS}`,
		value: Math.sin(i + round),
		timestamp: Date.now(),
		step: round * STEPS_PER_BATCH + Math.floor(i / METRICS)
	}))
});

const toraBatch = (round: number) => ({
	logs: Array.from({ length: METRICS * STEPS_PER_BATCH }, (_, i) => ({
		name: `metric_${i % METRICS}`,
		msg_id: randomUUID(),
		value: Math.sin(i + round),
		step: round * STEPS_PER_BATCH + Math.floor(i / METRICS),
		metadata: { type: 'metric' }
	}))
});

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const user = await ctx.signIn();
	const key = await ctx.createApiKey(user.token);
	const experiment = (await post(ctx, key, '/api/2.0/mlflow/experiments/create', {
		name: `bench ${randomUUID()}`
	})) as {
		experiment_id: string;
	};
	const mlflowRun = (await post(ctx, key, '/api/2.0/mlflow/runs/create', {
		experiment_id: experiment.experiment_id,
		start_time: Date.now(),
		tags: [{ key: 'mlflow.runName', value: 'bench' }]
	})) as { run: { info: { run_id: string } } };
	const runId = mlflowRun.run.info.run_id;
	const toraRun = (await post(ctx, key, '/api/experiments', { name: 'bench baseline' })) as {
		data: { id: string };
	};
	const toraPath = `/api/experiments/${toraRun.data.id}/logs/batch`;

	let oursMs = 0;
	let baselineMs = 0;
	for (let round = 0; round < WARMUP + ROUNDS; round++) {
		const mlflowBody = mlflowBatch(runId, round);
		const toraBody = toraBatch(round);
		// Alternate which side goes first, so neither always follows the other's write.
		const sides = [
			async () => {
				const start = performance.now();
				await post(ctx, key, '/api/2.0/mlflow/runs/log-batch', mlflowBody);
				if (round >= WARMUP) oursMs += performance.now() - start;
			},
			async () => {
				const start = performance.now();
				await post(ctx, key, toraPath, toraBody);
				if (round >= WARMUP) baselineMs += performance.now() - start;
			}
		];
		if (round % 2) sides.reverse();
		for (const side of sides) await side();
	}
	const points = ROUNDS * METRICS * STEPS_PER_BATCH;
	const ours = points / (oursMs / 1000);
	const baseline = points / (baselineMs / 1000);
	ctx.log(`${BENCHMARK}: MLflow ${ours.toFixed(0)} points/s, Tora ${baseline.toFixed(0)} points/s`);
	return [
		{
			benchmark: BENCHMARK,
			metric: 'log-batch, 1,000 metrics per request',
			ours,
			baseline,
			unit: 'points/s',
			ratio: ours / baseline,
			goal: `≥ ${GOAL}× baseline`,
			met: ours / baseline >= GOAL,
			note: `${ROUNDS} requests each side, ${METRICS} metrics × ${STEPS_PER_BATCH} steps; baseline: POST /api/experiments/:id/logs/batch with the same points`
		}
	];
}

runIfMain(import.meta.url, run);
