/**
 * `tora snapshot` against the real API (in-process server, the test database), run as the `tora`
 * command: the file it writes holds the runs' series bucketed by the server, their tables and
 * notes as text, and nothing that would reach the network.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createKey } from '../../../tests/support/api.ts';
import { createExperiment, signInWithWorkspace, type TestUser } from '../../../tests/support/experiments.ts';
import type { SnapshotData } from '../src/snapshot/data.js';
import { SNAPSHOT_CSP, SNAPSHOT_DATA_ID } from '../src/snapshot/render.js';
import {
	binPath,
	childEnv,
	removeTempDirs,
	run as runCommand,
	tempDir,
	tora,
	startInProcessServer
} from './support.js';

const HOSTILE = '</script><script>alert(1)</script>';

let stopServer: () => Promise<void>;
let user: TestUser;
let key: string;
let env: Record<string, string | undefined>;
let dir: string;

async function run(name: string, points: number, lr: number): Promise<string> {
	const experiment = await createExperiment(
		{ apiKey: key },
		{ name, hyperparams: [{ key: 'lr', value: lr }], tags: ['snapshot'] }
	);
	const logs: Array<{
		name: string;
		msg_id: string;
		value: number;
		step: number;
		metadata: { type: string } | null;
	}> = ['train/loss', 'val/acc'].flatMap((metric, m) =>
		Array.from({ length: points }, (_, step) => ({
			name: metric,
			msg_id: randomUUID(),
			value: m === 0 ? 1 / (step + 1) : step / points,
			step,
			metadata: null
		}))
	);
	logs.push({ name: 'accuracy', msg_id: randomUUID(), value: 0.93, step: 0, metadata: { type: 'result' } });
	for (let at = 0; at < logs.length; at += 1000) {
		const stored = await api('POST', `/api/experiments/${experiment.id}/logs/batch`, {
			apiKey: key,
			body: { logs: logs.slice(at, at + 1000) }
		});
		if (stored.status !== 201) throw new Error(JSON.stringify(stored.body));
	}
	return experiment.id;
}

function embedded(html: string): SnapshotData {
	const start = html.indexOf(`<script type="application/json" id="${SNAPSHOT_DATA_ID}">`);
	const json = html.slice(html.indexOf('>', start) + 1, html.indexOf('</script>', start));
	return JSON.parse(json) as SnapshotData;
}

beforeAll(async () => {
	const served = await startInProcessServer();
	const baseUrl = `${served.origin}/api`;
	stopServer = served.stop;
	user = await signInWithWorkspace();
	key = (await createKey(user.token)).key;
	dir = tempDir('tora-cli-snapshot-');
	env = childEnv(dir, { TORA_BASE_URL: baseUrl, TORA_API_KEY: key });
}, 60_000);

afterAll(async () => {
	await stopServer?.();
	removeTempDirs();
});

describe('tora snapshot', () => {
	it('writes one self-contained file of a run: bucketed series, tables, notes as text', async () => {
		const id = await run(HOSTILE, 3000, 0.01);
		const notes = await api('PATCH', `/api/experiments/${id}`, {
			token: user.token,
			body: { notes: `# Findings\n<img src=x onerror=alert(1)> ${HOSTILE}` }
		});
		expect(notes.status).toBe(200);
		const output = join(dir, 'one.html');
		const done = await tora(['snapshot', id, '--output', output], env);
		expect(done.code, done.stderr).toBe(0);
		expect(done.stdout).toMatch(/^Wrote .*one\.html \([\d.]+ KB\): 1 run, 2 metrics\.$/m);

		const html = readFileSync(output, 'utf8');
		expect(html).toContain(SNAPSHOT_CSP);
		expect(html).not.toMatch(/https?:\/\//);
		expect(html.match(/<script/gi)).toHaveLength(2);
		expect(html).not.toContain('<img');
		const data = embedded(html);
		expect(data.runs[0]).toMatchObject({ id, name: HOSTILE, hyperparams: [{ key: 'lr', value: 0.01 }] });
		expect(data.runs[0].notes).toContain(HOSTILE);
		expect(data.runs[0].results).toEqual([{ name: 'accuracy', value: 0.93 }]);
		expect(data.metrics).toEqual(['train/loss', 'val/acc']);
		// 3,000 points per series, bucketed by the server to at most 1,000 ending at the last step.
		for (const series of data.series) {
			expect(series.x.length).toBeLessThanOrEqual(1000);
			expect(series.x.length).toBeGreaterThan(500);
			expect(series.x.at(-1)).toBe(2999);
		}
		expect(data.reason).toContain('at most 1000 points per series');
	});

	it('compares several runs, and takes the runs of a saved view in its order', async () => {
		const a = await run('sweep-a', 50, 0.1);
		const b = await run('sweep-b', 50, 0.2);
		const both = await tora(['snapshot', a, 'sweep-b', '--title', 'Sweep', '-o', join(dir, 'two.html')], env);
		expect(both.code, both.stderr).toBe(0);
		const data = embedded(readFileSync(join(dir, 'two.html'), 'utf8'));
		expect(data.title).toBe('Sweep');
		expect(data.runs.map((r) => r.id)).toEqual([a, b]);
		expect(data.series).toHaveLength(4);

		const view = await api('POST', `/api/workspaces/${user.personalWorkspaceId}/views`, {
			token: user.token,
			body: { name: 'Best lr', state: { filter: 'name ~ "sweep-"', sort: 'hp.lr', order: 'desc' } }
		});
		expect(view.status, JSON.stringify(view.body)).toBe(201);
		// The default file name comes from the view's name, in the working directory.
		const fromView = await runCommand(
			binPath,
			['snapshot', '--view', 'Best lr', '--limit', '5'],
			env,
			'',
			dir
		);
		expect(fromView.code, fromView.stderr).toBe(0);
		expect(fromView.stdout).toContain('Best-lr.html');
		const viewed = embedded(readFileSync(join(dir, 'Best-lr.html'), 'utf8'));
		expect(viewed.title).toBe('Best lr');
		expect(viewed.runs.map((r) => r.id)).toEqual([b, a]);
	});

	it('says what is wrong: no runs named, an unknown run or view', async () => {
		const none = await tora(['snapshot'], env);
		expect(none.code).toBe(2);
		expect(none.stderr).toContain('tora snapshot <id|name>');
		const missing = await tora(['snapshot', randomUUID(), '-o', join(dir, 'missing.html')], env);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toMatch(/experiment .* not found/);
		expect(existsSync(join(dir, 'missing.html'))).toBe(false);
		const noView = await tora(['snapshot', '--view', 'nope'], env);
		expect(noView.code).toBe(1);
		expect(noView.stderr).toContain('no saved view "nope"');
	});
});
