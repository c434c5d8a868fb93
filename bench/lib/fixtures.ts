/**
 * Data the API benchmarks read: a signed-in user with an API key, a few workspaces, and an
 * experiment with hyperparameters, tags, metric series and results, made through the API.
 */
import { randomUUID } from 'node:crypto';
import type { BenchContext } from './types.ts';

export interface ApiFixture {
	userId: string;
	apiKey: string;
	experimentId: string;
}

export async function apiFixture(ctx: BenchContext): Promise<ApiFixture> {
	const user = await ctx.signIn();
	const apiKey = await ctx.createApiKey(user.token);
	const call = async (method: string, path: string, body?: unknown) => {
		const response = await fetch(ctx.baseUrl + path, {
			method,
			headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
		return ((await response.json()) as { data: { id: string } }).data;
	};
	for (const name of ['Vision', 'NLP', 'Robotics']) await call('POST', '/api/workspaces', { name });
	const experiment = await call('POST', '/api/experiments', {
		name: 'resnet50-lr3e-4',
		description: 'Baseline run for the API benchmark',
		tags: ['vision', 'baseline', 'bench'],
		hyperparams: Array.from({ length: 12 }, (_, i) => ({
			key: `param_${i}`,
			value: i % 2 ? i * 0.1 : `v${i}`
		}))
	});
	const metrics = ['train/loss', 'train/acc', 'val/loss', 'val/acc', 'lr'];
	const logs = metrics.flatMap((name, m) =>
		Array.from({ length: 100 }, (_, step) => ({
			name,
			msg_id: randomUUID(),
			value: Math.exp(-step / 50) + m,
			step,
			metadata: null
		}))
	);
	const results = ['accuracy', 'f1', 'auc'].map((name, i) => ({
		name,
		msg_id: randomUUID(),
		value: 0.9 + i / 100,
		step: null,
		metadata: { type: 'result' }
	}));
	await call('POST', `/api/experiments/${experiment.id}/logs/batch`, { logs: [...logs, ...results] });
	return { userId: user.userId, apiKey, experimentId: experiment.id };
}
