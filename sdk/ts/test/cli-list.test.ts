/**
 * `tora experiments list` / `show` against the real API (in-process server, the test database):
 * one user with a personal and a team workspace, plus a key scoped to the team. Lists span every
 * visible workspace and merge into one order; filters, sorts, columns, CSV and names are the
 * server's query language end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../../tests/support/api.ts';
import { createTeamWorkspace, signInWithWorkspace } from '../../../tests/support/experiments.ts';
import { Api } from '../src/cli-api.js';
import { listRuns } from '../src/cli-list.js';
import { Http } from '../src/http.js';
import { uuid7 } from '../src/uuid7.js';
import type { WireLogEntry } from '../src/wire.js';
import { childEnv, removeTempDirs, tempDir, tora, startInProcessServer } from './support.js';

let baseUrl: string;
let stopServer: () => Promise<void>;
let key: string;
let scopedKey: string;
let personal: string;
let team: string;
let env: Record<string, string | undefined>;
const ids: Record<string, string> = {};

const HYPERLINK = '=HYPERLINK("http://x")';
const QUOTED = 'say "hi" \\ there';

async function post(path: string, body: unknown): Promise<{ id: string }> {
	const response = await fetch(baseUrl + path, {
		method: 'POST',
		headers: { 'x-api-key': key, 'content-type': 'application/json' },
		body: JSON.stringify(body)
	});
	const json = (await response.json()) as { data: { id: string } };
	if (!response.ok) throw new Error(JSON.stringify(json));
	return json.data;
}

async function run(
	label: string,
	workspaceId: string,
	name: string,
	hyperparams: Array<{ key: string; value: string | number }>,
	losses: number[],
	acc?: number
): Promise<void> {
	const { id } = await post('/experiments', { name, workspaceId, hyperparams });
	const logs: WireLogEntry[] = losses.map((value, step) => ({
		name: 'loss',
		msg_id: uuid7(),
		value,
		step,
		metadata: null
	}));
	if (acc !== undefined)
		logs.push({ name: 'acc', msg_id: uuid7(), value: acc, step: null, metadata: { type: 'result' } });
	if (logs.length) await post(`/experiments/${id}/logs/batch`, { logs });
	ids[label] = id;
}

beforeAll(async () => {
	const served = await startInProcessServer();
	baseUrl = `${served.origin}/api`;
	stopServer = served.stop;
	const user = await signInWithWorkspace();
	personal = user.personalWorkspaceId;
	team = await createTeamWorkspace(user.userId, 'Team, "quoted"');
	key = (await createKey(user.token)).key;
	scopedKey = (await createKey(user.token, team)).key;
	// In creation order (the default sort is newest first).
	await run('alphaP', personal, 'alpha', [{ key: 'lr', value: 0.1 }], [0.9, 0.5], 0.7);
	await run('alphaT', team, 'alpha', [{ key: 'lr', value: 0.01 }], [0.8, 0.2], 0.9);
	await run('link', personal, HYPERLINK, [{ key: 'optimizer', value: '-adam' }], [0.3]);
	await run('quoted', team, QUOTED, [{ key: 'lr', value: 0.05 }], [0.4]);
	await run('empty', personal, 'no-loss', [], []);
	env = childEnv(tempDir('tora-cli-list-'), { TORA_BASE_URL: baseUrl, TORA_API_KEY: key });
}, 60_000);

afterAll(async () => {
	await stopServer?.();
	removeTempDirs();
});

async function ok(args: string[], extra: Record<string, string> = {}): Promise<string> {
	const ran = await tora(args, { ...env, ...extra });
	expect(ran.code, ran.stderr).toBe(0);
	return ran.stdout;
}

const idColumn = (text: string) =>
	text
		.trim()
		.split('\n')
		.slice(1)
		.map((line) => line.split(/\s+/)[0]);

describe('tora experiments list', () => {
	it('lists every visible workspace, newest first, with a WORKSPACE column', async () => {
		const text = await ok(['experiments', 'list']);
		expect(text.split('\n')[0]).toMatch(/^ID\s+WORKSPACE\s+STATUS\s+CREATED\s+METRICS\s+NAME$/);
		expect(idColumn(text)).toEqual([ids.empty, ids.quoted, ids.link, ids.alphaT, ids.alphaP]);
		expect(text).toMatch(new RegExp(`${ids.alphaT}\\s+Team, "quoted"\\s+running`));
	});

	it('sorts and limits across workspaces by any key, nulls last', async () => {
		const text = await ok([
			'experiments',
			'list',
			'--sort',
			'metric.loss.min',
			'--order',
			'asc',
			'--limit',
			'3'
		]);
		expect(idColumn(text)).toEqual([ids.alphaT, ids.link, ids.quoted]);
		const all = await ok(['experiments', 'list', '--sort', 'metric.loss.min', '--json']);
		expect(JSON.parse(all).map((r: { id: string }) => r.id)).toEqual([
			ids.alphaP,
			ids.quoted,
			ids.link,
			ids.alphaT,
			ids.empty
		]);
	});

	it('pages by cursor and merges the pages into the same order', async () => {
		const api = new Api(new Http({ baseUrl, apiKey: key }));
		const base = { columns: [], tags: [], sort: 'metric.loss.last', order: 'asc' as const };
		const whole = await listRuns(api, { ...base, limit: 50 });
		const paged = await listRuns(api, { ...base, limit: 4, pageSize: 1 });
		expect(whole.runs.map(({ run }) => run.id)).toEqual([
			ids.alphaT,
			ids.link,
			ids.quoted,
			ids.alphaP,
			ids.empty
		]);
		expect(paged.runs.map(({ run }) => run.id)).toEqual(whole.runs.slice(0, 4).map(({ run }) => run.id));
		expect(paged.workspaceCount).toBe(2);
	});

	it('filters with the query language, and shows --columns values', async () => {
		const text = await ok([
			'experiments',
			'list',
			'--filter',
			'hp.lr < 0.08 and has metric.loss',
			'--columns',
			'hp.lr,metric.loss.min',
			'--columns',
			'result.acc'
		]);
		const lines = text.trim().split('\n');
		expect(lines[0]).toMatch(
			/^ID\s+WORKSPACE\s+STATUS\s+CREATED\s+METRICS\s+hp\.lr\s+metric\.loss\.min\s+result\.acc\s+NAME$/
		);
		expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([ids.quoted, ids.alphaT]);
		expect(lines[2]).toMatch(/\s0\.01\s+0\.2\s+0\.9\s+alpha$/);
	});

	it('shows and sorts by what the SDK captured (git.branch, host), merged across workspaces', async () => {
		const put = async (id: string, body: unknown) => {
			const response = await fetch(`${baseUrl}/experiments/${id}/context`, {
				method: 'PUT',
				headers: { 'x-api-key': key, 'content-type': 'application/json' },
				body: JSON.stringify(body)
			});
			expect(response.status).toBe(200);
		};
		await put(ids.alphaP, { host: 'gpu-box-2', git: { commit: 'abcdef1234', branch: 'main' } });
		await put(ids.alphaT, { host: 'gpu-box-1', git: { commit: '1234abcdef', branch: 'dev' } });
		await put(ids.quoted, { host: 'cpu-box' });
		const text = await ok(['experiments', 'list', '--sort', 'git.branch', '--columns', 'host,git.commit']);
		const lines = text.trim().split('\n');
		expect(lines[0]).toMatch(/^ID\s+WORKSPACE\s+STATUS\s+CREATED\s+METRICS\s+host\s+git\.commit\s+NAME$/);
		// A→Z by branch (a text key's natural order), runs without one after, newest first by id.
		expect(idColumn(text).slice(0, 2)).toEqual([ids.alphaT, ids.alphaP]);
		expect(lines[1]).toMatch(/\sgpu-box-1\s+1234abcdef\s+alpha$/);
		expect(lines[2]).toMatch(/\sgpu-box-2\s+abcdef1234\s+alpha$/);
		const byHost = await ok(['experiments', 'list', '--sort', 'host', '--limit', '3', '--json']);
		expect(JSON.parse(byHost).map((r: { id: string }) => r.id)).toEqual([ids.quoted, ids.alphaT, ids.alphaP]);
	});

	it('writes CSV with formula-like text made inert', async () => {
		const csv = await ok([
			'experiments',
			'list',
			'--workspace',
			personal,
			'--columns',
			'hp.optimizer,metric.loss.min',
			'--csv'
		]);
		const rows = csv.split('\r\n');
		expect(rows[0]).toBe(
			'id,workspace_id,workspace,name,status,created_at,updated_at,last_seen_at,hp.optimizer,metric.loss.min'
		);
		const link = rows.find((row) => row.startsWith(ids.link))!;
		expect(link).toContain(`,"'=HYPERLINK(""http://x"")",running,`);
		expect(link).toMatch(/,"'-adam",0\.3$/);
		expect(rows.at(-1)).toBe('');
		expect(rows).toHaveLength(1 + 3 + 1);
	});

	it('a scoped key lists its own workspace only', async () => {
		const text = await ok(['experiments', 'list'], { TORA_API_KEY: scopedKey });
		expect(text.split('\n')[0]).toMatch(/^ID\s+STATUS/);
		expect(idColumn(text)).toEqual([ids.quoted, ids.alphaT]);
	});

	it('a bad filter prints the server message, with a caret under the column', async () => {
		const ran = await tora(['experiments', 'list', '--filter', 'hp.lr < and'], env);
		expect(ran.code).toBe(1);
		const match = /bad --filter: col (\d+): .+\n {2}hp\.lr < and\n {2}( *)\^/.exec(ran.stderr);
		expect(match, ran.stderr).not.toBeNull();
		expect(match![2].length).toBe(Number(match![1]) - 1);
		const badOrder = await tora(['experiments', 'list', '--order', 'up'], env);
		expect(badOrder.code).toBe(2);
		const badColumn = await tora(['experiments', 'list', '--columns', 'weight'], env);
		expect(badColumn.code).toBe(2);
		expect(badColumn.stderr).toContain('bad key "weight"');
	});
});

describe('tora experiments show <name>', () => {
	it('finds a unique name in any workspace, quotes included', async () => {
		const shown = await ok(['experiments', 'show', QUOTED]);
		expect(shown).toContain(`id          ${ids.quoted}`);
		expect(shown).toContain(`workspace   ${team}`);
		const link = await ok(['experiments', 'show', HYPERLINK, '--json']);
		expect(JSON.parse(link).id).toBe(ids.link);
	});

	it('refuses an ambiguous name, listing the candidates, and a missing one', async () => {
		const ambiguous = await tora(['experiments', 'show', 'alpha'], env);
		expect(ambiguous.code).toBe(1);
		expect(ambiguous.stderr).toContain('2 experiments are named "alpha"');
		expect(ambiguous.stderr).toContain(`${ids.alphaP}  `);
		expect(ambiguous.stderr).toContain(`${ids.alphaT}  Team, "quoted" (${team})`);
		const missing = await tora(['experiments', 'show', 'gamma'], env);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain('no experiment named "gamma" in the 2 workspaces');
		// The scoped key sees only the team's alpha: unique there.
		const scoped = await ok(['experiments', 'show', 'alpha'], { TORA_API_KEY: scopedKey });
		expect(scoped).toContain(`id          ${ids.alphaT}`);
	});
});
