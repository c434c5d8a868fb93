import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { localJwtSecret } from '../../functions/_lib/tokens.ts';
import { api, createKey, expectEnvelope, randomEmail, signIn } from '../support/api.ts';
import { configure, resetConfig } from '../support/config.ts';
import {
	addMember,
	createExperiment,
	createTeamWorkspace,
	insertMetric,
	insertResult,
	listAll,
	removeMember,
	signInWithWorkspace
} from '../support/experiments.ts';

afterEach(resetConfig);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An owner with a personal workspace, a viewer and an editor in it, and a stranger to it. */
async function signInTeam() {
	const owner = await signInWithWorkspace();
	const viewer = await signIn();
	const editor = await signIn();
	const stranger = await signIn();
	await addMember(owner.personalWorkspaceId, viewer.userId, 'viewer');
	await addMember(owner.personalWorkspaceId, editor.userId, 'editor');
	return { owner, viewer, editor, stranger };
}

describe('creating experiments', () => {
	it('accepts the public SDK’s request (x-api-key, no workspace) into the personal workspace', async () => {
		const user = await signInWithWorkspace();
		const { key } = await createKey(user.token);
		const hyperparams = [
			{ key: 'lr', value: 0.001 },
			{ key: 'epochs', value: 10 },
			{ key: 'use_amp', value: true },
			{ key: 'optimizer', value: 'adam' }
		];
		const created = await api('POST', '/api/experiments', {
			apiKey: key,
			body: { name: '  resnet baseline  ', description: 'first try', hyperparams, tags: ['vision', 'ResNet'] }
		});
		expect(created.status).toBe(201);
		expect(created.body.status).toBe(201);
		const experiment = created.body.data;
		expect(typeof experiment.id).toBe('string');
		expect(experiment.id).toMatch(UUID);
		expect(experiment.url).toBe(`http://tora.test/experiments/${experiment.id}`);
		expect(experiment).toMatchObject({
			name: 'resnet baseline',
			description: 'first try',
			hyperparams,
			tags: ['vision', 'ResNet'],
			status: 'running',
			workspace_id: user.personalWorkspaceId,
			created_by: user.userId,
			metrics: [],
			results: []
		});
		expect(Date.parse(experiment.created_at)).not.toBeNaN();
		expect(experiment.updated_at).toBe(experiment.created_at);

		// load_experiment: the same key reads it back with the fields the SDK parses.
		const loaded = await api('GET', `/api/experiments/${experiment.id}`, { apiKey: key });
		expect(loaded.status).toBe(200);
		expect(loaded.body.data).toEqual(experiment);
	});

	it('creates the personal workspace on first use for a user who never had one', async () => {
		const sub = randomUUID();
		const token = await new SignJWT({ email: randomEmail('fresh'), role: 'authenticated' })
			.setProtectedHeader({ alg: 'HS256' })
			.setSubject(sub)
			.setIssuer('tora-local')
			.setAudience('authenticated')
			.setExpirationTime('5m')
			.sign(localJwtSecret());
		const experiment = await createExperiment({ token }, { name: 'first' });
		const personal = await getDb()
			.selectFrom('workspaces')
			.select('id')
			.where('personal_owner_id', '=', sub)
			.executeTakeFirstOrThrow();
		expect(experiment.workspace_id).toBe(personal.id);
	});

	it('builds the url from TORA_PUBLIC_URL when it is set', async () => {
		configure({ TORA_PUBLIC_URL: 'https://tora.example.com/' });
		const user = await signIn();
		const experiment = await createExperiment({ token: user.token }, { name: 'linked' });
		expect(experiment.url).toBe(`https://tora.example.com/experiments/${experiment.id}`);
	});

	it('puts a scoped key’s experiments in its workspace, and refuses other workspaces with 403', async () => {
		const user = await signInWithWorkspace();
		const team = await createTeamWorkspace(user.userId);
		const { key } = await createKey(user.token, team);
		const experiment = await createExperiment({ apiKey: key }, { name: 'scoped' });
		expect(experiment.workspace_id).toBe(team);
		const upperCase = await createExperiment(
			{ apiKey: key },
			{ name: 'upper', workspaceId: team.toUpperCase() }
		);
		expect(upperCase.workspace_id).toBe(team);
		const elsewhere = await api('POST', '/api/experiments', {
			apiKey: key,
			body: { name: 'elsewhere', workspaceId: user.personalWorkspaceId }
		});
		expectEnvelope(elsewhere, 403, 'FORBIDDEN');
	});

	it('needs the editor role in the target workspace; strangers and unknown workspaces get 404', async () => {
		const { owner, viewer, editor, stranger } = await signInTeam();
		const body = { name: 'shared', workspaceId: owner.personalWorkspaceId };

		const asViewer = await api('POST', '/api/experiments', { token: viewer.token, body });
		expectEnvelope(asViewer, 403, 'FORBIDDEN');
		expect(asViewer.body.error!.message).toMatch(/editor/);
		expect((await api('POST', '/api/experiments', { token: editor.token, body })).status).toBe(201);
		expectEnvelope(await api('POST', '/api/experiments', { token: stranger.token, body }), 404, 'NOT_FOUND');
		expectEnvelope(
			await api('POST', '/api/experiments', {
				token: owner.token,
				body: { name: 'nowhere', workspaceId: randomUUID() }
			}),
			404,
			'NOT_FOUND'
		);
		expectEnvelope(
			await api('POST', '/api/experiments', { body: { name: 'anonymous' } }),
			401,
			'UNAUTHENTICATED'
		);
	});

	it('stores unusual but valid input verbatim', async () => {
		const user = await signIn();
		const rocketName = '🚀'.repeat(255);
		const sqlish = "x'); drop table experiments; --";
		const hyperparams = [
			{ key: 'huge', value: 1e308 },
			{ key: 'tiny', value: -5e-324 },
			{ key: 'big_int', value: 2 ** 53 },
			{ key: 'nan_text', value: 'NaN' },
			{ key: 'off', value: false },
			{ key: 'emoji 🧪', value: '值' }
		];
		const created = await createExperiment(
			{ token: user.token },
			{
				name: `${sqlish} 日本語 🚀`,
				description: `line one\nline two\t${sqlish} <script>alert(1)</script>`,
				hyperparams,
				tags: ['🔥', 'a,b;c', 'Dup', 'dup', 'DUP', 'other']
			}
		);
		const loaded = (await api('GET', `/api/experiments/${created.id}`, { token: user.token })).body.data;
		expect(loaded.name).toBe(`${sqlish} 日本語 🚀`);
		expect(loaded.description).toBe(`line one\nline two\t${sqlish} <script>alert(1)</script>`);
		// Read back exactly as sent: extreme numbers, a numeric-looking string, false, non-ASCII keys.
		expect(loaded.hyperparams).toEqual(hyperparams);
		expect(loaded.tags).toEqual(['🔥', 'a,b;c', 'Dup', 'other']);

		// Lengths count characters, as the SDK does: 255 emoji fit.
		const rockets = await createExperiment({ token: user.token }, { name: rocketName, description: null });
		expect(rockets.name).toBe(rocketName);
		expect(rockets.description).toBe('');
	});

	const invalid: Array<[string, unknown, string]> = [
		['a missing name', {}, 'name'],
		['an empty name', { name: '' }, 'name'],
		['a blank name', { name: '   ' }, 'name'],
		['a 256-character name', { name: 'x'.repeat(256) }, 'name'],
		['a 10,000-character name', { name: 'x'.repeat(10_000) }, 'name'],
		['a name with a control character', { name: 'bell\u0007' }, 'name'],
		['a name with a newline', { name: 'two\nlines' }, 'name'],
		['a name with NUL', { name: 'nul\u0000' }, 'name'],
		['a name with an unpaired surrogate', { name: 'half \ud83d' }, 'name'],
		['a numeric name', { name: 42 }, 'name'],
		['a null name', { name: null }, 'name'],
		['a nested name', { name: { $ne: '' } }, 'name'],
		['a non-UUID workspaceId', { name: 'x', workspaceId: "1' or '1'='1" }, 'workspaceId'],
		['a 10,001-character description', { name: 'x', description: 'd'.repeat(10_001) }, 'description'],
		['a description with NUL', { name: 'x', description: 'a\u0000b' }, 'description'],
		['a description with an unpaired surrogate', { name: 'x', description: '\udc00' }, 'description'],
		['hyperparams as an object', { name: 'x', hyperparams: { lr: 0.1 } }, 'hyperparams'],
		['a hyperparam without a value', { name: 'x', hyperparams: [{ key: 'lr' }] }, 'hyperparams.0.value'],
		[
			'a null hyperparam value',
			{ name: 'x', hyperparams: [{ key: 'lr', value: null }] },
			'hyperparams.0.value'
		],
		[
			'a nested hyperparam value',
			{ name: 'x', hyperparams: [{ key: 'lr', value: { a: 1 } }] },
			'hyperparams.0.value'
		],
		[
			'an array hyperparam value',
			{ name: 'x', hyperparams: [{ key: 'lr', value: [1, 2] }] },
			'hyperparams.0.value'
		],
		[
			'a 1,001-character hyperparam value',
			{ name: 'x', hyperparams: [{ key: 'k', value: 'v'.repeat(1001) }] },
			'hyperparams.0.value'
		],
		[
			'a hyperparam value with NUL',
			{ name: 'x', hyperparams: [{ key: 'k', value: '\u0000' }] },
			'hyperparams.0.value'
		],
		['an empty hyperparam key', { name: 'x', hyperparams: [{ key: ' ', value: 1 }] }, 'hyperparams.0.key'],
		[
			'a 101-character hyperparam key',
			{ name: 'x', hyperparams: [{ key: 'k'.repeat(101), value: 1 }] },
			'hyperparams.0.key'
		],
		[
			'duplicate hyperparam keys',
			{
				name: 'x',
				hyperparams: [
					{ key: 'lr', value: 1 },
					{ key: 'lr', value: 2 }
				]
			},
			'hyperparams.1.key'
		],
		[
			'an unknown hyperparam field',
			{ name: 'x', hyperparams: [{ key: 'k', value: 1, type: 'int' }] },
			'hyperparams.0'
		],
		[
			'501 hyperparams',
			{ name: 'x', hyperparams: Array.from({ length: 501 }, (_, i) => ({ key: `k${i}`, value: i })) },
			'hyperparams'
		],
		['tags as a string', { name: 'x', tags: 'a,b' }, 'tags'],
		['51 tags', { name: 'x', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'tags'],
		['a 51-character tag', { name: 'x', tags: ['t'.repeat(51)] }, 'tags.0'],
		['an empty tag', { name: 'x', tags: ['ok', ''] }, 'tags.1'],
		['a numeric tag', { name: 'x', tags: [1] }, 'tags.0'],
		['a status on create', { name: 'x', status: 'finished' }, '_'],
		['an unknown field', { name: 'x', workspace_id: randomUUID() }, '_']
	];
	for (const [label, body, field] of invalid) {
		it(`rejects ${label} with 400 naming ${field}`, async () => {
			const user = await signIn();
			const result = await api('POST', '/api/experiments', { token: user.token, body });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields ?? {})).toContain(field);
		});
	}

	it('rejects NaN and Infinity (not JSON), bodies over 64 KB, and non-JSON bodies', async () => {
		const user = await signIn();
		for (const raw of [
			'{"name":"x","hyperparams":[{"key":"lr","value":NaN}]}',
			'{"name":"x","hyperparams":[{"key":"lr","value":Infinity}]}'
		]) {
			const result = await api('POST', '/api/experiments', {
				token: user.token,
				rawBody: raw,
				headers: { 'content-type': 'application/json' }
			});
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(result.body.error!.message).toMatch(/not valid JSON/);
		}
		const big = await api('POST', '/api/experiments', {
			token: user.token,
			body: { name: 'big', description: 'd'.repeat(70_000) }
		});
		expectEnvelope(big, 413, 'PAYLOAD_TOO_LARGE');
		const form = await api('POST', '/api/experiments', {
			token: user.token,
			rawBody: 'name=x',
			headers: { 'content-type': 'application/x-www-form-urlencoded' }
		});
		expectEnvelope(form, 400, 'VALIDATION_ERROR');
	});
});

describe('one experiment: read, change, delete', () => {
	async function sharedExperiment() {
		const team = await signInTeam();
		const experiment = await createExperiment(
			{ token: team.owner.token },
			{ name: 'shared run', tags: ['a'], hyperparams: [{ key: 'lr', value: 0.1 }] }
		);
		return { ...team, experiment };
	}

	it('lets a viewer read but not change or delete (403)', async () => {
		const { viewer, experiment } = await sharedExperiment();
		const read = await api('GET', `/api/experiments/${experiment.id}`, { token: viewer.token });
		expect(read.status).toBe(200);
		expect(read.body.data.id).toBe(experiment.id);
		const patch = await api('PATCH', `/api/experiments/${experiment.id}`, {
			token: viewer.token,
			body: { name: 'mine now' }
		});
		expectEnvelope(patch, 403, 'FORBIDDEN');
		expectEnvelope(
			await api('DELETE', `/api/experiments/${experiment.id}`, { token: viewer.token }),
			403,
			'FORBIDDEN'
		);
		const still = await api('GET', `/api/experiments/${experiment.id}`, { token: viewer.token });
		expect(still.body.data.name).toBe('shared run');
	});

	it('answers 404 to a non-member on every experiment endpoint, exactly as for a missing id', async () => {
		const { stranger, experiment, owner } = await sharedExperiment();
		const other = await createExperiment({ token: owner.token }, { name: 'other' });
		const calls: Array<[string, string, unknown?]> = [
			['GET', `/api/experiments/${experiment.id}`],
			['PATCH', `/api/experiments/${experiment.id}`, { name: 'x' }],
			['DELETE', `/api/experiments/${experiment.id}`],
			['GET', `/api/experiments/${experiment.id}/references`],
			['POST', `/api/experiments/${experiment.id}/references`, { referencedId: other.id }],
			['DELETE', `/api/experiments/${experiment.id}/references/${other.id}`],
			['GET', `/api/workspaces/${owner.personalWorkspaceId}/experiments`]
		];
		for (const [method, path, body] of calls) {
			const result = await api(method, path, { token: stranger.token, body });
			expectEnvelope(result, 404, 'NOT_FOUND');
		}
		const asStranger = await api('GET', `/api/experiments/${experiment.id}`, { token: stranger.token });
		const missing = await api('GET', `/api/experiments/${randomUUID()}`, { token: stranger.token });
		expect(asStranger.body).toEqual(missing.body);
		expect(asStranger.body.error!.message).toBe('Experiment not found');
	});

	it('refuses a key scoped to another workspace with 403', async () => {
		const { owner, experiment } = await sharedExperiment();
		const team = await createTeamWorkspace(owner.userId);
		const { key } = await createKey(owner.token, team);
		expectEnvelope(await api('GET', `/api/experiments/${experiment.id}`, { apiKey: key }), 403, 'FORBIDDEN');
	});

	it('rejects a malformed id with 400 naming the field', async () => {
		const { owner } = await sharedExperiment();
		for (const method of ['GET', 'PATCH', 'DELETE']) {
			const result = await api(method, '/api/experiments/not-a-uuid', {
				token: owner.token,
				body: method === 'PATCH' ? { name: 'x' } : undefined
			});
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(result.body.error!.fields).toHaveProperty('id');
		}
		// GET on the batch path is the :id route with id "batch": a 400, not a crash or a batch.
		const batchGet = await api('GET', '/api/experiments/batch', { token: owner.token });
		expectEnvelope(batchGet, 400, 'VALIDATION_ERROR');
	});

	it('lets an editor change every field; updated_at moves, created_at does not', async () => {
		const { editor, experiment } = await sharedExperiment();
		await new Promise((resolve) => setTimeout(resolve, 5));
		const patched = await api('PATCH', `/api/experiments/${experiment.id}`, {
			token: editor.token,
			body: {
				name: ' renamed ',
				description: 'now described',
				tags: ['x', 'X', 'y'],
				hyperparams: [
					{ key: 'lr', value: 0.01 },
					{ key: 'warmup', value: true }
				],
				status: 'finished'
			}
		});
		expect(patched.status).toBe(200);
		expect(patched.body.data).toMatchObject({
			id: experiment.id,
			name: 'renamed',
			description: 'now described',
			tags: ['x', 'y'],
			hyperparams: [
				{ key: 'lr', value: 0.01 },
				{ key: 'warmup', value: true }
			],
			status: 'finished',
			created_at: experiment.created_at,
			created_by: experiment.created_by
		});
		expect(Date.parse(patched.body.data.updated_at)).toBeGreaterThan(Date.parse(experiment.updated_at));

		const partial = await api('PATCH', `/api/experiments/${experiment.id}`, {
			token: editor.token,
			body: { description: null, status: 'failed' }
		});
		expect(partial.body.data).toMatchObject({
			name: 'renamed',
			description: '',
			status: 'failed',
			tags: ['x', 'y']
		});
		const reread = await api('GET', `/api/experiments/${experiment.id}`, { token: editor.token });
		expect(reread.body.data).toEqual(partial.body.data);
	});

	it('rejects an empty, unknown or invalid change with 400', async () => {
		const { owner, experiment } = await sharedExperiment();
		const cases: Array<[unknown, string]> = [
			[{}, '_'],
			[{ status: 'done' }, 'status'],
			[{ name: '' }, 'name'],
			[{ workspace_id: randomUUID() }, '_'],
			[{ tags: null }, 'tags'],
			[
				{
					hyperparams: [
						{ key: 'a', value: 1 },
						{ key: 'a', value: 2 }
					]
				},
				'hyperparams.1.key'
			]
		];
		for (const [body, field] of cases) {
			const result = await api('PATCH', `/api/experiments/${experiment.id}`, { token: owner.token, body });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields ?? {})).toContain(field);
		}
	});

	it('carries metric summaries and results', async () => {
		const { owner, viewer, experiment } = await sharedExperiment();
		await insertMetric(experiment.id, {
			name: 'train/loss',
			count: 100,
			first: 0,
			last: 99,
			min: 0.1,
			max: 2.5,
			lastValue: 0.12,
			firstValue: 2.5
		});
		await insertMetric(experiment.id, {
			name: 'acc',
			count: 10,
			first: 1,
			last: 10,
			min: 0.5,
			max: 0.93,
			lastValue: 0.93,
			firstValue: 0.5
		});
		await insertResult(experiment.id, 'test_accuracy', 0.91);
		await insertResult(experiment.id, 'best_loss', 0.1);
		const read = await api('GET', `/api/experiments/${experiment.id}`, { token: viewer.token });
		expect(read.body.data.metrics).toEqual([
			{ name: 'acc', count: 10, first_step: 1, last_step: 10, min: 0.5, max: 0.93, last: 0.93, first: 0.5 },
			{
				name: 'train/loss',
				count: 100,
				first_step: 0,
				last_step: 99,
				min: 0.1,
				max: 2.5,
				last: 0.12,
				first: 2.5
			}
		]);
		expect(read.body.data.results.map((r: { name: string; value: number }) => [r.name, r.value])).toEqual([
			['best_loss', 0.1],
			['test_accuracy', 0.91]
		]);
		expect(Date.parse(read.body.data.results[0].logged_at)).not.toBeNaN();
		const patched = await api('PATCH', `/api/experiments/${experiment.id}`, {
			token: owner.token,
			body: { status: 'finished' }
		});
		expect(patched.body.data.metrics).toHaveLength(2);
		expect(patched.body.data.results).toHaveLength(2);
	});

	it('deletes with everything attached; a second delete is 404', async () => {
		const { owner, editor, experiment } = await sharedExperiment();
		const other = await createExperiment({ token: owner.token }, { name: 'neighbour' });
		await insertMetric(experiment.id, {
			name: 'loss',
			count: 1,
			first: 0,
			last: 0,
			min: 1,
			max: 1,
			lastValue: 1
		});
		await insertResult(experiment.id, 'acc', 0.5);
		const db = getDb();
		await db
			.insertInto('experiment_references')
			.values([
				{ experiment_id: experiment.id, referenced_id: other.id },
				{ experiment_id: other.id, referenced_id: experiment.id }
			])
			.execute();
		const deleted = await api('DELETE', `/api/experiments/${experiment.id}`, { token: editor.token });
		expect(deleted.status).toBe(200);
		expect(deleted.body.data).toEqual({ id: experiment.id, deleted: true });
		expectEnvelope(
			await api('GET', `/api/experiments/${experiment.id}`, { token: owner.token }),
			404,
			'NOT_FOUND'
		);
		expectEnvelope(
			await api('DELETE', `/api/experiments/${experiment.id}`, { token: owner.token }),
			404,
			'NOT_FOUND'
		);
		const leftovers = await sql<{ n: number }>`
			select (select count(*) from metric_series where experiment_id = ${experiment.id})
			     + (select count(*) from results where experiment_id = ${experiment.id})
			     + (select count(*) from experiment_references
			        where experiment_id = ${experiment.id} or referenced_id = ${experiment.id}) as n
		`.execute(db);
		expect(Number(leftovers.rows[0].n)).toBe(0);
		expect((await api('GET', `/api/experiments/${other.id}`, { token: owner.token })).status).toBe(200);
	});
});

describe('listing a workspace’s experiments', () => {
	/**
	 * 25 experiments: 10 through the API (distinct times) and 15 inserted in one statement, so
	 * they share created_at/updated_at exactly and only the id breaks the tie. Names repeat.
	 */
	async function workspaceWith25() {
		const user = await signInWithWorkspace();
		const workspaceId = user.personalWorkspaceId;
		for (let i = 0; i < 10; i++) {
			await createExperiment({ token: user.token }, { name: `run-${String(i % 7).padStart(2, '0')}` });
		}
		await getDb()
			.insertInto('experiments')
			.values(
				Array.from({ length: 15 }, (_, i) => ({
					workspace_id: workspaceId,
					name: `run-${String((i + 10) % 7).padStart(2, '0')}`,
					created_by: user.userId
				}))
			)
			.execute();
		return { user, workspaceId };
	}

	const url = (workspaceId: string, params: Record<string, string> = {}) =>
		`/api/workspaces/${workspaceId}/experiments?${new URLSearchParams(params)}`;

	it('pages through every sort and order in 3 pages with no duplicates or gaps', async () => {
		const { user, workspaceId } = await workspaceWith25();
		const all = await api('GET', url(workspaceId, { limit: '200' }), { token: user.token });
		expect(all.body.data.items).toHaveLength(25);
		expect(all.body.data.next_cursor).toBeNull();
		const everyId = new Set(all.body.data.items.map((item: { id: string }) => item.id));

		for (const sort of ['created', 'updated', 'name']) {
			for (const order of ['asc', 'desc', undefined]) {
				const params: Record<string, string> = { sort, limit: '10' };
				if (order) params.order = order;
				const { pages, ids } = await listAll(user.token, workspaceId, params);
				expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
				expect(new Set(ids).size).toBe(25);
				expect(new Set(ids)).toEqual(everyId);

				const single = await api('GET', url(workspaceId, { ...params, limit: '200' }), { token: user.token });
				const items = single.body.data.items as Array<Record<string, string>>;
				expect(items.map((item) => item.id)).toEqual(ids);
				const effective = order ?? (sort === 'name' ? 'asc' : 'desc');
				const field = sort === 'created' ? 'created_at' : sort === 'updated' ? 'updated_at' : 'name';
				const keys = items.map((item) => (sort === 'name' ? item[field] : Date.parse(item[field])));
				const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
				expect(keys).toEqual(effective === 'asc' ? sorted : sorted.reverse());
			}
		}
	});

	it('defaults to 50 newest first, and later pages are stable when experiments are added meanwhile', async () => {
		const { user, workspaceId } = await workspaceWith25();
		const first = await api('GET', url(workspaceId, { limit: '5' }), { token: user.token });
		const firstIds = first.body.data.items.map((item: { id: string }) => item.id);
		const added = await createExperiment({ token: user.token }, { name: 'late arrival' });
		const rest = await listAll(user.token, workspaceId, { limit: '5', cursor: first.body.data.next_cursor });
		expect(rest.ids).not.toContain(added.id);
		expect([...firstIds, ...rest.ids]).toHaveLength(25);
		expect(new Set([...firstIds, ...rest.ids]).size).toBe(25);

		const defaults = await api('GET', url(workspaceId), { token: user.token });
		expect(defaults.body.data.items).toHaveLength(26);
		expect(defaults.body.data.items[0].id).toBe(added.id);
	});

	it('filters by text (name, description, tags), tags (all must match), and status', async () => {
		const user = await signInWithWorkspace();
		const workspaceId = user.personalWorkspaceId;
		const make = (body: Record<string, unknown>) => createExperiment({ token: user.token }, body);
		const a = await make({ name: 'Alpha ResNet', tags: ['vision', 'Baseline'] });
		const b = await make({
			name: 'beta',
			description: 'a RESNET variant with 100% dropout',
			tags: ['vision']
		});
		const c = await make({ name: 'gamma', tags: ['nlp', 'resnet-free'] });
		const d = await make({ name: 'delta_1', tags: ['nlp', 'baseline'] });
		await api('PATCH', `/api/experiments/${b.id}`, { token: user.token, body: { status: 'finished' } });
		await api('PATCH', `/api/experiments/${d.id}`, { token: user.token, body: { status: 'failed' } });

		const ids = async (params: Record<string, string | string[]>) => {
			const search = new URLSearchParams();
			for (const [key, value] of Object.entries(params)) [value].flat().forEach((v) => search.append(key, v));
			const result = await api('GET', `/api/workspaces/${workspaceId}/experiments?${search}`, {
				token: user.token
			});
			expect(result.status).toBe(200);
			return new Set(result.body.data.items.map((item: { id: string }) => item.id));
		};
		expect(await ids({ q: 'resnet' })).toEqual(new Set([a.id, b.id, c.id]));
		expect(await ids({ q: '  ALPHA ' })).toEqual(new Set([a.id]));
		expect(await ids({ q: '100%' })).toEqual(new Set([b.id]));
		expect(await ids({ q: '%' })).toEqual(new Set([b.id]));
		expect(await ids({ q: '_' })).toEqual(new Set([d.id]));
		expect(await ids({ q: '' })).toEqual(new Set([a.id, b.id, c.id, d.id]));
		expect(await ids({ tag: 'vision' })).toEqual(new Set([a.id, b.id]));
		expect(await ids({ tag: ['nlp', 'BASELINE'] })).toEqual(new Set([d.id]));
		expect(await ids({ tag: ['vision', 'nlp'] })).toEqual(new Set());
		expect(await ids({ status: 'running' })).toEqual(new Set([a.id, c.id]));
		expect(await ids({ status: 'failed', tag: 'baseline' })).toEqual(new Set([d.id]));
		expect(await ids({ q: 'resnet', status: 'finished' })).toEqual(new Set([b.id]));
		expect(await ids({ q: 'resnet', utm_source: 'newsletter', _: '123' })).toEqual(
			new Set([a.id, b.id, c.id])
		);
	});

	it('carries metrics and results for every item of a page', async () => {
		const user = await signInWithWorkspace();
		const first = await createExperiment({ token: user.token }, { name: 'one' });
		const second = await createExperiment({ token: user.token }, { name: 'two' });
		await insertMetric(first.id, {
			name: 'loss',
			count: 3,
			first: 0,
			last: 2,
			min: 0.2,
			max: 0.9,
			lastValue: 0.2
		});
		await insertMetric(second.id, {
			name: 'loss',
			count: 5,
			first: 0,
			last: 4,
			min: 0.1,
			max: 1,
			lastValue: 0.1
		});
		await insertResult(second.id, 'acc', 0.8);
		const page = await api('GET', url(user.personalWorkspaceId, { sort: 'name', metrics: 'loss' }), {
			token: user.token
		});
		const [one, two] = page.body.data.items;
		expect(one.metrics).toEqual([
			{ name: 'loss', count: 3, first_step: 0, last_step: 2, min: 0.2, max: 0.9, last: 0.2, first: null }
		]);
		expect(one.results).toEqual([]);
		expect(two.metrics[0]).toMatchObject({ count: 5, last: 0.1 });
		expect(two.results).toMatchObject([{ name: 'acc', value: 0.8 }]);
	});

	it('rejects bad limits, sorts, statuses and cursors with 400 naming the parameter', async () => {
		const user = await signInWithWorkspace();
		const workspaceId = user.personalWorkspaceId;
		for (let i = 0; i < 3; i++) await createExperiment({ token: user.token }, { name: `n${i}` });
		const page = await api('GET', url(workspaceId, { limit: '1', sort: 'name' }), { token: user.token });
		const nameCursor = page.body.data.next_cursor as string;
		expect(nameCursor).toEqual(expect.any(String));

		const forged = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
		const cases: Array<[Record<string, string>, string]> = [
			[{ limit: '0' }, 'limit'],
			[{ limit: '201' }, 'limit'],
			[{ limit: 'NaN' }, 'limit'],
			[{ limit: '1.5' }, 'limit'],
			[{ limit: '-1' }, 'limit'],
			[{ limit: 'ten' }, 'limit'],
			[{ sort: 'size' }, 'sort'],
			[{ order: 'up' }, 'order'],
			[{ status: 'done' }, 'status'],
			[{ tag: 't'.repeat(51) }, 'tag'],
			[{ q: 'q'.repeat(201) }, 'q'],
			[{ q: 'nul\u0000' }, 'q'],
			[{ cursor: 'garbage' }, 'cursor'],
			[{ cursor: '' }, 'cursor'],
			[{ cursor: nameCursor }, 'cursor'],
			[{ cursor: nameCursor, sort: 'name', order: 'desc' }, 'cursor'],
			[{ cursor: forged(['created', 'desc', '2026-02-30T00:00:00.000000Z', randomUUID()]) }, 'cursor'],
			[{ cursor: forged(['created', 'desc', "now()'; drop table experiments; --", randomUUID()]) }, 'cursor'],
			[{ cursor: forged(['created', 'desc', '2026-01-01T00:00:00.000000Z', 'not-a-uuid']) }, 'cursor'],
			[{ cursor: forged(['name', 'asc', 'a\u0000b', randomUUID()]), sort: 'name' }, 'cursor']
		];
		for (const [params, field] of cases) {
			const result = await api('GET', url(workspaceId, params), { token: user.token });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields ?? {})).toContain(field);
		}
		const max = await api('GET', url(workspaceId, { limit: '200' }), { token: user.token });
		expect(max.status).toBe(200);
		const valid = await api('GET', url(workspaceId, { cursor: nameCursor, sort: 'name', limit: '1' }), {
			token: user.token
		});
		expect(valid.status).toBe(200);
		expect(valid.body.data.items[0].name).toBe('n1');
		const badWorkspace = await api('GET', '/api/workspaces/nope/experiments', { token: user.token });
		expectEnvelope(badWorkspace, 400, 'VALIDATION_ERROR');
		expect(badWorkspace.body.error!.fields).toHaveProperty('id');
	});

	it('is open to viewers, and a scoped key may list only its own workspace', async () => {
		const owner = await signInWithWorkspace();
		const viewer = await signIn();
		await addMember(owner.personalWorkspaceId, viewer.userId, 'viewer');
		await createExperiment({ token: owner.token }, { name: 'visible' });
		const listed = await api('GET', url(owner.personalWorkspaceId), { token: viewer.token });
		expect(listed.body.data.items.map((item: { name: string }) => item.name)).toEqual(['visible']);
		const team = await createTeamWorkspace(owner.userId);
		const { key } = await createKey(owner.token, team);
		expectEnvelope(await api('GET', url(owner.personalWorkspaceId), { apiKey: key }), 403, 'FORBIDDEN');
		expect((await api('GET', url(team), { apiKey: key })).status).toBe(200);
	});

	it('stays fast with 10,000 experiments in a workspace', async () => {
		const user = await signInWithWorkspace();
		const workspaceId = user.personalWorkspaceId;
		await sql`
			insert into experiments (workspace_id, name, description, tags, status, created_at, updated_at)
			select ${workspaceId}::uuid, 'bulk-' || lpad(i::text, 5, '0'), 'generated run ' || i,
			       case when i % 100 = 0 then array['rare', 'bulk'] else array['bulk'] end,
			       case when i % 3 = 0 then 'finished' else 'running' end,
			       now() - make_interval(secs => i), now() - make_interval(secs => i % 500)
			from generate_series(1, 10000) as i
		`.execute(getDb());
		const timed = async (params: Record<string, string>) => {
			const started = performance.now();
			const result = await api('GET', url(workspaceId, params), { token: user.token });
			expect(result.status).toBe(200);
			return { result, ms: performance.now() - started };
		};
		let cursor: string | null = null;
		const slowest: number[] = [];
		const seen = new Set<string>();
		for (let page = 0; page < 5; page++) {
			const { result, ms } = await timed({ limit: '200', sort: 'updated', ...(cursor ? { cursor } : {}) });
			result.body.data.items.forEach((item: { id: string }) => seen.add(item.id));
			cursor = result.body.data.next_cursor;
			slowest.push(ms);
		}
		expect(seen.size).toBe(1000);
		const variants: Array<Record<string, string>> = [
			{ sort: 'name', order: 'desc' },
			{ sort: 'created', order: 'asc' },
			{ tag: 'rare' },
			{ q: 'run 999' },
			{ status: 'finished', sort: 'name' }
		];
		for (const params of variants) {
			const { result, ms } = await timed(params);
			expect(result.body.data.items.length).toBeGreaterThan(0);
			slowest.push(ms);
		}
		const rare = await timed({ tag: 'RARE', limit: '200' });
		expect(rare.result.body.data.items).toHaveLength(100);
		expect(Math.max(...slowest, rare.ms)).toBeLessThan(process.env.TORA_TEST_EMBEDDED ? 3000 : 1000);
	});
});

describe('references', () => {
	it('links experiments both ways, shows each side only to those who may see it', async () => {
		const alice = await signInWithWorkspace();
		const bob = await signInWithWorkspace();
		const a = await createExperiment({ token: alice.token }, { name: 'fine-tune' });
		const b = await createExperiment({ token: alice.token }, { name: 'base' });
		const bobs = await createExperiment({ token: bob.token }, { name: 'bob’s base' });
		await addMember(bob.personalWorkspaceId, alice.userId, 'viewer');

		const linked = await api('POST', `/api/experiments/${a.id}/references`, {
			token: alice.token,
			body: { referencedId: b.id }
		});
		expect(linked.status).toBe(201);
		expect(linked.body.data).toMatchObject({
			experiment_id: a.id,
			referenced_id: b.id,
			referenced: {
				id: b.id,
				name: 'base',
				status: 'running',
				workspace_id: alice.personalWorkspaceId,
				url: b.url
			}
		});
		const toBobs = await api('POST', `/api/experiments/${a.id}/references`, {
			token: alice.token,
			body: { referencedId: bobs.id }
		});
		expect(toBobs.status).toBe(201);

		const fromA = await api('GET', `/api/experiments/${a.id}/references`, { token: alice.token });
		expect(fromA.body.data).toEqual({
			outgoing: [
				{ id: b.id, name: 'base', status: 'running', workspace_id: alice.personalWorkspaceId, url: b.url },
				{
					id: bobs.id,
					name: 'bob’s base',
					status: 'running',
					workspace_id: bob.personalWorkspaceId,
					url: bobs.url
				}
			],
			incoming: []
		});
		const intoB = await api('GET', `/api/experiments/${b.id}/references`, { token: alice.token });
		expect(intoB.body.data).toEqual({ outgoing: [], incoming: [expect.objectContaining({ id: a.id })] });
		// Bob sees his experiment but not Alice's, which links to it.
		const bobView = await api('GET', `/api/experiments/${bobs.id}/references`, { token: bob.token });
		expect(bobView.body.data).toEqual({ outgoing: [], incoming: [] });

		// Alice loses access to Bob's workspace: the link stays but is hidden, and she may still remove it.
		await removeMember(bob.personalWorkspaceId, alice.userId);
		const afterLeaving = await api('GET', `/api/experiments/${a.id}/references`, { token: alice.token });
		expect(afterLeaving.body.data.outgoing.map((s: { id: string }) => s.id)).toEqual([b.id]);
		const removed = await api('DELETE', `/api/experiments/${a.id}/references/${bobs.id}`, {
			token: alice.token
		});
		expect(removed.status).toBe(200);
		expectEnvelope(
			await api('DELETE', `/api/experiments/${a.id}/references/${bobs.id}`, { token: alice.token }),
			404,
			'NOT_FOUND'
		);
	});

	it('rejects self-links (400), duplicates (409), invisible or missing targets (404), bad ids (400)', async () => {
		const alice = await signInWithWorkspace();
		const bob = await signInWithWorkspace();
		const a = await createExperiment({ token: alice.token }, { name: 'a' });
		const b = await createExperiment({ token: alice.token }, { name: 'b' });
		const bobs = await createExperiment({ token: bob.token }, { name: 'hidden' });
		const post = (referencedId: unknown) =>
			api('POST', `/api/experiments/${a.id}/references`, { token: alice.token, body: { referencedId } });

		const self = await post(a.id);
		expectEnvelope(self, 400, 'VALIDATION_ERROR');
		expect(self.body.error!.fields).toHaveProperty('referencedId');
		expect((await post(b.id)).status).toBe(201);
		expectEnvelope(await post(b.id), 409, 'CONFLICT');
		expectEnvelope(await post(bobs.id), 404, 'NOT_FOUND');
		expectEnvelope(await post(randomUUID()), 404, 'NOT_FOUND');
		const bad = await post('b');
		expectEnvelope(bad, 400, 'VALIDATION_ERROR');
		expect(bad.body.error!.fields).toHaveProperty('referencedId');
		const badParam = await api('DELETE', `/api/experiments/${a.id}/references/nope`, { token: alice.token });
		expectEnvelope(badParam, 400, 'VALIDATION_ERROR');
		expect(badParam.body.error!.fields).toHaveProperty('referencedId');
		const extra = await api('POST', `/api/experiments/${a.id}/references`, {
			token: alice.token,
			body: { referencedId: b.id, kind: 'parent' }
		});
		expectEnvelope(extra, 400, 'VALIDATION_ERROR');
	});

	it('lets viewers read links but only editors change them', async () => {
		const owner = await signInWithWorkspace();
		const viewer = await signIn();
		await addMember(owner.personalWorkspaceId, viewer.userId, 'viewer');
		const a = await createExperiment({ token: owner.token }, { name: 'a' });
		const b = await createExperiment({ token: owner.token }, { name: 'b' });
		await api('POST', `/api/experiments/${a.id}/references`, {
			token: owner.token,
			body: { referencedId: b.id }
		});
		const read = await api('GET', `/api/experiments/${a.id}/references`, { token: viewer.token });
		expect(read.body.data.outgoing).toHaveLength(1);
		expectEnvelope(
			await api('POST', `/api/experiments/${b.id}/references`, {
				token: viewer.token,
				body: { referencedId: a.id }
			}),
			403,
			'FORBIDDEN'
		);
		expectEnvelope(
			await api('DELETE', `/api/experiments/${a.id}/references/${b.id}`, { token: viewer.token }),
			403,
			'FORBIDDEN'
		);
	});
});

describe('batch read (compare)', () => {
	it('returns visible experiments in the requested order, without duplicates, omitting the rest', async () => {
		const alice = await signInWithWorkspace();
		const bob = await signInWithWorkspace();
		const [x, y, z] = [
			await createExperiment({ token: alice.token }, { name: 'x' }),
			await createExperiment({ token: alice.token }, { name: 'y' }),
			await createExperiment({ token: alice.token }, { name: 'z' })
		];
		const hidden = await createExperiment({ token: bob.token }, { name: 'hidden' });
		await insertMetric(y.id, {
			name: 'loss',
			count: 2,
			first: 0,
			last: 1,
			min: 0.5,
			max: 0.7,
			lastValue: 0.5
		});
		await insertResult(z.id, 'acc', 0.99);
		const result = await api('POST', '/api/experiments/batch', {
			token: alice.token,
			body: { ids: [z.id, randomUUID(), x.id, hidden.id, y.id.toUpperCase(), z.id], metrics: ['loss'] }
		});
		expect(result.status).toBe(200);
		expect(result.body.data.map((e: { name: string }) => e.name)).toEqual(['z', 'x', 'y']);
		expect(result.body.data[2].metrics).toMatchObject([{ name: 'loss', count: 2 }]);
		expect(result.body.data[0].results).toMatchObject([{ name: 'acc', value: 0.99 }]);
		expect(result.body.data[0].url).toBe(z.url);

		const scopedTeam = await createTeamWorkspace(alice.userId);
		const inTeam = await createExperiment({ token: alice.token }, { name: 'team', workspaceId: scopedTeam });
		const { key } = await createKey(alice.token, scopedTeam);
		const scoped = await api('POST', '/api/experiments/batch', {
			apiKey: key,
			body: { ids: [x.id, inTeam.id] }
		});
		expect(scoped.body.data.map((e: { id: string }) => e.id)).toEqual([inTeam.id]);
	});

	it('rejects empty, oversized and malformed id lists with 400', async () => {
		const user = await signIn();
		const cases: Array<[unknown, string]> = [
			[{ ids: [] }, 'ids'],
			[{ ids: Array.from({ length: 101 }, () => randomUUID()) }, 'ids'],
			[{ ids: ['x'] }, 'ids.0'],
			[{ ids: [1] }, 'ids.0'],
			[{ ids: randomUUID() }, 'ids'],
			[{}, 'ids']
		];
		for (const [body, field] of cases) {
			const result = await api('POST', '/api/experiments/batch', { token: user.token, body });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields ?? {})).toContain(field);
		}
		expectEnvelope(
			await api('POST', '/api/experiments/batch', { body: { ids: [randomUUID()] } }),
			401,
			'UNAUTHENTICATED'
		);
	});
});
