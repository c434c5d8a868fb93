/**
 * Projects: named groups of a workspace's experiments. Made by editors or on first use by an
 * experiment's `project`; listed with run counts; renamed; deleted without deleting their runs;
 * filtered by with the query language. And import keys: creating the same imported run twice
 * (one after the other, or at once) answers the first run. Roles: authorization.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_PROJECTS_PER_WORKSPACE } from '../../functions/_lib/contracts/projects.ts';
import { getDb } from '../../functions/_lib/db.ts';
import { api, expectEnvelope } from '../support/api.ts';
import { createTeamWorkspace, signInWithWorkspace, type TestUser } from '../support/experiments.ts';

let owner: TestUser;
let workspaceId: string;

beforeAll(async () => {
	owner = await signInWithWorkspace();
	workspaceId = await createTeamWorkspace(owner.userId, 'Projects');
});

interface ProjectData {
	id: string;
	name: string;
	description: string;
	run_count: number;
	workspace_id: string;
}

const projectsPath = (id = workspaceId) => `/api/workspaces/${id}/projects`;
const call = (method: string, path: string, body?: unknown) =>
	api(method, path, { token: owner.token, body });
const listProjects = async (id = workspaceId) => {
	const result = await call('GET', projectsPath(id));
	expect(result.status).toBe(200);
	return result.body.data.projects as ProjectData[];
};
const createRun = (body: Record<string, unknown>) =>
	call('POST', '/api/experiments', { name: `run ${randomUUID().slice(0, 8)}`, workspaceId, ...body });
const listRuns = async (filter: string) => {
	const query = new URLSearchParams({ filter, limit: '100' });
	const result = await call('GET', `/api/workspaces/${workspaceId}/experiments?${query}`);
	expect(result.status).toBe(200);
	return result.body.data.items as Array<{ id: string; project: string | null; project_id: string | null }>;
};

describe('projects', () => {
	it('are made by editors and listed by name with their run counts', async () => {
		const created = await call('POST', projectsPath(), { name: '  Vision  ', description: 'image models' });
		expect(created.status).toBe(201);
		expect(created.body.data).toMatchObject({
			name: 'Vision',
			description: 'image models',
			run_count: 0,
			workspace_id: workspaceId,
			created_by: owner.userId
		});
		const run = await createRun({ project: 'Vision' });
		expect(run.status).toBe(201);
		expect(run.body.data).toMatchObject({ project: 'Vision', project_id: created.body.data.id });
		const vision = (await listProjects()).find((p) => p.name === 'Vision');
		expect(vision?.run_count).toBe(1);
		expectEnvelope(await call('POST', projectsPath(), { name: 'Vision' }), 409, 'CONFLICT');
	});

	it('are made on first use by an experiment that names one, once under concurrent creates', async () => {
		const name = `nlp ${randomUUID().slice(0, 6)}`;
		const runs = await Promise.all(Array.from({ length: 6 }, () => createRun({ project: name })));
		expect(runs.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
		const ids = new Set(runs.map((r) => r.body.data.project_id));
		expect(ids.size).toBe(1);
		const [project] = (await listProjects()).filter((p) => p.name === name);
		expect(project).toMatchObject({ run_count: 6 });
		expect(ids.has(project.id)).toBe(true);
		// Single reads and lists carry the project's name.
		const read = await call('GET', `/api/experiments/${runs[0].body.data.id}`);
		expect(read.body.data).toMatchObject({ project: name, project_id: project.id });
	});

	it('filter runs with the query language: =, ~, in, has, and sort by name', async () => {
		const a = await createRun({ project: 'filter-a' });
		const b = await createRun({ project: 'Filter-B' });
		const none = await createRun({});
		const ids = (runs: Array<{ id: string }>) => new Set(runs.map((r) => r.id));
		expect(ids(await listRuns('project = "filter-a"'))).toEqual(new Set([a.body.data.id]));
		expect(ids(await listRuns('project ~ "FILTER-"'))).toEqual(new Set([a.body.data.id, b.body.data.id]));
		expect(ids(await listRuns('project in ("filter-a", "Filter-B")'))).toEqual(
			new Set([a.body.data.id, b.body.data.id])
		);
		const unassigned = ids(await listRuns('not has project'));
		expect(unassigned.has(none.body.data.id)).toBe(true);
		expect(unassigned.has(a.body.data.id)).toBe(false);
		const sorted = await call(
			'GET',
			`/api/workspaces/${workspaceId}/experiments?filter=${encodeURIComponent('project ~ "filter-"')}&sort=project&order=asc`
		);
		expect(sorted.body.data.items.map((r: { project: string }) => r.project)).toEqual([
			'Filter-B',
			'filter-a'
		]);
		expectEnvelope(
			await call(
				'GET',
				`/api/workspaces/${workspaceId}/experiments?filter=${encodeURIComponent('project < 3')}`
			),
			400,
			'VALIDATION_ERROR'
		);
	});

	it('move runs in and out with PATCH, and renames show on the runs', async () => {
		const run = await createRun({});
		const moved = await call('PATCH', `/api/experiments/${run.body.data.id}`, { project: 'moved here' });
		expect(moved.status).toBe(200);
		expect(moved.body.data.project).toBe('moved here');
		const project = (await listProjects()).find((p) => p.name === 'moved here')!;
		const renamed = await call('PATCH', `${projectsPath()}/${project.id}`, { name: 'renamed' });
		expect(renamed.body.data).toMatchObject({ name: 'renamed', run_count: 1 });
		expect((await call('GET', `/api/experiments/${run.body.data.id}`)).body.data.project).toBe('renamed');
		const out = await call('PATCH', `/api/experiments/${run.body.data.id}`, { project: null });
		expect(out.body.data).toMatchObject({ project: null, project_id: null });
	});

	it('deleting a project keeps its runs, in no project', async () => {
		const run = await createRun({ project: 'short-lived' });
		const projectId = run.body.data.project_id as string;
		const deleted = await call('DELETE', `${projectsPath()}/${projectId}`);
		expect(deleted.body.data).toMatchObject({ id: projectId, name: 'short-lived', run_count: 1 });
		const read = await call('GET', `/api/experiments/${run.body.data.id}`);
		expect(read.status).toBe(200);
		expect(read.body.data).toMatchObject({ project: null, project_id: null });
		expectEnvelope(await call('GET', `${projectsPath()}/${projectId}`), 404, 'NOT_FOUND');
	});

	it('of another workspace are a 404, and bad names a 400 naming the field', async () => {
		const other = await createTeamWorkspace(owner.userId, 'Projects elsewhere');
		const theirs = await call('POST', projectsPath(other), { name: 'theirs' });
		expect(theirs.status).toBe(201);
		expectEnvelope(await call('GET', `${projectsPath()}/${theirs.body.data.id}`), 404, 'NOT_FOUND');
		expectEnvelope(
			await call('PATCH', `${projectsPath()}/${theirs.body.data.id}`, { name: 'x' }),
			404,
			'NOT_FOUND'
		);
		for (const name of ['', 'a'.repeat(101), 'line\nbreak', '\u202Egnp.exe']) {
			const refused = await call('POST', projectsPath(), { name });
			expectEnvelope(refused, 400, 'VALIDATION_ERROR');
			expect(Object.keys(refused.body.error?.fields ?? {})).toEqual(['name']);
			const run = await createRun({ project: name });
			expect(Object.keys(run.body.error?.fields ?? {})).toEqual(['project']);
		}
		expectEnvelope(
			await call('PATCH', `${projectsPath()}/${theirs.body.data.id}`, {}),
			400,
			'VALIDATION_ERROR'
		);
	});

	it('are at most MAX_PROJECTS_PER_WORKSPACE per workspace, also when made on first use', async () => {
		const full = await createTeamWorkspace(owner.userId, 'Full of projects');
		await getDb()
			.insertInto('projects')
			.values(
				Array.from({ length: MAX_PROJECTS_PER_WORKSPACE }, (_, i) => ({ workspace_id: full, name: `p${i}` }))
			)
			.execute();
		expectEnvelope(await call('POST', projectsPath(full), { name: 'one more' }), 409, 'CONFLICT');
		const run = await call('POST', '/api/experiments', { name: 'r', workspaceId: full, project: 'one more' });
		expectEnvelope(run, 409, 'CONFLICT');
		// Nothing was made: the run and the project are one transaction.
		const { count } = await getDb()
			.selectFrom('experiments')
			.select((eb) => eb.fn.countAll<number>().as('count'))
			.where('workspace_id', '=', full)
			.executeTakeFirstOrThrow();
		expect(Number(count)).toBe(0);
		// An existing project is still named freely.
		expect(
			(await call('POST', '/api/experiments', { name: 'r', workspaceId: full, project: 'p7' })).status
		).toBe(201);
		expect((await listProjects(full)).length).toBe(MAX_PROJECTS_PER_WORKSPACE);
	});
});

describe('import keys', () => {
	it('answer the run made the first time, unchanged, with 200', async () => {
		const importKey = `mlflow:${randomUUID()}`;
		const first = await createRun({ importKey, name: 'imported', tags: ['first'] });
		expect(first.status).toBe(201);
		const again = await createRun({ importKey, name: 'imported again', tags: ['second'] });
		expect(again.status).toBe(200);
		expect(again.body.data).toMatchObject({ id: first.body.data.id, name: 'imported', tags: ['first'] });
		expect(again.body.data).toHaveProperty('notes');
		// Another workspace may use the same key for its own run.
		const other = await createTeamWorkspace(owner.userId, 'Import elsewhere');
		const elsewhere = await call('POST', '/api/experiments', {
			name: 'imported',
			workspaceId: other,
			importKey
		});
		expect(elsewhere.status).toBe(201);
		expect(elsewhere.body.data.id).not.toBe(first.body.data.id);
	});

	it('make exactly one run under concurrent creates', async () => {
		const importKey = `tensorboard:${randomUUID()}`;
		const results = await Promise.all(Array.from({ length: 8 }, () => createRun({ importKey })));
		expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
		expect(new Set(results.map((r) => r.body.data.id)).size).toBe(1);
	});

	it("keep the source start time as the run's created_at, and only for imports", async () => {
		const startedAt = Date.UTC(2024, 2, 1, 9, 30, 15, 250);
		const made = await createRun({ importKey: `mlflow:${randomUUID()}`, startedAt });
		expect(made.status).toBe(201);
		expect(made.body.data.created_at).toBe(new Date(startedAt).toISOString());
		const read = await call('GET', `/api/experiments/${made.body.data.id}`);
		expect(read.body.data.created_at).toBe(new Date(startedAt).toISOString());
		// A live run starts now: a start time without an import key is refused, naming the field.
		const live = await createRun({ startedAt });
		expectEnvelope(live, 400, 'VALIDATION_ERROR');
		expect(Object.keys(live.body.error?.fields ?? {})).toEqual(['startedAt']);
		for (const bad of [-1, 1.5, Date.now() + 2 * 86_400_000, '2024-03-01']) {
			const refused = await createRun({ importKey: `csv:${randomUUID()}`, startedAt: bad });
			expectEnvelope(refused, 400, 'VALIDATION_ERROR');
			expect(Object.keys(refused.body.error?.fields ?? {})).toEqual(['startedAt']);
		}
	});

	it('are labels: empty, multi-line or 201 characters is a 400 naming the field', async () => {
		for (const importKey of ['', 'a\nb', 'k'.repeat(201)]) {
			const refused = await createRun({ importKey });
			expectEnvelope(refused, 400, 'VALIDATION_ERROR');
			expect(Object.keys(refused.body.error?.fields ?? {})).toEqual(['importKey']);
		}
	});
});
