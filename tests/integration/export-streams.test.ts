/**
 * CSV exports over real HTTP against real `npm start` processes, with an experiment big enough
 * (200,000 points, ~12 MB of CSV) that a download is far larger than the socket buffers:
 *
 * - 100 downloads abandoned after their first chunk give everything back: /api/health answers at
 *   once, and no connection stays busy (pg_stat_activity on PostgreSQL; on the embedded database,
 *   where one session serves every connection, a further export and parallel calls complete);
 * - a failure after the head reaches the client as a broken transfer, and `tora export` exits
 *   non-zero and leaves no file;
 * - Ctrl-C in `tora export` aborts the download and deletes the partial file;
 * - SIGTERM with a download in flight stops the server within 2 s.
 *
 * Run it with DATABASE_URL set too: the servers then use the PostgreSQL server.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, childEnv } from '../../sdk/ts/test/support.ts';
import {
	download,
	exportUrl,
	logPoints,
	newAccount,
	newExperiment,
	settledConnections,
	startExportServer,
	type Account,
	type ExportServer
} from '../support/export-server.ts';

const METRICS = 4;
const STEPS = 50_000;
const POINTS = METRICS * STEPS;

/** The server under test; each part restarts it on the same data with the settings it needs. */
let server: ExportServer;
let account: Account;
let experimentId: string;

beforeAll(async () => {
	server = await startExportServer();
	account = await newAccount(server.origin);
	experimentId = await newExperiment(server.origin, account, 'big export');
	await logPoints(server.origin, account, experimentId, { metrics: METRICS, steps: STEPS });
}, 300_000);

afterAll(() => server?.stop());

/** Stops the server and starts another on the same data (an embedded database has one owner). */
async function restartServer(env: Record<string, string> = {}) {
	await server.stop();
	server = await startExportServer({ dataDir: server.dataDir, env });
}

/** Everything a held connection would break: a whole export of each format and parallel calls. */
async function expectServing(target: ExportServer) {
	const [long, wide] = await Promise.all([
		download(target.origin, account, experimentId, 'long'),
		download(target.origin, account, experimentId, 'wide')
	]);
	expect(long).toMatchObject({ status: 200, lines: POINTS + 1 });
	expect(wide).toMatchObject({ status: 200, lines: STEPS + 1 });
	const calls = await Promise.all(
		Array.from({ length: 30 }, (_, i) =>
			fetch(`${target.origin}/api/${i % 2 ? 'health' : `experiments/${experimentId}`}`, {
				headers: account.headers
			})
		)
	);
	expect(calls.map((r) => r.status)).toEqual(calls.map(() => 200));
}

describe('downloads that are abandoned', () => {
	it('give back every connection: 100 exports cut after their first chunk', async () => {
		await Promise.all(
			Array.from({ length: 100 }, async (_, i) => {
				const abort = new AbortController();
				const response = await fetch(exportUrl(server.origin, experimentId, i % 2 ? 'wide' : 'long'), {
					headers: account.headers,
					signal: abort.signal
				});
				expect(response.status).toBe(200);
				const first = await response.body!.getReader().read();
				expect(first.value?.byteLength).toBeGreaterThan(0);
				abort.abort();
			})
		);
		const started = performance.now();
		const health = await fetch(`${server.origin}/api/health`, { signal: AbortSignal.timeout(30_000) });
		const healthMs = performance.now() - started;
		console.log(
			`[export streams] /api/health answered in ${healthMs.toFixed(0)} ms after 100 abandoned exports`
		);
		expect(health.status).toBe(200);
		expect(healthMs).toBeLessThan(1_000);
		expect(await settledConnections(server)).toEqual([]);
		await expectServing(server);
		expect(server.child.exitCode).toBeNull();
	}, 120_000);
});

describe('an export that fails after the head', () => {
	// The same data, served by a process whose exports may use 1 ms of database time: the first
	// page of points already takes longer, and by then the header row has gone out.
	beforeAll(() => restartServer({ TORA_EXPORT_TIMEOUT_MS: '1' }), 120_000);

	it('reaches the client as a broken transfer, never as a complete-looking file', async () => {
		const response = await fetch(exportUrl(server.origin, experimentId, 'long'), {
			headers: account.headers
		});
		expect(response.status).toBe(200);
		const reader = response.body!.getReader();
		let received = '';
		const decoder = new TextDecoder();
		const readAll = async () => {
			for (;;) {
				const { done, value } = await reader.read();
				if (done) return;
				received += decoder.decode(value, { stream: true });
			}
		};
		await expect(readAll()).rejects.toThrow(/terminated/);
		expect(received.startsWith('name,step,value,logged_at\r\n')).toBe(true);
		expect(received).not.toContain('"error"');
		expect(server.output()).toMatch(/CSV export failed mid-stream: .*TORA_EXPORT_TIMEOUT_MS/);
		expect(await settledConnections(server)).toEqual([]);
	});

	it('makes `tora export` exit non-zero and leave no file', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'tora-export-cli-'));
		const output = join(dir, 'run.csv');
		const ran = await runCli(['export', experimentId, '--output', output]);
		expect(ran.code).toBe(1);
		expect(ran.stderr).toMatch(/^tora: the export from .* broke off/m);
		expect(existsSync(output)).toBe(false);
	});
});

describe('tora export interrupted', () => {
	let proxy: StallingProxy;
	beforeAll(async () => {
		await restartServer();
		proxy = await StallingProxy.start(server.origin, 256 * 1024);
	}, 120_000);
	afterAll(() => proxy?.close());

	it('on Ctrl-C aborts the download and deletes the partial file', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'tora-export-cli-'));
		const output = join(dir, 'run.csv');
		const cli = spawn('node', [binPath, 'export', experimentId, '--output', output], {
			env: childEnv(dir, {
				TORA_BASE_URL: `${proxy.origin}/api`,
				TORA_API_KEY: account.key
			}) as NodeJS.ProcessEnv
		});
		let stderr = '';
		cli.stderr.on('data', (chunk) => (stderr += chunk));
		const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
		// The network stalls after 256 KB: the CLI is mid-download, with part of the file written.
		await waitFor(() => proxy.stalled && existsSync(output) && statSync(output).size > 0);
		cli.kill('SIGINT');
		expect(await exited).toBe(130);
		expect(stderr).toMatch(/^tora: interrupted/m);
		expect(existsSync(output)).toBe(false);
		// The request was aborted: the proxy saw the CLI hang up, and the server let go.
		await waitFor(() => proxy.clientsClosed > 0);
		expect(await settledConnections(server)).toEqual([]);
		await expectServing(server);
	}, 60_000);
});

describe('shutdown', () => {
	it('stops within 2 s with a download in flight', async () => {
		// A client that reads the first chunk and then nothing: the server's writes back up.
		const response = await fetch(exportUrl(server.origin, experimentId, 'long'), {
			headers: account.headers
		});
		await response.body!.getReader().read();
		await new Promise((resolve) => setTimeout(resolve, 500));
		const started = performance.now();
		process.kill(server.child.pid!, 'SIGTERM');
		const code = await server.exited();
		const stopMs = performance.now() - started;
		console.log(`[export streams] SIGTERM to exit with a download in flight: ${stopMs.toFixed(0)} ms`);
		expect(code).toBe(0);
		expect(stopMs).toBeLessThan(2_000);
	}, 60_000);
});

async function runCli(args: string[]) {
	const home = mkdtempSync(join(tmpdir(), 'tora-export-home-'));
	const env = childEnv(home, { TORA_BASE_URL: `${server.origin}/api`, TORA_API_KEY: account.key });
	const cli = spawn('node', [binPath, ...args], { env: env as NodeJS.ProcessEnv });
	let stdout = '';
	let stderr = '';
	cli.stdout.on('data', (chunk) => (stdout += chunk));
	cli.stderr.on('data', (chunk) => (stderr += chunk));
	const code = await new Promise<number | null>((resolve) => cli.on('close', (c) => resolve(c)));
	return { code, stdout, stderr };
}

async function waitFor(condition: () => boolean, withinMs = 30_000) {
	const deadline = Date.now() + withinMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/**
 * A network that stalls: requests go through, responses only up to `limit` bytes, then nothing
 * (the server's side is simply not read any more), until the client hangs up.
 */
class StallingProxy {
	clientsClosed = 0;
	stalled = false;
	origin = '';
	private readonly sockets = new Set<Socket>();
	private readonly server: NetServer;

	private constructor(target: string, limit: number) {
		const { hostname, port } = new URL(target);
		this.server = createServer((client) => {
			const upstream = connect(Number(port), hostname);
			this.sockets.add(client).add(upstream);
			client.pipe(upstream);
			let forwarded = 0;
			upstream.on('data', (chunk: Buffer) => {
				const room = limit - forwarded;
				if (room > 0) client.write(chunk.subarray(0, room));
				forwarded += chunk.length;
				if (forwarded >= limit) {
					this.stalled = true;
					upstream.pause();
				}
			});
			client.on('close', () => {
				this.clientsClosed++;
				upstream.destroy();
			});
			for (const socket of [client, upstream]) socket.on('error', () => socket.destroy());
		});
	}

	static async start(target: string, limit: number): Promise<StallingProxy> {
		const proxy = new StallingProxy(target, limit);
		await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
		proxy.origin = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
		return proxy;
	}

	close(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}
