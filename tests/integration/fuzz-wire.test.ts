/**
 * Property-based fuzzing of the embedded database's wire front (server/pglite-wire.ts): generated
 * byte streams — garbage before or after authentication, and sequences of frontend messages with
 * random contents, wrong length fields, unknown types, COPY in every form, cut off at a random
 * byte — sent to a database running in its own process. After every case the process must still
 * run, a healthy connection opened before the fuzzing must still answer, and the data it keeps
 * must be unchanged. `TORA_FUZZ_RUNS` sets the cases per property (default 100); a failure prints
 * fast-check's seed and the stream (not shrunk: a database one stream broke cannot judge smaller
 * ones), and `TORA_FUZZ_SEED` replays it.
 */
import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresOptions } from '../../functions/_lib/db.ts';
import { startEmbeddedDatabaseProcess } from '../support/embedded-db-process.ts';
import type { Started } from '../support/processes.ts';
import { cstring, messageWithLength, passwordMessage, startup, WireClient } from '../support/wire-client.ts';

const RUNS = Number(process.env.TORA_FUZZ_RUNS ?? 100);
const SEED = process.env.TORA_FUZZ_SEED ? Number(process.env.TORA_FUZZ_SEED) : undefined;
/** Generous: the server answers a closed connection at once; this only turns a hang into a failure. */
const CLOSE_WITHIN_MS = 10_000;

let child: { url: string; process: Started };
let healthy: postgres.Sql;
const counts = { cases: 0 };

beforeAll(async () => {
	child = await startEmbeddedDatabaseProcess();
	healthy = postgres(child.url, { ...postgresOptions(child.url, 1), prepare: false });
	await healthy`create table fuzz_canary (v text)`;
	await healthy`insert into fuzz_canary values ('untouched')`;
	await healthy`create table fuzz_sink (a int, b text)`;
}, 90_000);

afterAll(async () => {
	await healthy?.end({ timeout: 0 });
	await child?.process.stop();
	console.log(`[fuzz-wire] ${counts.cases} streams sent, each followed by a check of the healthy connection`);
});

const int16 = (value: number) => Buffer.from([(value >> 8) & 0xff, value & 0xff]);
const int32 = (value: number) => {
	const buffer = Buffer.alloc(4);
	buffer.writeInt32BE(value | 0, 0);
	return buffer;
};

const sqlText = fc.oneof(
	fc.constantFrom(
		'select 1',
		'begin',
		'commit',
		'rollback',
		'select 1/0',
		'copy fuzz_sink from stdin',
		'copy fuzz_sink (a, b) from stdin with (format csv)',
		'copy fuzz_sink from stdin with (format binary)',
		'select 1; copy fuzz_sink from stdin',
		"select 'copy fuzz_sink from stdin'",
		'copy (select 1) to stdout',
		'insert into fuzz_sink values (1, $1)',
		'select $1::int'
	),
	fc.string({ maxLength: 40 })
);
const name = fc.oneof(fc.constant(''), fc.string({ maxLength: 8 }));
const bytes = fc.uint8Array({ maxLength: 64 }).map((array) => Buffer.from(array));

/** Bodies shaped like each frontend message's, with random contents. */
const bodies: Record<string, fc.Arbitrary<Buffer>> = {
	Q: sqlText.map(cstring),
	P: fc
		.tuple(name, sqlText, fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 3 }))
		.map(([statement, sql, types]) =>
			Buffer.concat([cstring(statement), cstring(sql), int16(types.length), ...types.map(int32)])
		),
	B: fc
		.tuple(name, name, fc.array(fc.oneof(bytes, fc.constant(null)), { maxLength: 3 }), bytes)
		.map(([portal, statement, values, tail]) =>
			Buffer.concat([
				cstring(portal),
				cstring(statement),
				int16(0),
				int16(values.length),
				...values.flatMap((value) => (value ? [int32(value.length), value] : [int32(-1)])),
				tail
			])
		),
	D: fc
		.tuple(fc.constantFrom('S', 'P', 'x'), name)
		.map(([kind, n]) => Buffer.concat([Buffer.from(kind), cstring(n)])),
	C: fc
		.tuple(fc.constantFrom('S', 'P', 'x'), name)
		.map(([kind, n]) => Buffer.concat([Buffer.from(kind), cstring(n)])),
	E: fc.tuple(name, fc.integer()).map(([portal, rows]) => Buffer.concat([cstring(portal), int32(rows)])),
	S: fc.constant(Buffer.alloc(0)),
	H: fc.constant(Buffer.alloc(0)),
	F: bytes,
	d: fc.oneof(bytes, fc.constant(Buffer.from('1\tone\n'))),
	c: fc.constant(Buffer.alloc(0)),
	f: fc.string({ maxLength: 10 }).map(cstring),
	X: fc.constant(Buffer.alloc(0)),
	p: fc.string({ maxLength: 10 }).map(cstring)
};

const frontendMessage = fc.oneof(
	// Mostly well framed, so the contents reach PGlite; sometimes a length field that lies.
	fc
		.tuple(
			fc.constantFrom(...Object.keys(bodies)).chain((type) => fc.tuple(fc.constant(type), bodies[type])),
			fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { freq: 6 })
		)
		.map(([[type, body], length]) => messageWithLength(type, length ?? body.length + 4, body)),
	fc
		.tuple(fc.integer({ min: 0, max: 255 }), bytes)
		.map(([type, body]) => messageWithLength(String.fromCharCode(type), body.length + 4, body))
);

/** A stream of messages, possibly cut off at some byte, split into a few writes. */
const messageStream = fc
	.tuple(
		fc.array(frontendMessage, { minLength: 1, maxLength: 8 }),
		fc.option(fc.nat(), { freq: 3 }),
		fc.array(fc.nat(), { maxLength: 3 })
	)
	.map(([messages, cut, splits]) => {
		const stream = Buffer.concat(messages);
		return { stream: cut === null ? stream : stream.subarray(0, cut % (stream.length + 1)), splits };
	});

/** Settles with `fallback` after CLOSE_WITHIN_MS: a hang becomes a failure, not a test timeout. */
function withinLimit<T>(work: Promise<T>, fallback: T): Promise<T> {
	const timer = new Promise<T>((resolve) => setTimeout(() => resolve(fallback), CLOSE_WITHIN_MS).unref());
	return Promise.race([work, timer]);
}

/** Sends a stream on a new connection, half-closes, and waits for the server to close it. */
async function sendStream(
	stream: Buffer,
	splits: number[],
	authenticated: boolean
): Promise<string | undefined> {
	const connecting = authenticated ? WireClient.ready(child.url) : WireClient.connect(child.url);
	const client = await withinLimit(
		connecting.catch((error: Error) => error.message),
		'no answer'
	);
	if (typeof client === 'string') return `could not connect: ${client}`;
	counts.cases++;
	const points = [...new Set(splits.map((split) => split % (stream.length + 1)))].sort((a, b) => a - b);
	let from = 0;
	for (const point of [...points, stream.length]) {
		if (!client.socket.writable) break;
		client.socket.write(stream.subarray(from, point));
		from = point;
	}
	if (client.socket.writable) client.socket.end();
	// Read everything the server says until it closes.
	const drained = (async () => {
		while (await client.next());
		return 'closed';
	})().catch((error: Error) => `sent bytes that are no message: ${error.message}`);
	const outcome = await withinLimit(drained, 'hung');
	client.close();
	if (outcome === 'hung')
		return `the server kept the connection open ${CLOSE_WITHIN_MS} ms after the client finished`;
	return outcome === 'closed' ? undefined : outcome;
}

/** The database process is alive, answers the healthy connection, and kept its data. */
async function checkHealthy(): Promise<string | undefined> {
	if (child.process.child.exitCode !== null)
		return `the database process exited (${child.process.child.exitCode})`;
	const answer = await withinLimit(
		healthy`select v from fuzz_canary`.then(
			(rows) => rows.map((row) => row.v).join(','),
			(error: Error) => `error: ${error.message}`
		),
		'no answer'
	);
	return answer === 'untouched' ? undefined : `the healthy connection got: ${answer}`;
}

function property(arbitrary: fc.Arbitrary<{ stream: Buffer; splits: number[] }>, authenticated: boolean) {
	return fc.asyncProperty(arbitrary, async ({ stream, splits }) => {
		const problem = (await sendStream(stream, splits, authenticated)) ?? (await checkHealthy());
		expect(problem, `stream: ${stream.toString('hex')}`).toBeUndefined();
	});
}

describe('the wire front under hostile byte streams', () => {
	it('survives garbage before authentication (with or without a startup packet first)', async () => {
		const garbage = fc
			.tuple(fc.boolean(), fc.uint8Array({ maxLength: 200 }), fc.option(fc.string({ maxLength: 12 })))
			.map(([withStartup, junk, password]) => ({
				stream: Buffer.concat([
					withStartup ? startup({ user: 'fuzz', database: 'postgres' }) : Buffer.alloc(0),
					password === null ? Buffer.alloc(0) : passwordMessage(password),
					Buffer.from(junk)
				]),
				splits: [] as number[]
			}));
		await fc.assert(property(garbage, false), { numRuns: RUNS, seed: SEED, endOnFailure: true });
	}, 600_000);

	it('survives random, lying and truncated message streams after authentication', async () => {
		await fc.assert(property(messageStream, true), { numRuns: RUNS, seed: SEED, endOnFailure: true });
	}, 600_000);
});
