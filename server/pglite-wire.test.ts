import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-db.ts';

let database: EmbeddedDatabase;
beforeAll(async () => {
	database = await startEmbeddedDatabase();
});
afterAll(() => database.stop());

describe('PGlite wire server with many connections', () => {
	for (const prepare of [false, true]) {
		it(`keeps concurrent transactions from different pools apart (prepare: ${prepare})`, async () => {
			const a = postgres(database.url, { prepare, max: 4, onnotice: () => {} });
			const b = postgres(database.url, { prepare, max: 4, onnotice: () => {} });
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
		const doomed = postgres(database.url, { prepare: false, max: 1, onnotice: () => {} });
		const other = postgres(database.url, { prepare: false, max: 1, onnotice: () => {} });
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
