/**
 * Heartbeats against the real API (in-process server, the test database): a quiet run's
 * last_seen_at moves; switched off (option or TORA_HEARTBEAT=0) it stays; a busy run and a
 * finished one send none. Uses the shortest interval allowed (5 s), so it takes a few seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../../tests/support/api.ts';
import { signInWithWorkspace } from '../../../tests/support/experiments.ts';
import { heartbeatIntervalMs, MIN_HEARTBEAT_INTERVAL_MS } from '../src/heartbeat.js';
import { Tora, type ClientOptions } from '../src/index.js';
import { removeTempDirs, tempDir, startInProcessServer } from './support.js';

const INTERVAL_MS = MIN_HEARTBEAT_INTERVAL_MS;

let baseUrl: string;
let key: string;
let stopServer: () => Promise<void>;

beforeAll(async () => {
	const served = await startInProcessServer();
	baseUrl = `${served.origin}/api`;
	stopServer = served.stop;
	const user = await signInWithWorkspace();
	key = (await createKey(user.token)).key;
}, 60_000);

afterAll(async () => {
	await stopServer?.();
	removeTempDirs();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function options(extra: ClientOptions = {}): ClientOptions {
	return {
		baseUrl,
		apiKey: key,
		exitHooks: false,
		spoolDir: tempDir('tora-ts-heartbeat-'),
		heartbeatIntervalMs: INTERVAL_MS,
		// Metrics only: the context, console and system series (capture.test.ts) would add requests.
		captureContext: false,
		captureConsole: false,
		systemMetricsIntervalMs: 0,
		...extra
	};
}

async function lastSeen(id: string): Promise<number> {
	const response = await fetch(`${baseUrl}/experiments/${id}`, { headers: { 'x-api-key': key } });
	const body = (await response.json()) as { data: { last_seen_at: string } };
	return Date.parse(body.data.last_seen_at);
}

describe('heartbeats', () => {
	it('keep a quiet run seen, and stay off when switched off, busy or finished', async () => {
		const quiet = await Tora.create({ name: 'quiet' }, options());
		const off = await Tora.create({ name: 'heartbeat off' }, options({ heartbeat: false }));
		process.env.TORA_HEARTBEAT = '0';
		let offByEnv: Tora;
		try {
			offByEnv = await Tora.create({ name: 'heartbeat off by env' }, options());
		} finally {
			delete process.env.TORA_HEARTBEAT;
		}
		const busy = await Tora.create({ name: 'busy' }, options());
		const finished = await Tora.create({ name: 'finished' }, options());
		await finished.finish();
		const before = new Map(
			await Promise.all([quiet, off, offByEnv].map(async (run) => [run.id, await lastSeen(run.id)] as const))
		);

		// Busy: a point a second, each batch a sign of life of its own.
		const started = Date.now();
		for (let step = 0; Date.now() - started < INTERVAL_MS + 2_000; step++) {
			busy.metric('loss', 1 / (step + 1), step);
			await sleep(1_000);
		}

		expect(quiet.heartbeats).toBeGreaterThanOrEqual(1);
		expect(await lastSeen(quiet.id)).toBeGreaterThan(before.get(quiet.id)!);
		expect(off.heartbeats).toBe(0);
		expect(await lastSeen(off.id)).toBe(before.get(off.id));
		expect(offByEnv.heartbeats).toBe(0);
		expect(await lastSeen(offByEnv.id)).toBe(before.get(offByEnv.id));
		expect(busy.heartbeats).toBe(0);
		expect(busy.stats.sent).toBeGreaterThanOrEqual(6);
		expect(finished.heartbeats).toBe(0);

		await Promise.all([quiet, off, offByEnv, busy].map((run) => run.finish()));
		const beats = quiet.heartbeats;
		await sleep(INTERVAL_MS + 500);
		expect(quiet.heartbeats).toBe(beats);
	}, 30_000);

	it('a heartbeat that cannot reach the server never throws, and is tried at the next tick', async () => {
		let down = false;
		let attempts = 0;
		const warnings: string[] = [];
		const run = await Tora.create(
			{ name: 'server goes away' },
			options({
				onWarning: (message) => warnings.push(message),
				fetch: (input, init) => {
					if (input.endsWith('/heartbeat')) attempts++;
					return down ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init);
				}
			})
		);
		down = true;
		await sleep(2 * INTERVAL_MS + 500);
		expect(attempts).toBeGreaterThanOrEqual(2);
		expect(run.heartbeats).toBe(0);
		expect(warnings).toEqual([]);
		down = false;
		expect(await run.finish()).toMatchObject({ statusSet: true });
	}, 30_000);
});

describe('heartbeat interval', () => {
	it('reads TORA_HEARTBEAT_INTERVAL in seconds and never goes below 5 s', () => {
		expect(heartbeatIntervalMs(undefined)).toBe(30_000);
		process.env.TORA_HEARTBEAT_INTERVAL = '12';
		try {
			expect(heartbeatIntervalMs(undefined)).toBe(12_000);
			process.env.TORA_HEARTBEAT_INTERVAL = '1';
			expect(heartbeatIntervalMs(undefined)).toBe(5_000);
			process.env.TORA_HEARTBEAT_INTERVAL = 'soon';
			expect(() => heartbeatIntervalMs(undefined)).toThrow(/TORA_HEARTBEAT_INTERVAL/);
		} finally {
			delete process.env.TORA_HEARTBEAT_INTERVAL;
		}
		expect(heartbeatIntervalMs(60_000)).toBe(60_000);
	});
});
