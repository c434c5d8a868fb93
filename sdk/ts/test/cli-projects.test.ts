/**
 * Projects from the TypeScript side against the real API (in-process server, the test database):
 * `Tora.create({project})` puts a run in a project (made on first use), and `tora projects list`
 * lists one workspace's projects or every visible workspace's, with run counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../../tests/support/api.ts';
import { createTeamWorkspace, signInWithWorkspace } from '../../../tests/support/experiments.ts';
import { Tora } from '../src/client.js';
import type { WireProject } from '../src/wire.js';
import { childEnv, removeTempDirs, tempDir, tora, startInProcessServer } from './support.js';

let baseUrl: string;
let stopServer: () => Promise<void>;
let key: string;
let personal: string;
let team: string;
let emptyTeam: string;
let env: Record<string, string | undefined>;

const quiet = () => ({
	baseUrl,
	apiKey: key,
	spoolDir: tempDir('tora-projects-spool-'),
	exitHooks: false,
	heartbeat: false,
	captureContext: false,
	captureConsole: false,
	systemMetricsIntervalMs: 0
});

async function create(name: string, workspaceId: string, project?: string): Promise<Tora> {
	const run = await Tora.create({ name, workspaceId, project }, quiet());
	await run.finish();
	return run;
}

beforeAll(async () => {
	const served = await startInProcessServer();
	baseUrl = `${served.origin}/api`;
	stopServer = served.stop;
	const user = await signInWithWorkspace();
	personal = user.personalWorkspaceId;
	team = await createTeamWorkspace(user.userId, 'Projects team');
	emptyTeam = await createTeamWorkspace(user.userId, 'No projects yet');
	key = (await createKey(user.token)).key;
	env = childEnv(tempDir('tora-cli-projects-'), { TORA_BASE_URL: baseUrl, TORA_API_KEY: key });
}, 60_000);

afterAll(async () => {
	await stopServer?.();
	removeTempDirs();
});

describe('projects from the TypeScript SDK and CLI', () => {
	it('creates runs in projects and lists them with their run counts', async () => {
		const first = await create('a', personal, 'vision');
		expect(first.experiment.project).toBe('vision');
		expect(first.experiment.project_id).toMatch(/^[0-9a-f-]{36}$/);
		await create('b', personal, ' vision ');
		await create('c', team, 'nlp, "quoted"');
		const loose = await create('d', personal);
		expect(loose.experiment.project ?? null).toBeNull();

		const one = await tora(['projects', 'list', '--workspace', personal, '--json'], env);
		expect(one.code, one.stderr).toBe(0);
		const listed = JSON.parse(one.stdout) as WireProject[];
		expect(listed.map((p) => [p.name, p.run_count])).toEqual([['vision', 2]]);
		expect(listed[0].id).toBe(first.experiment.project_id);

		const all = await tora(['projects', 'list'], env);
		expect(all.code, all.stderr).toBe(0);
		const lines = all.stdout.trim().split('\n');
		expect(lines[0]).toMatch(/^ID\s+WORKSPACE\s+RUNS\s+UPDATED\s+NAME$/);
		expect(
			lines
				.slice(1)
				.map((line) => line.replace(/^\S+\s+/, '').replace(/\d{4}-\d\d-\d\d \d\d:\d\d/, 'DATE'))
				.sort()
		).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/^Projects team\s+1\s+DATE\s+nlp, "quoted"$/),
				expect.stringMatching(/\s+2\s+DATE\s+vision$/)
			])
		);

		const shown = await tora(['experiments', 'show', first.id], env);
		expect(shown.stdout).toMatch(/^project\s+vision$/m);
	});

	it('says how to use it, what a missing workspace is, and when there are none', async () => {
		const usage = await tora(['projects'], env);
		expect(usage.code).toBe(2);
		expect(usage.stderr).toContain('tora projects list');
		const missing = await tora(
			['projects', 'list', '--workspace', '00000000-0000-4000-8000-000000000000'],
			env
		);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain('not found');
		const empty = await tora(['projects', 'list', '--workspace', emptyTeam], env);
		expect(empty.code, empty.stderr).toBe(0);
		expect(empty.stdout.trim()).toBe('No projects.');
	});
});
