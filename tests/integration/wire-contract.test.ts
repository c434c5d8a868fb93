/**
 * The fixed wire shapes (ARCHITECTURE.md, Wire contract) over real HTTP against the single server,
 * sent exactly as the public `tora` Python SDK 0.0.12 sends it: `x-api-key`, JSON bodies with its
 * field names, `{logs: [...]}` batches it re-sends after a failure, and the response fields it
 * reads (`data.id`, `data.url`, ...).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes } from '../../server/routes.ts';
import { createKey, signIn } from '../support/api.ts';

let base: string;
let stop: () => Promise<void>;
let key: string;

beforeAll(async () => {
	const server = createApp({ routes: await loadRoutes(functionsDir) });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
	stop = () => new Promise((resolve) => server.close(() => resolve()));
	key = (await createKey((await signIn()).token)).key;
});
afterAll(() => stop());

/** The SDK's request: JSON body, `x-api-key` when it has a key, nothing else. */
async function sdk(method: string, path: string, body?: unknown, apiKey: string | null = key) {
	const response = await fetch(base + path, {
		method,
		headers: {
			'Content-Type': 'application/json',
			...(apiKey ? { 'x-api-key': apiKey } : {})
		},
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	return { status: response.status, json: await response.json() };
}

const metric = (name: string, value: number, step: number) => ({
	name,
	msg_id: randomUUID(),
	value,
	step,
	metadata: { type: 'metric' }
});

describe('the tora SDK wire contract', () => {
	it('creates a workspace with a null description (create_workspace)', async () => {
		const created = await sdk('POST', '/workspaces', { name: 'SDK team', description: null });
		expect(created.status).toBe(201);
		expect(created.json).toMatchObject({ status: 201, data: { name: 'SDK team', description: '' } });
		expect(typeof created.json.data.id).toBe('string');
	});

	it('runs setup → tmetric → tresult → a retried batch → load_experiment', async () => {
		// setup(name, hyperparams=..., tags=...) without workspace_id: the caller's personal workspace.
		const created = await sdk('POST', '/experiments', {
			name: 'resnet-sweep-3',
			description: 'lr sweep',
			hyperparams: [
				{ key: 'lr', value: 0.0003 },
				{ key: 'epochs', value: 10 },
				{ key: 'optimizer', value: 'adamw' },
				{ key: 'amp', value: true }
			],
			tags: ['sweep', 'resnet']
		});
		expect(created.status).toBe(201);
		const experiment = created.json.data;
		expect(typeof experiment.id).toBe('string');
		expect(experiment.url).toBe(`${new URL(base).origin}/experiments/${experiment.id}`);
		expect(experiment.workspace_id).toEqual(expect.any(String));

		// tmetric with the SDK's buffer of 1: one entry per batch; tresult sends step null.
		const logs = [metric('train/loss', 0.9, 0), metric('train/loss', 0.7, 1), metric('val/acc', 1, 1)];
		const result = {
			name: 'best_acc',
			msg_id: randomUUID(),
			value: 0.93,
			step: null,
			metadata: { type: 'result' }
		};
		for (const entry of logs) {
			expect((await sdk('POST', `/experiments/${experiment.id}/logs/batch`, { logs: [entry] })).status).toBe(
				201
			);
		}
		// The reply was lost: the SDK keeps its buffer and sends it again with the next entry.
		const retried = await sdk('POST', `/experiments/${experiment.id}/logs/batch`, {
			logs: [...logs, result]
		});
		expect(retried.status).toBe(201);
		expect(retried.json.data).toEqual({ received: 4, stored: 1, duplicates: 3 });
		expect(
			(await sdk('POST', `/experiments/${experiment.id}/logs/batch`, { logs: [...logs, result] })).status
		).toBe(201);

		// load_experiment(id) reads these fields back.
		const loaded = await sdk('GET', `/experiments/${experiment.id}`);
		expect(loaded.status).toBe(200);
		expect(loaded.json.data).toMatchObject({
			id: experiment.id,
			url: experiment.url,
			name: 'resnet-sweep-3',
			description: 'lr sweep',
			tags: ['sweep', 'resnet'],
			hyperparams: [
				{ key: 'lr', value: 0.0003 },
				{ key: 'epochs', value: 10 },
				{ key: 'optimizer', value: 'adamw' },
				{ key: 'amp', value: true }
			]
		});
		const loss = loaded.json.data.metrics.find((m: { name: string }) => m.name === 'train/loss');
		expect(loss).toMatchObject({ count: 2, last: 0.7 });
		expect(loaded.json.data.results).toEqual([expect.objectContaining({ name: 'best_acc', value: 0.93 })]);
	});

	it('maps failures to the statuses the SDK maps to its exceptions', async () => {
		// No key: the SDK's "anonymous mode" is a 401 here, never silent access.
		expect((await sdk('POST', '/experiments', { name: 'x' }, null)).status).toBe(401);
		expect((await sdk('POST', '/experiments', { name: 'x' }, `tora_sk_${'x'.repeat(43)}`)).status).toBe(401);
		const invalid = await sdk('POST', '/experiments', { name: '' });
		expect(invalid.status).toBe(400);
		expect(invalid.json.error.code).toBe('VALIDATION_ERROR');
		const missing = await sdk('GET', `/experiments/${randomUUID()}`);
		expect(missing.status).toBe(404);
		const otherWorkspace = await sdk('POST', '/experiments', { name: 'x', workspaceId: randomUUID() });
		expect(otherWorkspace.status).toBe(404);
		// The old server crashed on a malformed msg_id; here it is a 400 naming the entry.
		const { id } = (await sdk('POST', '/experiments', { name: 'bad ids' })).json.data;
		const badMsgId = await sdk('POST', `/experiments/${id}/logs/batch`, {
			logs: [metric('loss', 1, 0), { ...metric('loss', 1, 1), msg_id: 'not-a-uuid' }]
		});
		expect(badMsgId.status).toBe(400);
		expect(badMsgId.json.error.fields).toEqual({ 'logs.1.msg_id': ['must be a UUID'] });
	});
});
