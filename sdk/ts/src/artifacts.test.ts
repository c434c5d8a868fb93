/**
 * Artifacts from the TypeScript SDK against the real API (in-process single servers, the test
 * database, filesystem storage): `logArtifact` of a directory with a large file and many small
 * ones, uploaded in the background across a server restart, then `tora artifacts ls|get`; what
 * comes back hashes the same as what went up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../server/app.ts';
import { functionsDir } from '../../../server/paths.ts';
import { loadRoutes, type Route } from '../../../server/routes.ts';
import { createKey } from '../../../tests/support/api.ts';
import { signInWithWorkspace } from '../../../tests/support/experiments.ts';
import { childEnv, removeTempDirs, tempDir, tora } from '../test/support.js';
import { Tora } from './client.js';

let routes: Route[];
let server: Server;
let port: number;
let key: string;

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function listen(onPort = 0): Promise<void> {
	server = createApp({ routes, authRateLimit: false });
	await new Promise<void>((resolve) => server.listen(onPort, '127.0.0.1', resolve));
	port = (server.address() as AddressInfo).port;
}

async function stop(): Promise<void> {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
}

beforeAll(async () => {
	routes = await loadRoutes(functionsDir);
	await listen();
	const user = await signInWithWorkspace();
	key = (await createKey(user.token)).key;
}, 60_000);

afterAll(async () => {
	await stop();
	removeTempDirs();
});

describe('artifacts from the TypeScript SDK and CLI', () => {
	it('uploads a directory in the background across a server restart; downloads hash the same', async () => {
		const source = tempDir('tora-artifacts-src-');
		const big = randomBytes(20 * 1024 * 1024);
		writeFileSync(join(source, 'model.bin'), big);
		mkdirSync(join(source, 'samples'));
		const small = new Map<string, Buffer>();
		for (let i = 0; i < 200; i++) {
			const bytes = randomBytes(100 + i);
			small.set(`samples/s${String(i).padStart(4, '0')}.txt`, bytes);
			writeFileSync(join(source, 'samples', `s${String(i).padStart(4, '0')}.txt`), bytes);
		}
		const warnings: string[] = [];
		const run = await Tora.create(
			{ name: 'artifacts' },
			{
				baseUrl: `http://127.0.0.1:${port}/api`,
				apiKey: key,
				spoolDir: tempDir('tora-artifacts-spool-'),
				exitHooks: false,
				heartbeat: false,
				captureContext: false,
				captureConsole: false,
				systemMetricsIntervalMs: 0,
				onWarning: (message) => warnings.push(message)
			}
		);
		const started = Date.now();
		run.logArtifact(source, { name: 'outputs' });
		// logArtifact never blocks the training loop.
		expect(Date.now() - started).toBeLessThan(100);
		run.metric('loss', 1, 0);

		// The server goes away mid-upload and comes back on the same port.
		await new Promise((resolve) => setTimeout(resolve, 300));
		await stop();
		await new Promise((resolve) => setTimeout(resolve, 1000));
		await listen(port);

		const summary = await run.finish();
		expect(warnings).toEqual([]);
		expect(summary.status).toBe('finished');

		const env = childEnv(tempDir('tora-cli-artifacts-'), {
			TORA_BASE_URL: `http://127.0.0.1:${port}/api`,
			TORA_API_KEY: key
		});
		const ls = await tora(['artifacts', 'ls', run.experiment.id, '--json'], env);
		expect(ls.code, ls.stderr).toBe(0);
		const listed = JSON.parse(ls.stdout) as Array<{ path: string; sha256: string; size: number }>;
		expect(listed).toHaveLength(201);
		expect(listed.find((a) => a.path === 'outputs/model.bin')?.sha256).toBe(sha(big));

		const out = tempDir('tora-artifacts-out-');
		const got = await tora(
			['artifacts', 'get', run.experiment.id, 'outputs', '-o', join(out, 'outputs')],
			env
		);
		expect(got.code, got.stderr).toBe(0);
		expect(sha(readFileSync(join(out, 'outputs', 'model.bin')))).toBe(sha(big));
		for (const [path, bytes] of small) {
			expect(sha(readFileSync(join(out, 'outputs', ...path.split('/'))))).toBe(sha(bytes));
		}

		// Putting the same file again is a no-op; other bytes at the path need --overwrite.
		const again = await tora(
			['artifacts', 'put', run.experiment.id, join(source, 'model.bin'), '--name', 'outputs/model.bin'],
			env
		);
		expect(again.code, again.stderr).toBe(0);
		const other = join(tempDir('tora-artifacts-other-'), 'model.bin');
		writeFileSync(other, 'different');
		const refused = await tora(
			['artifacts', 'put', run.experiment.id, other, '--name', 'outputs/model.bin'],
			env
		);
		expect(refused.code).not.toBe(0);
		expect(refused.stderr).toMatch(/409|overwrite/);
	}, 180_000);
});
