import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresOptions } from '../functions/_lib/db.ts';
import {
	cstring,
	dataRow,
	errorFields,
	message,
	queryMessage,
	WireClient
} from '../tests/support/wire-client.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-db.ts';

let database: EmbeddedDatabase;
beforeAll(async () => {
	database = await startEmbeddedDatabase();
});
afterAll(() => database.stop());

/** A postgres.js pool on the embedded database, as the app makes them (socket URL, password). */
function pool(max: number, prepare = false, url = database.url) {
	return postgres(url, { ...postgresOptions(url, max), prepare });
}

describe('PGlite wire server with many connections', () => {
	for (const prepare of [false, true]) {
		it(`keeps concurrent transactions from different pools apart (prepare: ${prepare})`, async () => {
			const a = pool(4, prepare);
			const b = pool(4, prepare);
			try {
				await a`create table if not exists wire_probe (pool text, i int)`;
				await Promise.all(
					Array.from({ length: 12 }, (_, i) =>
						(i % 2 ? a : b).begin(async (tx) => {
							await tx`insert into wire_probe values (${String(prepare)}, ${i})`;
							await new Promise((resolve) => setTimeout(resolve, 2));
							const [{ n }] =
								await tx`select count(*)::int as n from wire_probe where pool = ${String(prepare)} and i = ${i}`;
							expect(n).toBe(1);
						})
					)
				);
				const parallel = await Promise.all(
					Array.from({ length: 8 }, (_, i) => b`select ${i}::int * 2 as v, ${'x'}::text as t`)
				);
				expect(parallel.map((rows) => rows[0].v)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
				const [{ n }] = await a`select count(*)::int as n from wire_probe where pool = ${String(prepare)}`;
				expect(n).toBe(12);
			} finally {
				await a.end();
				await b.end();
			}
		});
	}

	it('rolls back and releases a transaction whose connection disappears', async () => {
		const doomed = pool(1);
		const other = pool(1);
		await other`create table if not exists wire_orphan (i int)`;
		const reserved = await doomed.reserve();
		await reserved`begin`;
		await reserved`insert into wire_orphan values (1)`;
		await doomed.end({ timeout: 0 });
		const [{ n }] = await other`select count(*)::int as n from wire_orphan`;
		expect(n).toBe(0);
		await other.end();
	});
});

describe('large results with a client that reads slowly', () => {
	const ROWS = 200_000;
	const md5 = (text: string) => createHash('md5').update(text).digest('hex');

	it('gives each connection exactly its own rows, and holds a backed-up client’s next query', async () => {
		const other = pool(1);
		await other`create table wire_marker (v int)`;
		const slow = await WireClient.ready(database.url);
		try {
			// The slow client stops reading, then asks for a marker, ~55 MB of rows, another marker.
			slow.socket.pause();
			slow.send(
				queryMessage('insert into wire_marker values (1)'),
				queryMessage(`select g, repeat(md5(g::text), 8) from generate_series(1, ${ROWS}) g`),
				queryMessage('insert into wire_marker values (2)')
			);
			// Once the first marker is in, the big query is next in line: the other connection's
			// big read runs after it, while the slow client's rows still wait in its socket.
			while ((await other`select count(*)::int as n from wire_marker where v = 1`)[0].n === 0) {
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			const theirs =
				await other`select g, repeat(md5((-g)::text), 8) as r from generate_series(1, ${ROWS}) g`;
			expect(theirs.length).toBe(ROWS);
			const wrong = theirs.filter((row, i) => row.g !== i + 1 || row.r !== md5(String(-(i + 1))).repeat(8));
			expect(wrong.slice(0, 3)).toEqual([]);

			// The slow client has read nothing since: its third query must not have run yet.
			const [{ n: held }] = await other`select count(*)::int as n from wire_marker where v = 2`;
			expect(held).toBe(0);

			slow.socket.resume();
			await slow.until('Z'); // the first marker
			const messages = await slow.until('Z');
			const rows = messages.filter((m) => m.type === 'D').map((m) => dataRow(m.body));
			expect(messages.filter((m) => m.type === 'E')).toEqual([]);
			expect(rows.length).toBe(ROWS);
			const corrupt = rows.filter(([g, r], i) => g !== String(i + 1) || r !== md5(String(i + 1)).repeat(8));
			expect(corrupt.slice(0, 3)).toEqual([]);
			await slow.until('Z'); // the second marker, run once the client read its rows
			const [{ n: done }] = await other`select count(*)::int as n from wire_marker where v = 2`;
			expect(done).toBe(1);
		} finally {
			slow.close();
			await other`drop table wire_marker`;
			await other.end();
		}
	}, 120_000);
});

describe('COPY FROM STDIN', () => {
	let sql: postgres.Sql;
	beforeAll(async () => {
		sql = pool(2);
		await sql`create table wire_copy (i int primary key, label text)`;
	});
	afterAll(async () => {
		await sql`drop table wire_copy`;
		await sql.end();
	});

	async function copyRows(from: number, to: number, into = sql): Promise<void> {
		const lines = function* () {
			for (let i = from; i < to; i += 1000) {
				let chunk = '';
				for (let j = i; j < Math.min(i + 1000, to); j++) chunk += `${j}\trow ${j}\n`;
				yield chunk;
			}
		};
		await pipeline(Readable.from(lines()), await into`copy wire_copy (i, label) from stdin`.writable());
	}

	it('takes 100,000 rows through postgres.js, and the connection goes on', async () => {
		await copyRows(0, 100_000);
		const [row] =
			await sql`select count(*)::int as n, sum(i)::bigint as total, max(label) as label from wire_copy`;
		expect(row).toEqual({ n: 100_000, total: 4_999_950_000, label: 'row 99999' });
		await sql`delete from wire_copy`;
	});

	it('belongs to the transaction it runs in', async () => {
		await sql
			.begin(async (tx) => {
				await copyRows(0, 10, tx as unknown as postgres.Sql);
				const [{ n }] = await tx`select count(*)::int as n from wire_copy`;
				expect(n).toBe(10);
				throw new Error('roll back');
			})
			.catch((error) => expect(error.message).toBe('roll back'));
		const [{ n }] = await sql`select count(*)::int as n from wire_copy`;
		expect(n).toBe(0);
	});

	it('applies nothing when the client aborts the copy (CopyFail)', async () => {
		const writable = await sql`copy wire_copy (i, label) from stdin`.writable();
		writable.on('error', () => {}); // the abort we cause
		writable.write('1\tone\n');
		writable.destroy(new Error('changed my mind'));
		const [{ n }] = await sql`select count(*)::int as n from wire_copy`;
		expect(n).toBe(0);
	});

	it('answers a COPY FROM STDIN that cannot run here with an error, not a dead database', async () => {
		const client = await WireClient.ready(database.url);
		try {
			const mixed = await client.query('select 1; copy wire_copy from stdin');
			expect(mixed.error?.C).toBe('0A000');
			// The extended protocol (Parse/Bind/Execute) cannot stream COPY data into PGlite.
			client.send(
				message('P', Buffer.concat([cstring(''), cstring('copy wire_copy from stdin'), Buffer.alloc(2)])),
				message('B', Buffer.concat([cstring(''), cstring(''), Buffer.alloc(6)])),
				message('E', Buffer.concat([cstring(''), Buffer.alloc(4)])),
				message('S')
			);
			const extended = await client.until('Z');
			expect(extended.map((m) => (m.type === 'E' ? errorFields(m).C : m.type))).toEqual([
				'1',
				'2',
				'0A000',
				'Z'
			]);
			// A copy into a table that does not exist fails once its data is in, as a copy would.
			client.send(queryMessage('copy no_such_table from stdin'));
			expect((await client.next())?.type).toBe('G');
			client.send(Buffer.from([0x64, 0, 0, 0, 6, 0x31, 0x0a]), Buffer.from([0x63, 0, 0, 0, 4]));
			const failed = await client.until('Z');
			expect(failed.map((m) => m.type)).toEqual(['E', 'Z']);
			expect((await client.query('select 41 + 1')).rows).toEqual([['42']]);
		} finally {
			client.close();
		}
	});
});

describe('a connection idle in a transaction', () => {
	let short: EmbeddedDatabase;
	beforeAll(async () => {
		short = await startEmbeddedDatabase({ idleInTransactionMs: 300 });
	});
	afterAll(() => short.stop());

	it('is ended and rolled back after the timeout, and the others proceed', async () => {
		const holder = pool(1, false, short.url);
		const other = pool(1, false, short.url);
		const quiet = pool(1, false, short.url);
		try {
			await other`create table wire_idle (i int)`;
			await quiet`select 1`; // a connection idle outside a transaction is left alone
			const reserved = await holder.reserve();
			await reserved`begin`;
			await reserved`insert into wire_idle values (1)`;
			// Waits for the holder's transaction, which the timeout ends and rolls back.
			const [{ n }] = await other`select count(*)::int as n from wire_idle`;
			expect(n).toBe(0);
			await expect(reserved`insert into wire_idle values (2)`).rejects.toThrow();
			await new Promise((resolve) => setTimeout(resolve, 400));
			expect((await quiet`select 2 as two`)[0].two).toBe(2);
		} finally {
			await holder.end({ timeout: 0 });
			await other.end();
			await quiet.end();
		}
	});
});
