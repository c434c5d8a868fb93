/**
 * What the SDK captures besides metrics, against a real single server: the run context (git,
 * command line, machine, packages, allow-listed environment), the console (teed stdout/stderr,
 * exactly once and in order across an outage, spooled and synced, capped by the server), system
 * metrics, the switches that turn each off, and `tora logs`. Scripts run as child processes, as a
 * user's would. Timings are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tora } from '../src/index.js';
import {
	childEnv,
	freePort,
	LiveServer,
	Proxy,
	removeTempDirs,
	repoRoot,
	run,
	tempDir,
	tora,
	type Ran
} from './support.js';

/** Small, so the cap test reaches it quickly; the other runs print less (the flood ~1.1 MB). */
const CONSOLE_MAX_BYTES = 2_000_000;

let server: LiveServer;
let key: string;

beforeAll(async () => {
	server = new LiveServer(await freePort(), { TORA_CONSOLE_MAX_BYTES: String(CONSOLE_MAX_BYTES) });
	await server.start();
	key = await server.newKey();
}, 120_000);

afterAll(async () => {
	await server?.remove();
	removeTempDirs();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fixture = join(repoRoot, 'sdk/ts/test/fixtures/capture.mts');
const tsx = join(repoRoot, 'node_modules/tsx/dist/loader.mjs');

interface ConsoleLine {
	seq: number;
	time: string;
	stream: 'stdout' | 'stderr';
	text: string;
}

/** The environment of a script logging to `baseUrl` (the server by default), spool in a temp dir. */
function scriptEnv(extra: Record<string, string> = {}, baseUrl = server.baseUrl) {
	return childEnv(tempDir('tora-ts-home-'), {
		TORA_BASE_URL: baseUrl,
		TORA_API_KEY: key,
		TORA_SPOOL_DIR: tempDir('tora-ts-spool-'),
		...extra
	});
}

function runFixture(args: string[], env: Record<string, string | undefined>, cwd = repoRoot): Promise<Ran> {
	return run('node', ['--import', tsx, fixture, ...args], env, '', cwd);
}

/** A fixture run that is watched while it runs: `printed()` counts the stdout lines seen so far. */
function startFixture(args: string[], env: Record<string, string | undefined>) {
	const child = spawn('node', ['--import', tsx, fixture, ...args], {
		cwd: repoRoot,
		env: env as NodeJS.ProcessEnv,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk) => (stdout += chunk));
	child.stderr.on('data', (chunk) => (stderr += chunk));
	const done = new Promise<Ran>((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
	return {
		done,
		printed: () => stdout.split('\n').filter((line) => line.startsWith('line ')).length,
		/** Resolves once `count` lines were printed (a loaded machine starts node slowly). */
		async printedAtLeast(count: number) {
			while (this.printed() < count) {
				if (child.exitCode !== null) throw new Error(`the script ended early:\n${stderr}`);
				await sleep(50);
			}
		}
	};
}

function experimentId(output: string): string {
	const match = /^experiment=([0-9a-f-]{36})$/m.exec(output);
	if (!match) throw new Error(`no experiment id in:\n${output}`);
	return match[1];
}

function summaryOf(output: string) {
	const match = /^summary=(.*)$/m.exec(output);
	if (!match) throw new Error(`no summary in:\n${output}`);
	return JSON.parse(match[1]);
}

async function consoleLines(id: string): Promise<ConsoleLine[]> {
	const lines: ConsoleLine[] = [];
	let after = 0;
	for (;;) {
		const page = await server.request(
			'GET',
			`/experiments/${id}/console?after=${after}&limit=5000`,
			undefined,
			{
				'x-api-key': key
			}
		);
		expect(page.status).toBe(200);
		const data = page.body.data as { lines: ConsoleLine[]; cursor: number; more: boolean };
		lines.push(...data.lines);
		after = data.cursor;
		if (!data.more) return lines;
	}
}

async function context(id: string) {
	return server.request('GET', `/experiments/${id}/context`, undefined, { 'x-api-key': key });
}

/** What `--lines n --stderr-every k` prints, in order, with its stream. */
function expected(id: string, count: number, stderrEvery = 0) {
	return [
		{ stream: 'stdout', text: `experiment=${id}` },
		...Array.from({ length: count }, (_, index) => ({
			stream: stderrEvery > 0 && (index + 1) % stderrEvery === 0 ? 'stderr' : 'stdout',
			text: `line ${index + 1}`
		}))
	];
}

function git(cwd: string, ...args: string[]): Promise<Ran> {
	return run('git', args, { ...process.env, GIT_CONFIG_NOSYSTEM: '1' }, '', cwd);
}

describe('run context', () => {
	it('captures the commit, a credential-free remote, the diff, packages and the allow-listed environment', async () => {
		const repo = tempDir('tora-ts-repo-');
		writeFileSync(join(repo, 'train.txt'), 'epochs = 3\n');
		writeFileSync(
			join(repo, 'package.json'),
			JSON.stringify({ name: 'trainer', dependencies: { 'left-pad': '^1.0.0', 'not-installed': '~2.1.0' } })
		);
		mkdirSync(join(repo, 'node_modules/left-pad'), { recursive: true });
		writeFileSync(join(repo, 'node_modules/left-pad/package.json'), JSON.stringify({ version: '1.3.0' }));
		for (const args of [
			['init', '-q', '-b', 'experiment-branch'],
			['config', 'user.email', 'tester@example.com'],
			['config', 'user.name', 'Tester'],
			['add', 'train.txt', 'package.json'],
			['commit', '-q', '-m', 'first'],
			['remote', 'add', 'origin', 'https://alice:s3cr3t-remote-token@example.com/org/repo.git']
		]) {
			expect((await git(repo, ...args)).code).toBe(0);
		}
		const head = (await git(repo, 'rev-parse', 'HEAD')).stdout.trim();
		writeFileSync(join(repo, 'train.txt'), 'epochs = 30\n');

		// Through a recording proxy: what left the machine, byte for byte.
		const proxy = new Proxy(await freePort(), server.port, true);
		await proxy.restore();
		const env = scriptEnv(
			{
				CUDA_VISIBLE_DEVICES: '0,1',
				SLURM_JOB_ID: '4242',
				MASTER_ADDR: 'https://bob:hunter2-password@10.0.0.1',
				NCCL_AUTH_TOKEN: 'plain-looking-value',
				HF_HOME: '/data/hf',
				NOT_ALLOWED_VARIABLE: 'keep-me-home',
				TORA_SYSTEM_METRICS_INTERVAL: '0'
			},
			proxy.baseUrl
		);
		const ran = await runFixture(['--lines', '3', '--api-key', 'sekret-cli-value'], env, repo);
		await proxy.cut();
		expect(ran.code, ran.stderr).toBe(0);
		const id = experimentId(ran.stdout);
		expect(summaryOf(ran.stdout).contextSent).toBe(true);

		const read = await context(id);
		expect(read.status).toBe(200);
		const stored = read.body.data as {
			summary: Record<string, unknown> & { git: Record<string, unknown> };
			git_diff: string;
			git_diff_truncated: boolean;
			packages: Record<string, string>;
			env: Record<string, string>;
		};
		expect(stored.summary.git).toEqual({
			commit: head,
			branch: 'experiment-branch',
			remote: 'https://example.com/org/repo.git',
			dirty: true
		});
		expect(stored.git_diff).toContain('+epochs = 30');
		expect(stored.git_diff_truncated).toBe(false);
		expect(stored.summary.cwd).toBe(repo);
		expect(stored.summary.runtime).toEqual({ name: 'node', version: process.versions.node });
		expect(stored.summary.command).toEqual(expect.arrayContaining([fixture, '--api-key', '[redacted]']));
		expect(stored.summary.cpus).toBeGreaterThan(0);
		expect(stored.summary.memory_bytes).toBeGreaterThan(0);
		expect(stored.packages).toEqual({ 'left-pad': '1.3.0', 'not-installed': '~2.1.0' });
		expect(stored.env).toMatchObject({
			CUDA_VISIBLE_DEVICES: '0,1',
			SLURM_JOB_ID: '4242',
			MASTER_ADDR: '[redacted]',
			NCCL_AUTH_TOKEN: '[redacted]',
			HF_HOME: '/data/hf'
		});
		expect(stored.env).not.toHaveProperty('NOT_ALLOWED_VARIABLE');
		expect(stored.env).not.toHaveProperty('TORA_API_KEY');
		const wire = proxy.sentText;
		expect(wire).toContain(`PUT /api/experiments/${id}/context`);
		for (const secret of [
			's3cr3t-remote-token',
			'hunter2-password',
			'plain-looking-value',
			'sekret-cli-value',
			'keep-me-home'
		])
			expect(wire).not.toContain(secret);
	}, 60_000);

	it('leaves git out outside a repository, and each part out when switched off', async () => {
		const outside = tempDir('tora-ts-norepo-');
		const parts = await runFixture(
			['--lines', '1'],
			scriptEnv({
				TORA_CAPTURE_GIT: '0',
				TORA_CAPTURE_ENV: '0',
				TORA_CAPTURE_PACKAGES: '0',
				CUDA_VISIBLE_DEVICES: '0'
			}),
			repoRoot
		);
		expect(parts.code, parts.stderr).toBe(0);
		const read = await context(experimentId(parts.stdout));
		const stored = read.body.data as {
			summary: { git: unknown; host: string };
			packages: object;
			env: object;
		};
		expect(stored.summary.git).toBeNull(); // repoRoot is a repository: git was switched off
		expect(stored.summary.host).toBeTruthy();
		expect(stored.packages).toEqual({});
		expect(stored.env).toEqual({});

		const noRepo = await runFixture(['--lines', '1'], scriptEnv(), outside);
		expect(noRepo.code, noRepo.stderr).toBe(0);
		const plain = (await context(experimentId(noRepo.stdout))).body.data as { summary: { git: unknown } };
		expect(plain.summary.git).toBeNull();
	}, 60_000);

	it('sends nothing but metrics with TORA_CAPTURE_CONTEXT=0, TORA_CAPTURE_CONSOLE=0, TORA_SYSTEM_METRICS_INTERVAL=0', async () => {
		const ran = await runFixture(
			['--lines', '5', '--sleep-ms', '1500'],
			scriptEnv({ TORA_CAPTURE_CONTEXT: '0', TORA_CAPTURE_CONSOLE: '0', TORA_SYSTEM_METRICS_INTERVAL: '0' })
		);
		expect(ran.code, ran.stderr).toBe(0);
		const id = experimentId(ran.stdout);
		expect((await context(id)).status).toBe(404);
		expect(await consoleLines(id)).toEqual([]);
		expect(await server.counts(id, key)).toEqual({ 'fixture/step': 5 });
		// The script still printed normally.
		expect(ran.stdout).toContain('line 5\n');
	}, 60_000);
});

describe('system metrics', () => {
	it('logs the system/ series at the interval asked for', async () => {
		const tora = await Tora.create(
			{ name: 'system metrics' },
			{
				baseUrl: server.baseUrl,
				apiKey: key,
				exitHooks: false,
				spoolDir: tempDir('tora-ts-spool-'),
				captureConsole: false,
				captureContext: false,
				systemMetricsIntervalMs: 1000
			}
		);
		await sleep(3600);
		await tora.finish();
		const counts = await server.counts(tora.id, key);
		console.log(`[ts capture] system series after 3.6 s at 1 s: ${JSON.stringify(counts)}`);
		for (const name of [
			'system/memory_used_bytes',
			'system/memory_available_bytes',
			'system/process_rss_bytes',
			'system/process_cpu_percent'
		]) {
			expect(counts[name], name).toBeGreaterThanOrEqual(2);
		}
		if (process.platform === 'linux') expect(counts['system/cpu_percent']).toBeGreaterThanOrEqual(2);
		expect(Object.keys(counts).every((name) => name.startsWith('system/'))).toBe(true);
	}, 30_000);
});

describe('console', () => {
	it('delivers printed lines exactly once and in order, with their stream, as the script printed them', async () => {
		const ran = await runFixture(['--lines', '500', '--stderr-every', '7'], scriptEnv());
		expect(ran.code, ran.stderr).toBe(0);
		const id = experimentId(ran.stdout);
		const lines = await consoleLines(id);
		expect(lines.map(({ stream, text }) => ({ stream, text }))).toEqual(expected(id, 500, 7));
		expect(lines.map((line) => line.seq)).toEqual(lines.map((_, index) => index + 1));
		// Teed, not taken: the script's own output is whole and in order.
		const printed = ran.stdout.split('\n').filter((line) => line.startsWith('line '));
		expect(printed).toEqual(
			expected(id, 500, 7)
				.filter((l) => l.stream === 'stdout' && l.text.startsWith('line '))
				.map((l) => l.text)
		);
		expect(ran.stderr.trim().split('\n')).toEqual(
			expected(id, 500, 7)
				.filter((l) => l.stream === 'stderr')
				.map((l) => l.text)
		);
	}, 60_000);

	it('numbers a resumed run on from the lines it has', async () => {
		const first = await runFixture(['--lines', '3'], scriptEnv());
		const id = experimentId(first.stdout);
		const resumed = await runFixture(['--lines', '2', '--resume', id], scriptEnv());
		expect(resumed.code, resumed.stderr).toBe(0);
		const lines = await consoleLines(id);
		expect(lines.map((line) => line.text)).toEqual(
			[...expected(id, 3), ...expected(id, 2)].map((l) => l.text)
		);
		expect(lines.map((line) => line.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
	}, 60_000);

	it('keeps every line, once and in order, across a 10 s server outage', async () => {
		const stopFile = join(tempDir('tora-ts-stop-'), 'stop');
		const child = startFixture(
			['--lines', '0', '--every-ms', '5', '--stderr-every', '5', '--until-file', stopFile],
			scriptEnv({ TORA_EXIT_TIMEOUT: '60' })
		);
		await child.printedAtLeast(100);
		await server.stop();
		const atStop = child.printed();
		await sleep(10_000);
		await server.start();
		const atStart = child.printed();
		await sleep(1500);
		writeFileSync(stopFile, '');
		const ran = await child.done;
		expect(atStart).toBeGreaterThan(atStop); // it printed while the server was away
		expect(ran.code, ran.stderr).toBe(0);
		const id = experimentId(ran.stdout);
		const summary = summaryOf(ran.stdout);
		console.log(
			`[ts capture] outage: ${summary.printed} lines printed; console ${JSON.stringify(summary.console)}`
		);
		const lines = await consoleLines(id);
		expect(lines.map(({ stream, text }) => ({ stream, text }))).toEqual(expected(id, summary.printed, 5));
		expect(lines.map((line) => line.seq)).toEqual(lines.map((_, index) => index + 1));
		expect(summary.console).toMatchObject({ spilled: 0, dropped: 0, droppedInFlood: 0 });
	}, 120_000);

	it('spools what an outage outlasts, and `tora sync` uploads it once, in line order', async () => {
		const proxy = new Proxy(await freePort(), server.port);
		await proxy.restore();
		const stopFile = join(tempDir('tora-ts-stop-'), 'stop');
		const env = scriptEnv({ TORA_RETRY_TIMEOUT: '2' }, proxy.baseUrl);
		const child = startFixture(['--lines', '0', '--every-ms', '5', '--until-file', stopFile], env);
		await child.printedAtLeast(100);
		await proxy.cut();
		await sleep(10_000);
		await proxy.restore();
		await sleep(2500);
		writeFileSync(stopFile, '');
		const ran = await child.done;
		await proxy.cut();
		expect(ran.code, ran.stderr).toBe(0);
		const id = experimentId(ran.stdout);
		const summary = summaryOf(ran.stdout);
		expect(summary.console.spilled).toBeGreaterThan(0);
		const before = await consoleLines(id);
		expect(before.length).toBeLessThan(summary.printed + 1);

		// The spool names the proxy, which is gone: upload to the server itself.
		const synced = await tora(['sync', '--base-url', server.baseUrl], env);
		expect(synced.code, synced.stdout + synced.stderr).toBe(0);
		const again = await tora(['sync', '--base-url', server.baseUrl], env);
		expect(again.code).toBe(0);
		const lines = await consoleLines(id);
		console.log(
			`[ts capture] spool: ${summary.printed} lines, ${summary.console.spilled} spooled during the outage, ${before.length} stored before sync`
		);
		expect(lines.map(({ stream, text }) => ({ stream, text }))).toEqual(expected(id, summary.printed));
		expect(lines.map((line) => line.seq)).toEqual(lines.map((_, index) => index + 1));
	}, 120_000);

	it('cuts overlong lines, and past the run cap warns once and stops sending console lines while metrics go on', async () => {
		// 200 lines of 15 KB (3 MB) against a 2 MB cap.
		const ran = await runFixture(
			['--lines', '200', '--line-bytes', '15000', '--every-ms', '20'],
			scriptEnv()
		);
		expect(ran.code, ran.stderr).toBe(0);
		const id = experimentId(ran.stdout);
		const warnings = ran.stderr.split('\n').filter((line) => line.includes('is full'));
		expect(warnings).toHaveLength(1);
		const lines = await consoleLines(id);
		expect(lines.length).toBeGreaterThan(0);
		expect(lines.length).toBeLessThan(201);
		expect(lines.map((line) => line.seq)).toEqual(lines.map((_, index) => index + 1));
		expect(await server.counts(id, key)).toMatchObject({ 'fixture/step': 200 });

		const long = await runFixture(['--lines', '1', '--line-bytes', '20000'], scriptEnv());
		const longLines = await consoleLines(experimentId(long.stdout));
		expect(longLines[1].text).toHaveLength(16 * 1024);
		expect(longLines[1].text.endsWith(' …[line cut]')).toBe(true);
	}, 60_000);

	it('measures a flood of 100,000 lines: bounded cost, every line sent or counted', async () => {
		const times: Record<string, number> = {};
		let finish = 0;
		for (const capture of ['0', '1']) {
			const ran = await runFixture(
				['--lines', '100000', '--no-metrics'],
				scriptEnv({
					TORA_CAPTURE_CONSOLE: capture,
					TORA_SYSTEM_METRICS_INTERVAL: '0',
					TORA_CAPTURE_CONTEXT: '0'
				})
			);
			expect(ran.code, ran.stderr.slice(0, 2000)).toBe(0);
			const summary = summaryOf(ran.stdout);
			times[capture] = summary.printSeconds;
			if (capture === '1') {
				const { console: stats } = summary;
				console.log(`[ts capture] flood console: ${JSON.stringify(stats)}`);
				// Every printed line (and the id line) was queued or counted as dropped, never lost silently.
				expect(stats.captured + stats.droppedInFlood).toBe(100_001);
				expect(stats.sent + stats.dropped + stats.spilled).toBe(stats.captured + stats.markers);
				expect(stats.dropped).toBe(0);
				finish = summary.finishSeconds;
			}
		}
		console.log(
			`[ts capture] 100,000 console.log lines: ${times['0'].toFixed(2)} s without capture, ${times['1'].toFixed(2)} s with (${Math.round(100_000 / times['1'])} lines/s); finish() then delivered them in ${finish.toFixed(2)} s`
		);
	}, 120_000);
});

describe('tora logs', () => {
	it('prints the lines (stderr ones to stderr), as JSON Lines with --json, and follows a live run to its end', async () => {
		const ran = await runFixture(['--lines', '30', '--stderr-every', '3'], scriptEnv());
		const id = experimentId(ran.stdout);
		const env = scriptEnv();
		const logs = await tora(['logs', id], env);
		expect(logs.code, logs.stderr).toBe(0);
		const all = expected(id, 30, 3);
		expect(logs.stdout).toBe(
			all
				.filter((l) => l.stream === 'stdout')
				.map((l) => l.text + '\n')
				.join('')
		);
		expect(logs.stderr).toBe(
			all
				.filter((l) => l.stream === 'stderr')
				.map((l) => l.text + '\n')
				.join('')
		);
		const json = await tora(['logs', id, '--json'], env);
		const parsed = json.stdout
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line));
		expect(parsed.map(({ stream, text }) => ({ stream, text }))).toEqual(all);
		expect(parsed[0]).toEqual({
			seq: 1,
			time: expect.any(String),
			stream: 'stdout',
			text: `experiment=${id}`
		});

		// --follow: started while the run prints (a line every 100 ms for ~3 s), ends when it does.
		const child = spawn('node', ['--import', tsx, fixture, '--lines', '30', '--every-ms', '100'], {
			cwd: repoRoot,
			env: scriptEnv() as NodeJS.ProcessEnv
		});
		const live = await new Promise<string>((resolve, reject) => {
			let out = '';
			child.stdout.on('data', (chunk) => {
				out += chunk;
				const match = /^experiment=([0-9a-f-]{36})$/m.exec(out);
				if (match) resolve(match[1]);
			});
			child.on('error', reject);
		});
		const followed = await tora(['logs', live, '--follow'], env);
		expect(followed.code, followed.stderr).toBe(0);
		expect(followed.stdout).toBe(
			expected(live, 30)
				.map((l) => l.text + '\n')
				.join('')
		);
		await new Promise((resolve) => (child.exitCode === null ? child.on('close', resolve) : resolve(null)));
	}, 60_000);
});
