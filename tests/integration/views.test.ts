/**
 * Saved views: checked with the query language when saved (400 naming the field and column),
 * never re-checked when read; one default per workspace; names unique per workspace; at most
 * MAX_VIEWS_PER_WORKSPACE; a view of another workspace is a 404. Roles: authorization.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_VIEWS_PER_WORKSPACE } from '../../functions/_lib/contracts/views.ts';
import { getDb } from '../../functions/_lib/db.ts';
import { api, expectEnvelope } from '../support/api.ts';
import { createTeamWorkspace, signInWithWorkspace, type TestUser } from '../support/experiments.ts';

let owner: TestUser;
let workspaceId: string;

beforeAll(async () => {
	owner = await signInWithWorkspace();
	workspaceId = await createTeamWorkspace(owner.userId, 'Views');
});

const viewsPath = (id = workspaceId) => `/api/workspaces/${id}/views`;
const create = (body: unknown, id = workspaceId) => api('POST', viewsPath(id), { token: owner.token, body });
const list = async (id = workspaceId) => {
	const result = await api('GET', viewsPath(id), { token: owner.token });
	expect(result.status).toBe(200);
	return result.body.data as Array<{ id: string; name: string; is_default: boolean; state: unknown }>;
};

describe('saved views', () => {
	it('saves a view and lists it back as saved', async () => {
		const state = {
			filter: 'hp.lr < 1e-3 and tag = baseline',
			sort: 'metric."val/loss".min',
			order: 'asc',
			columns: ['name', 'hp.lr', 'metric."val/loss".min'],
			compare: { smoothing: 0.6, charts: [{ metric: 'loss', log: true }] }
		};
		const created = await create({ name: '  Best lr  ', state });
		expect(created.status).toBe(201);
		expect(created.body.data).toMatchObject({
			name: 'Best lr',
			state,
			is_default: false,
			workspace_id: workspaceId,
			created_by: owner.userId
		});
		expect((await list()).find((view) => view.id === created.body.data.id)?.state).toEqual(state);
	});

	it('refuses queries that do not parse, naming the field and the column', async () => {
		const filter = await create({ name: 'broken filter', state: { filter: 'hp.lr < ' } });
		expectEnvelope(filter, 400, 'VALIDATION_ERROR');
		expect(filter.body.error?.fields?.['state.filter']?.[0]).toMatch(/^col 9: /);
		const column = await create({ name: 'broken column', state: { columns: ['name', 'nonsense'] } });
		expectEnvelope(column, 400, 'VALIDATION_ERROR');
		expect(column.body.error?.fields?.['state.columns.1']?.[0]).toMatch(/^col 1: unknown key 'nonsense'/);
		const sort = await create({ name: 'broken sort', state: { sort: 'hp.' } });
		expect(Object.keys(sort.body.error?.fields ?? {})).toEqual(['state.sort']);
		const unknown = await create({ name: 'extra', state: { filter: '', page: 2 } });
		expectEnvelope(unknown, 400, 'VALIDATION_ERROR');
		const tooBig = await create({ name: 'big', state: { compare: { blob: 'x'.repeat(9000) } } });
		expect(Object.keys(tooBig.body.error?.fields ?? {})).toEqual(['state.compare']);
		expect((await list()).map((view) => view.name)).not.toContain('broken filter');
	});

	it('keeps one default: making another the default un-defaults the first', async () => {
		const space = await createTeamWorkspace(owner.userId, 'Defaults');
		const a = await create({ name: 'b-first', state: {}, isDefault: true }, space);
		const b = await create({ name: 'a-second', state: {} }, space);
		const c = await create({ name: 'c-third', state: {}, isDefault: true }, space);
		expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
		expect((await list(space)).map((view) => [view.name, view.is_default])).toEqual([
			['c-third', true],
			['a-second', false],
			['b-first', false]
		]);
		const patched = await api('PATCH', `${viewsPath(space)}/${b.body.data.id}`, {
			token: owner.token,
			body: { isDefault: true }
		});
		expect(patched.status).toBe(200);
		expect((await list(space)).map((view) => [view.name, view.is_default])).toEqual([
			['a-second', true],
			['b-first', false],
			['c-third', false]
		]);
		// Un-defaulting leaves no default at all.
		await api('PATCH', `${viewsPath(space)}/${b.body.data.id}`, {
			token: owner.token,
			body: { isDefault: false }
		});
		expect((await list(space)).filter((view) => view.is_default)).toEqual([]);
	});

	it('renames and replaces state; a duplicate name is a 409', async () => {
		const space = await createTeamWorkspace(owner.userId, 'Names');
		const one = await create({ name: 'one', state: {} }, space);
		await create({ name: 'two', state: {} }, space);
		expectEnvelope(await create({ name: 'one', state: { sort: 'name' } }, space), 409, 'CONFLICT');
		const path = `${viewsPath(space)}/${one.body.data.id}`;
		expectEnvelope(await api('PATCH', path, { token: owner.token, body: { name: 'two' } }), 409, 'CONFLICT');
		const renamed = await api('PATCH', path, {
			token: owner.token,
			body: { name: 'uno', state: { filter: 'status = crashed' } }
		});
		expect(renamed.body.data).toMatchObject({ name: 'uno', state: { filter: 'status = crashed' } });
		expectEnvelope(await api('PATCH', path, { token: owner.token, body: {} }), 400, 'VALIDATION_ERROR');
	});

	it('still lists and updates a view whose stored query no longer parses', async () => {
		const space = await createTeamWorkspace(owner.userId, 'Grammar change');
		// As if the grammar had changed since the view was saved.
		const { id } = await getDb()
			.insertInto('saved_views')
			.values({ workspace_id: space, name: 'old grammar', state: { filter: 'lr <<< 3', columns: ['hp.'] } })
			.returning('id')
			.executeTakeFirstOrThrow();
		expect((await list(space)).map((view) => view.state)).toEqual([{ filter: 'lr <<< 3', columns: ['hp.'] }]);
		const renamed = await api('PATCH', `${viewsPath(space)}/${id}`, {
			token: owner.token,
			body: { name: 'renamed' }
		});
		expect(renamed.status).toBe(200);
		expect(renamed.body.data.state).toEqual({ filter: 'lr <<< 3', columns: ['hp.'] });
	});

	it('treats a view of another workspace as not found', async () => {
		const other = await create({ name: 'elsewhere', state: {} }, owner.personalWorkspaceId);
		expect(other.status).toBe(201);
		const crossPath = `${viewsPath()}/${other.body.data.id}`;
		expectEnvelope(
			await api('PATCH', crossPath, { token: owner.token, body: { name: 'x' } }),
			404,
			'NOT_FOUND'
		);
		expectEnvelope(await api('DELETE', crossPath, { token: owner.token }), 404, 'NOT_FOUND');
		expect((await list(owner.personalWorkspaceId)).map((view) => view.name)).toContain('elsewhere');
		const deleted = await api('DELETE', `${viewsPath(owner.personalWorkspaceId)}/${other.body.data.id}`, {
			token: owner.token
		});
		expect(deleted.status).toBe(200);
		expectEnvelope(
			await api('DELETE', `${viewsPath(owner.personalWorkspaceId)}/${other.body.data.id}`, {
				token: owner.token
			}),
			404,
			'NOT_FOUND'
		);
	});

	it(`holds at most ${MAX_VIEWS_PER_WORKSPACE} views per workspace`, async () => {
		const space = await createTeamWorkspace(owner.userId, 'Full');
		await getDb()
			.insertInto('saved_views')
			.values(
				Array.from({ length: MAX_VIEWS_PER_WORKSPACE - 1 }, (_, i) => ({
					workspace_id: space,
					name: `v${i}`
				}))
			)
			.execute();
		expect((await create({ name: 'last one', state: {} }, space)).status).toBe(201);
		const refused = await create({ name: 'one too many', state: {} }, space);
		expectEnvelope(refused, 409, 'CONFLICT');
		expect(refused.body.error?.message).toContain(String(MAX_VIEWS_PER_WORKSPACE));
	});
});
