/**
 * The SDK and CLI against a real single server: exactly-once delivery at volume and across a
 * server restart, the spool and `tora sync`, run status on exit and crash, setup errors, the CLI
 * commands and the example script. Timings are printed, never asserted.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
	tora
} from './support.js';

let server: LiveServer;
let key: string;

beforeAll(async () => {
	server = new LiveServer(await freePort());
	const started = Date.now();
	await server.start();
	console.log(
		`[ts live] server on ${server.baseUrl} healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`
	);
	key = await server.newKey();
}, 120_000);

afterAll(async () => {
	await server?.remove();
	removeTempDirs();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function options(extra: Parameters<typeof Tora.create>[1] = {}) {
	return {
		baseUrl: server.baseUrl,
		apiKey: key,
		exitHooks: false,
		spoolDir: tempDir('tora-ts-spool-'),
		// Metrics only: the context, console and system series (capture.test.ts) would add requests.
		captureContext: false,
		captureConsole: false,
		systemMetricsIntervalMs: 0,
		...extra
	};
}

describe('delivery', () => {
	it('delivers 100,000 points from one process exactly once', async () => {
		const run = await Tora.create({ name: '100k points' }, options());
		const started = performance.now();
		const durations = new Float64Array(100_000);
		for (let step = 0; step < 100_000; step++) {
			const before = performance.now();
			run.metric('train/loss', 1 / (step + 1), step);
			durations[step] = performance.now() - before;
			// A training loop does work between steps; let the sender run now and then.
			if (step % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
		}
		const summary = await run.finish();
		const seconds = (performance.now() - started) / 1000;
		durations.sort();
		console.log(
			`[ts live] 100,000 points delivered in ${seconds.toFixed(1)} s (${Math.round(100_000 / seconds)} points/s); metric() calls: median ${durations[50_000].toFixed(4)} ms, 99.9th percentile ${durations[99_900].toFixed(3)} ms, worst ${durations[99_999].toFixed(2)} ms`
		);
		expect(summary).toMatchObject({
			sent: 100_000,
			duplicates: 0,
			spilled: 0,
			dropped: 0,
			status: 'finished'
		});
		const experiment = await server.experiment(run.id, key);
		expect(experiment.status).toBe('finished');
		expect(experiment.metrics).toEqual([
			expect.objectContaining({ name: 'train/loss', count: 100_000, first_step: 0, last_step: 99_999 })
		]);
	}, 120_000);

	it('keeps logging through a 10 s server outage and delivers every point exactly once', async () => {
		const run = await Tora.create({ name: 'restart' }, options({ exitTimeoutMs: 60_000 }));
		let logging = true;
		let step = 0;
		let worst = 0;
		const loop = (async () => {
			while (logging) {
				for (let i = 0; i < 10; i++) {
					const before = performance.now();
					run.metric('loss', Math.exp(-step / 1000), step++);
					worst = Math.max(worst, performance.now() - before);
				}
				await sleep(5);
			}
		})();
		await sleep(1500);
		await server.stop();
		const stoppedAt = step;
		await sleep(10_000);
		const restarting = Date.now();
		await server.start();
		console.log(
			`[ts live] server down for 10 s (restart took ${((Date.now() - restarting) / 1000).toFixed(1)} s)`
		);
		await sleep(1500);
		logging = false;
		await loop;
		const summary = await run.finish();
		console.log(
			`[ts live] outage: ${step} points (${step - stoppedAt} logged while the server was away); worst metric() call ${worst.toFixed(2)} ms`
		);
		expect(step - stoppedAt).toBeGreaterThan(0);
		expect(summary).toMatchObject({ sent: step, spilled: 0, dropped: 0, status: 'finished' });
		const experiment = await server.experiment(run.id, key);
		expect(experiment.metrics).toEqual([
			expect.objectContaining({ name: 'loss', count: step, first_step: 0, last_step: step - 1 })
		]);
	}, 120_000);
});

describe('spool and sync', () => {
	it('spools a run whose server is unreachable, and `tora sync` uploads it exactly once', async () => {
		const proxy = new Proxy(await freePort(), server.port);
		await proxy.restore();
		const spoolDir = tempDir('tora-ts-spool-');
		const warnings: string[] = [];
		const run = await Tora.create(
			{ name: 'spooled' },
			options({
				baseUrl: proxy.baseUrl,
				spoolDir,
				retryTimeoutMs: 500,
				exitTimeoutMs: 2_000,
				onWarning: (m) => warnings.push(m)
			})
		);
		await proxy.cut();
		let worst = 0;
		for (let step = 0; step < 5000; step++) {
			const before = performance.now();
			run.metric('offline/loss', 1 / (step + 1), step);
			run.metric('offline/acc', step % 10, step, { split: 'train' });
			worst = Math.max(worst, performance.now() - before);
		}
		run.result('offline/final', 0.75);
		const summary = await run.finish();
		console.log(`[ts live] offline run: worst metric() call ${worst.toFixed(2)} ms`);
		expect(summary).toMatchObject({ sent: 0, spilled: 10_001, dropped: 0, statusSet: false });
		expect(warnings.join('\n')).toContain('npx tora sync');
		const file = join(spoolDir, `${run.id}.jsonl`);
		expect(summary.spoolFile).toBe(file);
		const records = readFileSync(file, 'utf8')
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line));
		expect(records.reduce((n, r) => n + (r.logs?.length ?? 0), 0)).toBe(10_001);
		expect(records.filter((r) => r.status).map((r) => r.status)).toEqual(['finished']);
		expect(
			records.every((r) => r.v === 1 && r.base_url === proxy.baseUrl && !JSON.stringify(r).includes(key))
		).toBe(true);
		expect(await server.counts(run.id, key)).toEqual({});
		const copy = join(tempDir('tora-ts-copy-'), 'copy.jsonl');
		copyFileSync(file, copy);

		// The proxy stays cut: --base-url sends the spool to the server directly.
		const env = childEnv(tempDir('tora-ts-home-'), { TORA_API_KEY: key });
		const sync = ['sync', '--spool-dir', spoolDir, '--base-url', server.baseUrl];
		const first = await tora(sync, env);
		expect(first.code, first.stdout + first.stderr).toBe(0);
		expect(first.stdout).toContain('10001 entries uploaded (10001 stored, 0 already there); spool is empty');
		expect(readdirSync(spoolDir)).toEqual([]);
		const counts = { 'offline/acc': 5000, 'offline/loss': 5000 };
		expect(await server.counts(run.id, key)).toEqual(counts);
		const synced = await server.experiment(run.id, key);
		expect(synced.status).toBe('finished');
		expect(synced.results).toEqual([expect.objectContaining({ name: 'offline/final', value: 0.75 })]);

		// The same spool again (a sync that was interrupted, or run twice): nothing new is stored.
		copyFileSync(copy, file);
		const second = await tora(sync, env);
		expect(second.code, second.stdout + second.stderr).toBe(0);
		expect(second.stdout).toContain('10001 entries uploaded (0 stored, 10001 already there)');
		expect(await server.counts(run.id, key)).toEqual(counts);
	}, 60_000);
});

describe('run status at process exit', () => {
	it('marks a clean exit finished, a crash failed, and spools what process.exit() cut off', async () => {
		const home = tempDir('tora-ts-home-');
		const env = childEnv(home, { TORA_BASE_URL: server.baseUrl, TORA_API_KEY: key });
		const script = (end: string) =>
			run('node', ['--import', 'tsx', join(repoRoot, 'sdk/ts/test/fixtures/run.mts'), '--end', end], env);
		const [clean, crash, exit] = await Promise.all([script('clean'), script('throw'), script('exit')]);
		const id = (ran: { stdout: string }) => /experiment=([0-9a-f-]{36})/.exec(ran.stdout)![1];

		expect(clean.code, clean.stderr).toBe(0);
		expect(await server.experiment(id(clean), key)).toMatchObject({ status: 'finished' });
		expect(await server.counts(id(clean), key)).toEqual({ loss: 500 });

		expect(crash.code).toBe(1);
		expect(crash.stderr).toContain('training diverged');
		expect(await server.experiment(id(crash), key)).toMatchObject({ status: 'failed' });
		expect(await server.counts(id(crash), key)).toEqual({ loss: 500 });

		// process.exit() leaves no time to send: the points and the status wait in the spool.
		expect(exit.code, exit.stderr).toBe(0);
		expect(exit.stderr).toContain('npx tora sync');
		expect(existsSync(join(home, '.tora/spool', `${id(exit)}.jsonl`))).toBe(true);
		const synced = await tora(['sync'], env);
		expect(synced.code, synced.stdout + synced.stderr).toBe(0);
		expect(await server.experiment(id(exit), key)).toMatchObject({ status: 'finished' });
		expect(await server.counts(id(exit), key)).toEqual({ loss: 500 });
	}, 60_000);
});

describe('setup errors', () => {
	it('a wrong API key is one clear error at create', async () => {
		const attempt = Tora.create({ name: 'nope' }, options({ apiKey: 'tora_sk_wrong' }));
		await expect(attempt).rejects.toMatchObject({ name: 'ToraApiError', status: 401 });
		await expect(attempt).rejects.toThrow(`The Tora server at ${server.baseUrl} rejected the API key`);
	});

	it('a server that is down at create is retried for the setup timeout, then named', async () => {
		const down = `http://127.0.0.1:${await freePort()}/api`;
		const started = Date.now();
		const attempt = Tora.create({ name: 'nope' }, options({ baseUrl: down, setupTimeoutMs: 1_500 }));
		await expect(attempt).rejects.toMatchObject({ name: 'ToraConnectionError' });
		await expect(attempt).rejects.toThrow(`the Tora server at ${down} did not answer`);
		console.log(`[ts live] create against a stopped server gave up after ${Date.now() - started} ms`);
	});
});

describe('the tora CLI and the example', () => {
	it('logs in, lists, shows, logs and exports', async () => {
		// A user of its own, so the listing holds only what this test makes.
		const key = await server.newKey();
		const home = tempDir('tora-ts-home-');
		const env = childEnv(home);
		const help = await run('npx', ['tora', '--help'], env);
		expect(help.code).toBe(0);
		expect(help.stdout).toContain('Usage: tora <command>');

		const origin = server.baseUrl.replace(/\/api$/, '');
		const login = await tora(['login', '--base-url', origin], env, `${key}\n`);
		expect(login.code, login.stderr).toBe(0);
		expect(login.stdout).toContain(`Logged in to ${server.baseUrl} as ts-sdk-`);
		expect(login.stdout + login.stderr).not.toContain(key);
		const config = join(home, '.tora/config.json');
		expect(statSync(config).mode & 0o777).toBe(0o600);
		expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ base_url: server.baseUrl, api_key: key });

		const workspaces = await tora(['workspaces', '--json'], env);
		expect(workspaces.code, workspaces.stderr).toBe(0);
		const [personal] = JSON.parse(workspaces.stdout);
		expect(personal).toMatchObject({ personal: true, role: 'owner' });
		expect((await tora(['workspaces'], env)).stdout).toMatch(new RegExp(`${personal.id}\\s+owner`));

		// The example, with the stored login only (no TORA_* variables).
		const example = await run('node', ['--import', 'tsx', 'examples/ts/train.ts', '--epochs', '3'], env);
		expect(example.code, example.stderr).toBe(0);
		expect(example.stdout).toContain('Done: 309 entries sent, run finished.');
		const id = /experiments\/([0-9a-f-]{36})/.exec(example.stdout)![1];

		const list = await tora(['experiments', 'list', '--workspace', personal.id, '--json'], env);
		expect(list.code, list.stderr).toBe(0);
		expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id, status: 'finished' })]);
		const table = await tora(['experiments', 'list'], env);
		expect(table.stdout).toMatch(
			new RegExp(`^ID\\s+STATUS\\s+CREATED\\s+METRICS\\s+NAME\\n${id}\\s+finished\\s`)
		);

		const show = await tora(['experiments', 'show', id], env);
		expect(show.code, show.stderr).toBe(0);
		expect(show.stdout).toMatch(/^name {8}synthetic regression \(ts\)$/m);
		expect(show.stdout).toMatch(/^ {2}train\/loss\s+300\s+0–299\s/m);
		expect(show.stdout).toMatch(/^ {2}final\/w = /m);

		const logged = await tora(['log', id, 'extra=1.5', 'other=-2e-3', '--step', '7'], env);
		expect(logged.code, logged.stderr).toBe(0);
		expect(logged.stdout).toContain(`Logged 2 points to ${id} at step 7 (2 stored).`);
		const counts = await server.counts(id, key);
		expect(counts).toMatchObject({ extra: 1, other: 1, 'train/loss': 300 });

		const long = await tora(['export', id, '--format', 'long'], env);
		expect(long.code, long.stderr).toBe(0);
		expect(long.stderr).toBe(''); // not a terminal, not large: no progress
		const rows = long.stdout.trimEnd().split('\r\n');
		expect(rows[0]).toBe('name,step,value,logged_at');
		expect(rows).toHaveLength(1 + 300 + 3 + 3 + 2);
		expect(rows).toContain('extra,7,1.5,' + rows.find((r) => r.startsWith('extra,'))!.split(',')[3]);
		const wide = await tora(['export', id, '--format', 'wide'], env);
		expect(wide.code, wide.stderr).toBe(0);
		const wideRows = wide.stdout.trimEnd().split('\r\n');
		expect(wideRows[0]).toBe('step,extra,other,train/epoch_loss,train/loss,val/loss');
		expect(wideRows).toHaveLength(1 + 301);
		expect(wideRows[8]).toMatch(/^7,1\.5,-0\.002,,[\d.e-]+,$/);

		// Mistakes: a clear message and a non-zero exit code.
		const missing = await tora(['experiments', 'show', '0190c0de-0000-7000-8000-0000000000ff'], env);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain('not found');
		const badName = await tora(['log', id, 'bad name=1'], env);
		expect(badName.code).toBe(2);
		expect(badName.stderr).toMatch(/^tora: .*name/);
		const badFormat = await tora(['export', id, '--format', 'tall'], env);
		expect(badFormat.code).toBe(2);
		expect((await tora(['frobnicate'], env)).code).toBe(2);
		const wrongKey = await tora(['workspaces'], { ...env, TORA_API_KEY: 'tora_sk_wrong' });
		expect(wrongKey.code).toBe(1);
		expect(wrongKey.stderr).toContain('rejected the API key');
		const loggedOut = await tora(['logout'], env);
		expect(loggedOut.code).toBe(0);
		const noLogin = await tora(['workspaces'], env);
		expect(noLogin.code).toBe(1);
		expect(noLogin.stderr).toContain('tora login');
	}, 90_000);
});
