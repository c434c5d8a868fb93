/**
 * A 1,000,000-point experiment exported in long and wide CSV, completely and byte for byte the
 * same from the embedded database as from the PostgreSQL server. Two `npm start` processes, one
 * on an embedded database this test starts and one on the run's PostgreSQL database, get the same
 * points through the batch endpoint (same msg_ids, steps and values; repeated steps, negative,
 * tiny and huge values, a name a spreadsheet would take for a formula), then every point gets the
 * same logging time on both (the server stamps its own clock at ingest). The experiment ids differ;
 * nothing in the files depends on them. What the files hold is checked too: every point, metrics in
 * byte order of their names, the formula-like name made inert, the later of two points at a step.
 *
 * Needs DATABASE_URL on a PostgreSQL server (CI sets it); otherwise both sides would be embedded.
 */
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresOptions } from '../../functions/_lib/db.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../server/embedded-db.ts';
import {
	exportUrl,
	newAccount,
	newExperiment,
	startExportServer,
	type Account,
	type ExportServer
} from '../support/export-server.ts';
import { onPostgresServer } from '../support/server-process.ts';

const STEPS = 250_000;
/** Points per batch: the endpoint's limit. */
const BATCH = 10_000;

interface Point {
	name: string;
	step: number;
	value: number;
	msg_id: string;
}

const lossAt = (step: number) => Math.exp(-step / 50_000) + Math.sin(step) / 1e3;

/**
 * 1,000,000 points: three metrics at every step, a fourth at every other step (reaching twice as
 * far) and logged a second time at 25 of them (the wide format keeps the later one).
 */
function* points(): Generator<Point> {
	let n = 0;
	const msgId = () => `00000000-0000-4000-8000-${(n++).toString(16).padStart(12, '0')}`;
	for (let step = 0; step < STEPS; step++) {
		yield { name: 'train/loss', step, value: lossAt(step), msg_id: msgId() };
		yield { name: '-lr', step, value: -3e-4 * (1 - step / STEPS), msg_id: msgId() };
		yield { name: 'Zeta', step, value: step % 7 === 0 ? 1e12 + step : (step % 13) - 6, msg_id: msgId() };
		if (step < STEPS - 25) {
			yield { name: 'val/acc', step: step * 2, value: step / STEPS, msg_id: msgId() };
			if (step % 10_000 === 0)
				yield { name: 'val/acc', step: step * 2, value: -1e-9 * step, msg_id: msgId() };
		}
	}
}

/** The same logging time for the same point on both databases, with ties between repeated steps. */
const SAME_TIMES = `update metric_points set logged_at = timestamptz '2026-01-01 00:00:00+00' + step * interval '1537 microseconds'`;

interface Side {
	server: ExportServer;
	account: Account;
	experimentId: string;
}

if (!onPostgresServer()) {
	describe('export parity', () =>
		it('needs a PostgreSQL server', () => {
			throw new Error('the export parity test compares the embedded database with DATABASE_URL: set it');
		}));
} else {
	let embedded: EmbeddedDatabase | undefined;
	const servers: ExportServer[] = [];
	afterAll(async () => {
		await Promise.all(servers.map((server) => server.stop()));
		await embedded?.stop();
	});

	async function side(env: Record<string, string>): Promise<Side> {
		const server = await startExportServer({ env });
		servers.push(server);
		const account = await newAccount(server.origin);
		const experimentId = await newExperiment(server.origin, account, 'parity');
		return { server, account, experimentId };
	}

	async function send(target: Side, logs: Point[]): Promise<void> {
		const response = await fetch(
			`${target.server.origin}/api/experiments/${target.experimentId}/logs/batch`,
			{
				method: 'POST',
				headers: { ...target.account.headers, 'content-type': 'application/json' },
				body: JSON.stringify({ logs })
			}
		);
		const text = await response.text();
		if (response.status !== 201) throw new Error(`batch: ${response.status} ${text}`);
		expect(JSON.parse(text).data.stored).toBe(logs.length);
	}

	async function setTimes(url: string, embeddedDatabase: boolean): Promise<void> {
		const options = postgresOptions(url, 1);
		const sql = postgres(url, { ...options, prepare: embeddedDatabase ? false : options.prepare });
		try {
			await sql.unsafe(SAME_TIMES);
		} finally {
			await sql.end();
		}
	}

	async function csv(target: Side, format: 'long' | 'wide') {
		const response = await fetch(exportUrl(target.server.origin, target.experimentId, format), {
			headers: target.account.headers
		});
		expect(response.status).toBe(200);
		const body = Buffer.from(await response.arrayBuffer());
		return { body, disposition: response.headers.get('content-disposition') };
	}

	async function both(first: Side, second: Side, format: 'long' | 'wide') {
		return Promise.all([csv(first, format), csv(second, format)]);
	}

	/** The first line where two exports differ, for a readable failure. */
	function firstDifference(a: Buffer, b: Buffer): string {
		const left = a.toString('utf8').split('\r\n');
		const right = b.toString('utf8').split('\r\n');
		const line = left.findIndex((text, i) => text !== right[i]);
		return line === -1
			? `lengths ${left.length} and ${right.length}`
			: `line ${line + 1}: ${left[line]} | ${right[line]}`;
	}

	describe('export parity: embedded database and PostgreSQL server', () => {
		it('exports 1,000,000 points in both formats, byte for byte the same', async () => {
			embedded = await startEmbeddedDatabase();
			const [onEmbedded, onServer] = await Promise.all([
				side({ DATABASE_URL: embedded.url, TORA_DB_PREPARE: 'false' }),
				side({})
			]);
			let total = 0;
			const steps = new Set<number>();
			let batch: Point[] = [];
			const flush = async () => {
				await Promise.all([send(onEmbedded, batch), send(onServer, batch)]);
				batch = [];
			};
			for (const point of points()) {
				batch.push(point);
				steps.add(point.step);
				total++;
				if (batch.length === BATCH) await flush();
			}
			if (batch.length > 0) await flush();
			expect(total).toBe(1_000_000);
			await Promise.all([setTimes(embedded.url, true), setTimes(process.env.DATABASE_URL!, false)]);

			const exports = {
				long: await both(onEmbedded, onServer, 'long'),
				wide: await both(onEmbedded, onServer, 'wide')
			};
			for (const [format, [a, b]] of Object.entries(exports)) {
				console.log(`[export parity] ${format}: ${(b.body.length / 1024 / 1024).toFixed(1)} MB`);
				expect(a.disposition).toBe(b.disposition);
				expect(a.body.equals(b.body), `${format} exports differ at ${firstDifference(a.body, b.body)}`).toBe(
					true
				);
			}

			// And what they hold is complete and right (checked on one: they are the same).
			const long = exports.long[1].body.toString('utf8').split('\r\n');
			expect(long.pop()).toBe('');
			expect(long).toHaveLength(1 + total);
			// Metrics in byte order of their names; a name a spreadsheet would evaluate is made inert.
			expect(long.slice(0, 2)).toEqual([
				'name,step,value,logged_at',
				`"'-lr",0,-0.0003,2026-01-01T00:00:00.000Z`
			]);
			expect(long.filter((line) => line.startsWith(`"'-lr",`))).toHaveLength(STEPS);
			const wide = exports.wide[1].body.toString('utf8').split('\r\n');
			expect(wide.pop()).toBe('');
			expect(wide).toHaveLength(1 + steps.size);
			expect(wide[0]).toBe(`step,"'-lr",Zeta,train/loss,val/acc`);
			// At step 20,000 val/acc was logged twice (at one logging time): the later point is shown.
			const row = wide.find((line) => line.startsWith('20000,'))!;
			expect(row.split(',').map(Number)).toEqual([
				20_000,
				-3e-4 * (1 - 20_000 / STEPS),
				(20_000 % 13) - 6,
				lossAt(20_000),
				-1e-9 * 10_000
			]);
		}, 900_000);
	});
}
