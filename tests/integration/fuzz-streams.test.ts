/**
 * Property-based fuzzing of downloads that end early: CSV exports from a real `npm start` process
 * cut at generated points — before the first byte, after any number of bytes, after a pause with
 * the client not reading, by aborting fetch or destroying the socket, several at once — must
 * never crash the server or leave a database connection busy (pg_stat_activity on PostgreSQL; on
 * the embedded database, the server must still answer and finish a whole export).
 * `TORA_FUZZ_RUNS` scales the cases (default 100 → 40 here); `TORA_FUZZ_SEED` replays a failure.
 */
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const RUNS = Math.max(1, Math.round(Number(process.env.TORA_FUZZ_RUNS ?? 100) * 0.4));
const SEED = process.env.TORA_FUZZ_SEED ? Number(process.env.TORA_FUZZ_SEED) : undefined;
const METRICS = 4;
const STEPS = 25_000;

let server: ExportServer;
let account: Account;
let experimentId: string;
let cases = 0;

beforeAll(async () => {
	server = await startExportServer();
	account = await newAccount(server.origin);
	experimentId = await newExperiment(server.origin, account, 'fuzzed downloads');
	// About 6 MB of long CSV and 2 MB of wide: every cut lands mid-stream.
	await logPoints(server.origin, account, experimentId, { metrics: METRICS, steps: STEPS });
}, 300_000);

afterAll(async () => {
	console.log(`[fuzz streams] ${cases} cases of cut downloads`);
	await server?.stop();
});

type Cut = 'abort fetch' | 'destroy socket';

interface Download {
	format: 'long' | 'wide';
	/** Bytes of body read before the cut (0: right after the head). */
	after: number;
	/** Time spent not reading before the cut: the server's writes back up meanwhile. */
	pauseMs: number;
	cut: Cut;
}

const downloadArbitrary: fc.Arbitrary<Download> = fc.record({
	format: fc.constantFrom('long' as const, 'wide' as const),
	after: fc.oneof(
		fc.constant(0),
		fc.integer({ min: 1, max: 64 * 1024 }),
		fc.integer({ min: 1, max: 4_000_000 })
	),
	pauseMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 })),
	cut: fc.constantFrom<Cut>('abort fetch', 'destroy socket')
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function viaFetch(d: Download): Promise<void> {
	const abort = new AbortController();
	const response = await fetch(exportUrl(server.origin, experimentId, d.format), {
		headers: account.headers,
		signal: abort.signal
	});
	expect(response.status).toBe(200);
	const reader = response.body!.getReader();
	for (let read = 0; read < d.after;) {
		const { done, value } = await reader.read();
		if (done) break;
		read += value.byteLength;
	}
	await sleep(d.pauseMs);
	abort.abort();
}

function viaSocket(d: Download): Promise<void> {
	return new Promise((resolve, reject) => {
		const req = request(exportUrl(server.origin, experimentId, d.format), { headers: account.headers });
		req.on('error', () => resolve()); // the cut itself
		req.on('response', (res) => {
			if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
			let read = 0;
			const cut = () => {
				res.pause();
				setTimeout(() => {
					req.destroy();
					resolve();
				}, d.pauseMs);
			};
			if (d.after === 0) return cut();
			res.on('data', (chunk: Buffer) => {
				read += chunk.length;
				if (read >= d.after) cut();
			});
			res.on('end', () => resolve());
		});
		req.end();
	});
}

describe('downloads cut at random points', () => {
	it('never crash the server or leave a connection busy', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(downloadArbitrary, { minLength: 1, maxLength: 4 }), async (downloads) => {
				cases++;
				await Promise.all(downloads.map((d) => (d.cut === 'abort fetch' ? viaFetch(d) : viaSocket(d))));
				expect(server.child.exitCode).toBeNull();
				expect(await settledConnections(server)).toEqual([]);
				const health = await fetch(`${server.origin}/api/health`, { signal: AbortSignal.timeout(10_000) });
				expect(health.status).toBe(200);
			}),
			{ numRuns: RUNS, seed: SEED, endOnFailure: true }
		);
		// Still whole afterwards: complete exports of both formats, and nothing logged as a failure.
		const [long, wide] = await Promise.all([
			download(server.origin, account, experimentId, 'long'),
			download(server.origin, account, experimentId, 'wide')
		]);
		expect(long).toMatchObject({ status: 200, lines: METRICS * STEPS + 1 });
		expect(wide).toMatchObject({ status: 200, lines: STEPS + 1 });
		expect(server.output()).not.toMatch(/unhandled|failed mid-stream|Error/);
	}, 300_000);
});
