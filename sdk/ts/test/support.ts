/**
 * Live-test support: a real Tora single server (API only, local sign-in) on a port in 9100–9199
 * (TORA_TEST_PORTS moves them),
 * fresh users with API keys, a TCP proxy that can cut the connection, and the CLI and scripts run
 * as child processes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../server/app.ts';
import { functionsDir } from '../../../server/paths.ts';
import { loadRoutes } from '../../../server/routes.ts';
import { cleanEnv, start, type Started } from '../../../tests/support/processes.ts';

export const repoRoot = new URL('../../../', import.meta.url).pathname;
export const binPath = join(repoRoot, 'sdk/ts/bin/tora.mjs');

/** TORA_TEST_PORTS=`first-last` moves the live tests' ports (default 9100–9199). */
function portRange(): [number, number] {
	const match = /^(\d+)-(\d+)$/.exec(process.env.TORA_TEST_PORTS ?? '');
	return match ? [Number(match[1]), Number(match[2]) - Number(match[1]) + 1] : [9100, 100];
}

/** A port in [base, base + span) (default: portRange()) that nothing listens on right now. */
export async function freePort(base = portRange()[0], span = portRange()[1]): Promise<number> {
	for (let attempt = 0; attempt < 200; attempt++) {
		const port = base + Math.floor(Math.random() * span);
		const free = await new Promise<boolean>((resolve) => {
			const probe = createServer()
				.once('error', () => resolve(false))
				.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
		});
		if (free) return port;
	}
	throw new Error(`no free port in ${base}–${base + span - 1}`);
}

export interface Json {
	status: number;
	body: { data?: unknown; error?: { code: string; message: string } } & Record<string, unknown>;
}

export class LiveServer {
	readonly port: number;
	readonly dataDir = mkdtempSync(join(tmpdir(), 'tora-ts-live-'));
	private process: Started | null = null;
	/** Extra server settings (TORA_CONSOLE_MAX_BYTES...). */
	private readonly env: Record<string, string>;

	constructor(port: number, env: Record<string, string> = {}) {
		this.port = port;
		this.env = env;
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}/api`;
	}

	/** Starts (or restarts, on the same data) and waits until /api/health answers. */
	async start(): Promise<void> {
		// The test run's own database when it is a real PostgreSQL server (CI sets DATABASE_URL);
		// otherwise the server embeds PGlite in its data directory, which survives a restart.
		const database = process.env.TORA_TEST_EMBEDDED ? {} : { DATABASE_URL: process.env.DATABASE_URL };
		this.process = start(
			'node',
			['--import', 'tsx', 'server/start.ts'],
			cleanEnv({
				PORT: String(this.port),
				TORA_API_ONLY: '1',
				TORA_AUTH: 'local',
				TORA_DATA_DIR: join(this.dataDir, 'db'),
				...(database as Record<string, string>),
				...this.env
			})
		);
		await this.process.waitFor(/Tora is running at/, 90_000);
	}

	async stop(): Promise<void> {
		await this.process?.stop();
		this.process = null;
	}

	/** Stop, and delete its data. */
	async remove(): Promise<void> {
		await this.stop();
		rmSync(this.dataDir, { recursive: true, force: true });
	}

	async request(
		method: string,
		path: string,
		body?: unknown,
		headers: Record<string, string> = {}
	): Promise<Json> {
		const response = await fetch(this.baseUrl + path, {
			method,
			headers: { 'content-type': 'application/json', ...headers },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		return { status: response.status, body: await response.json() };
	}

	/** A fresh user's API key. */
	async newKey(): Promise<string> {
		const email = `ts-sdk-${Math.random().toString(36).slice(2, 10)}@example.com`;
		const session = await this.request('POST', '/auth/local', { email });
		if (session.status !== 200) throw new Error(JSON.stringify(session));
		const token = (session.body.data as { access_token: string }).access_token;
		const key = await this.request(
			'POST',
			'/api-keys',
			{ name: 'ts sdk tests' },
			{ authorization: `Bearer ${token}` }
		);
		if (key.status !== 201) throw new Error(JSON.stringify(key));
		return (key.body.data as { key: string }).key;
	}

	async experiment(id: string, key: string): Promise<ExperimentRead> {
		const read = await this.request('GET', `/experiments/${id}`, undefined, { 'x-api-key': key });
		if (read.status !== 200) throw new Error(JSON.stringify(read));
		return read.body.data as ExperimentRead;
	}

	/** Points per series, from the server's per-series summaries. */
	async counts(id: string, key: string): Promise<Record<string, number>> {
		const experiment = await this.experiment(id, key);
		return Object.fromEntries(experiment.metrics.map((m) => [m.name, m.count]));
	}
}

export interface ExperimentRead {
	id: string;
	name: string;
	status: string;
	metrics: Array<{ name: string; count: number; first_step: number; last_step: number }>;
	results: Array<{ name: string; value: number }>;
}

/** Forwards connections to `target`; `cut()` closes them all and refuses new ones, `restore()` listens again. */
export class Proxy {
	readonly port: number;
	private readonly target: number;
	private server: NetServer | null = null;
	private readonly sockets = new Set<Socket>();
	/** Everything clients sent through the proxy (requests, bodies), when constructed with `record`. */
	readonly sent: Buffer[] | null;

	constructor(port: number, target: number, record = false) {
		this.port = port;
		this.target = target;
		this.sent = record ? [] : null;
	}

	/** What clients sent, as text. */
	get sentText(): string {
		return Buffer.concat(this.sent ?? []).toString('utf8');
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}/api`;
	}

	restore(): Promise<void> {
		this.server = createServer((client) => {
			const upstream = connect(this.target, '127.0.0.1');
			for (const socket of [client, upstream]) {
				this.sockets.add(socket);
				socket.on('close', () => this.sockets.delete(socket));
				socket.on('error', () => socket.destroy());
			}
			if (this.sent) client.on('data', (chunk: Buffer) => this.sent!.push(chunk));
			client.pipe(upstream).pipe(client);
		});
		return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
	}

	cut(): Promise<void> {
		const server = this.server;
		this.server = null;
		for (const socket of this.sockets) socket.destroy();
		return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
	}
}

export interface Ran {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Run a command to completion (no shell), with `input` on stdin. */
export function run(
	command: string,
	args: string[],
	env: Record<string, string | undefined>,
	input = '',
	cwd = repoRoot
): Promise<Ran> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
		// A child that exits without reading its input (git) closes the pipe first: not an error.
		child.stdin.on('error', () => undefined);
		child.stdin.end(input);
	});
}

/** This process's environment without any Tora settings, with HOME set to `home`. */
export function childEnv(
	home: string,
	extra: Record<string, string> = {}
): Record<string, string | undefined> {
	const env: Record<string, string | undefined> = { ...process.env, HOME: home };
	for (const name of Object.keys(env)) if (name.startsWith('TORA_')) delete env[name];
	return { ...env, ...extra };
}

/** The real `tora` command (what `npx tora` runs: the root package.json's bin). */
export function tora(args: string[], env: Record<string, string | undefined>, input = ''): Promise<Ran> {
	return run(binPath, args, env, input);
}

const temporary: string[] = [];

/** A new temporary directory, deleted by removeTempDirs(). */
export function tempDir(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	temporary.push(dir);
	return dir;
}

export function removeTempDirs(): void {
	for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The single server's app in this test process (the test's database, every function, no auth
 * rate limit) on a free port: its origin, and how to close it.
 */
export async function startInProcessServer(): Promise<{ origin: string; stop: () => Promise<void> }> {
	const server = createApp({ routes: await loadRoutes(functionsDir), authRateLimit: false });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		stop: () => new Promise((resolve) => server.close(() => resolve()))
	};
}
