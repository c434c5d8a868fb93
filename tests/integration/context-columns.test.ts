/**
 * Context keys (`git.commit`, `host`, ...) as runs-table columns through the real list and batch
 * handlers: the values rows carry when asked for (and only then), each bounded, and lists sorted
 * and paged by a context key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_LIST_CONTEXT_CHARS } from '../../functions/_lib/contracts/experiments.ts';
import { api, expectEnvelope } from '../support/api.ts';
import {
	createExperiment,
	createTeamWorkspace,
	signInWithWorkspace,
	type TestUser
} from '../support/experiments.ts';

let owner: TestUser;
let workspaceId: string;
/** Runs by name: three with a context, one without. */
const ids: Record<string, string> = {};

const COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const longArgument = 'x'.repeat(3000);

beforeAll(async () => {
	owner = await signInWithWorkspace();
	workspaceId = await createTeamWorkspace(owner.userId, 'Context columns');
	const contexts: Record<string, Record<string, unknown> | null> = {
		alpha: {
			git: { commit: COMMIT, branch: 'main', dirty: true },
			host: 'gpu-box-2',
			memoryBytes: 68_719_476_736,
			gpus: [{ name: 'A100' }, { name: 'A100' }],
			runtime: { name: 'python', version: '3.11.7' },
			command: ['train.py', longArgument]
		},
		beta: { git: { commit: 'abcdef1', branch: 'feature/warmup', dirty: false }, host: 'gpu-box-1', cpus: 8 },
		gamma: { host: 'cpu-box', gpus: [] },
		none: null
	};
	for (const [name, context] of Object.entries(contexts)) {
		ids[name] = (await createExperiment({ token: owner.token }, { name, workspaceId })).id;
		if (context) {
			const put = await api('PUT', `/api/experiments/${ids[name]}/context`, {
				token: owner.token,
				body: context
			});
			expect(put.status).toBe(200);
		}
	}
});

async function list(query: string) {
	const result = await api('GET', `/api/workspaces/${workspaceId}/experiments?${query}`, {
		token: owner.token
	});
	expect(result.status, JSON.stringify(result.body)).toBe(200);
	return result.body.data as {
		items: Array<{ id: string; name: string; context_values?: Record<string, unknown> }>;
		next_cursor: string | null;
	};
}

const byName = (items: Array<{ name: string; context_values?: Record<string, unknown> }>) =>
	Object.fromEntries(items.map((item) => [item.name, item.context_values]));

describe('context keys as list columns', () => {
	it('carry each asked key per row, null where a run has none, and nothing unless asked', async () => {
		const columns = encodeURIComponent('git.commit,git.dirty,host,memory,gpu,cpus,runtime,hp.lr');
		const page = await list(`columns=${columns}&sort=name`);
		expect(byName(page.items)).toEqual({
			alpha: {
				'git.commit': COMMIT,
				'git.dirty': true,
				host: 'gpu-box-2',
				memory: 68_719_476_736,
				gpu: ['A100', 'A100'],
				cpus: null,
				runtime: 'python 3.11.7'
			},
			beta: {
				'git.commit': 'abcdef1',
				'git.dirty': false,
				host: 'gpu-box-1',
				memory: null,
				gpu: [],
				cpus: 8,
				runtime: null
			},
			gamma: {
				'git.commit': null,
				'git.dirty': null,
				host: 'cpu-box',
				memory: null,
				gpu: [],
				cpus: null,
				runtime: null
			},
			none: {
				'git.commit': null,
				'git.dirty': null,
				host: null,
				memory: null,
				gpu: null,
				cpus: null,
				runtime: null
			}
		});
		const plain = await list('columns=hp.lr');
		expect(plain.items.every((item) => !('context_values' in item))).toBe(true);
	});

	it('cut long text: a row holds at most MAX_LIST_CONTEXT_CHARS of a command, filters read it whole', async () => {
		const page = await list(
			`columns=command&filter=${encodeURIComponent(`command ~ "${'x'.repeat(1500)}"`)}`
		);
		expect(page.items.map((item) => item.name)).toEqual(['alpha']);
		const command = page.items[0].context_values!.command as string;
		expect(command).toHaveLength(MAX_LIST_CONTEXT_CHARS);
		expect(command.startsWith('train.py xxx')).toBe(true);
	});

	it('sort by a text context key A→Z by default, runs without it last, paged exactly', async () => {
		const names: string[] = [];
		let cursor: string | null = null;
		do {
			const page = await list(`sort=host&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
			names.push(...page.items.map((item) => item.name));
			// The sort key's values come along, as a client merging lists needs them.
			expect(page.items.every((item) => item.context_values && 'host' in item.context_values)).toBe(true);
			cursor = page.next_cursor;
		} while (cursor);
		expect(names).toEqual(['gamma', 'beta', 'alpha', 'none']);
		const descending = await list('sort=git.branch&order=desc');
		expect(descending.items.map((item) => item.name).slice(0, 2)).toEqual(['alpha', 'beta']);
		const byMemory = await list('sort=memory');
		expect(byMemory.items[0].name).toBe('alpha');
	});

	it('refuses sorting by the GPU list and unknown keys, naming the field', async () => {
		for (const [query, field] of [
			['sort=gpu', 'sort'],
			['columns=git.author', 'columns']
		]) {
			const result = await api('GET', `/api/workspaces/${workspaceId}/experiments?${query}`, {
				token: owner.token
			});
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields ?? {})).toEqual([field]);
		}
	});
});

describe('context keys in a batch read', () => {
	it('carry the values of `context`, and refuse a key that is not one', async () => {
		const batch = await api('POST', '/api/experiments/batch', {
			token: owner.token,
			body: { ids: [ids.none, ids.beta], context: ['git.branch', 'host', 'host'] }
		});
		expect(batch.status).toBe(200);
		expect(batch.body.data.map((item: { context_values: unknown }) => item.context_values)).toEqual([
			{ 'git.branch': null, host: null },
			{ 'git.branch': 'feature/warmup', host: 'gpu-box-1' }
		]);
		const plain = await api('POST', '/api/experiments/batch', {
			token: owner.token,
			body: { ids: [ids.beta] }
		});
		expect(plain.body.data[0]).not.toHaveProperty('context_values');
		const refused = await api('POST', '/api/experiments/batch', {
			token: owner.token,
			body: { ids: [ids.beta], context: ['hp.lr'] }
		});
		expectEnvelope(refused, 400, 'VALIDATION_ERROR');
		expect(Object.keys(refused.body.error!.fields ?? {})).toEqual(['context.0']);
	});
});
