/**
 * Load: 1,000 concurrent connections for 30 s (autocannon, loopback only) against a real
 * `npm start` process on the PostgreSQL server — half batch writes (10 points each, unique
 * msg_ids, API-key auth), half reads (series, experiment, list). Zero errors allowed (no non-2xx,
 * no socket errors or timeouts), and the database must hold exactly the points acknowledged
 * with a 201. `TORA_LOAD_CONNECTIONS` / `TORA_LOAD_SECONDS` change the shape for a quick try.
 *
 * Runs only on a PostgreSQL server (DATABASE_URL): the embedded PGlite runs one statement at a
 * time, so a thousand connections would measure its queue, not our server.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { api, createKey, signIn } from '../support/api.ts';
import { onPostgresServer, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const CONNECTIONS = Number(process.env.TORA_LOAD_CONNECTIONS ?? 1000);
const SECONDS = Number(process.env.TORA_LOAD_SECONDS ?? 30);
const EXPERIMENTS = 20;
const POINTS_PER_BATCH = 10;

if (!onPostgresServer()) {
	const reason =
		'needs DATABASE_URL on a PostgreSQL server (CI sets it); the embedded PGlite serializes every statement';
	// vitest.stress.config.ts leaves this file out without DATABASE_URL; run by hand, it fails
	// with the reason rather than passing or skipping quietly.
	describe('load', () =>
		it('needs a PostgreSQL server', () => {
			throw new Error(`the load test ${reason}`);
		}));
} else {
	let server: ServerProcess | undefined;
	afterAll(() => server?.stop());

	describe(`load: ${CONNECTIONS} connections for ${SECONDS} s`, () => {
		it('answers every request with a 2xx and stores exactly the acknowledged points', async () => {
			server = await startServerProcess({ TORA_DB_POOL_MAX: '20' });
			const user = await signIn();
			const { key } = await createKey(user.token);
			const workspaceId = (await api('GET', '/api/me', { token: user.token })).body.data.personalWorkspaceId;
			const ids: string[] = [];
			for (let i = 0; i < EXPERIMENTS; i++) {
				const created = await api('POST', '/api/experiments', { apiKey: key, body: { name: `load ${i}` } });
				expect(created.status).toBe(201);
				ids.push(created.body.data.id);
			}

			let step = 0;
			// Writes stop 10 s before the end, so none is still in flight when autocannon
			// stops counting (it would be stored but never acknowledged); reads go on to the end.
			const writesUntil = Date.now() + Math.max(SECONDS * 1000 - 10_000, (SECONDS * 1000) / 2);
			const acknowledged = { batches: 0, received: 0, stored: 0, duplicates: 0 };
			const otherStatuses = new Map<number, number>();
			const headers = { 'x-api-key': key, 'content-type': 'application/json' };
			const pick = () => ids[Math.floor(Math.random() * ids.length)];
			const batch = {
				method: 'POST' as const,
				headers,
				setupRequest: (request: autocannon.Request): autocannon.Request => {
					if (Date.now() > writesUntil) {
						return {
							...request,
							method: 'GET' as const,
							path: `/api/experiments/${pick()}`,
							body: undefined
						};
					}
					const logs = Array.from({ length: POINTS_PER_BATCH }, () => ({
						name: 'loss',
						msg_id: randomUUID(),
						value: Math.random(),
						step: step++,
						metadata: null
					}));
					return {
						...request,
						path: `/api/experiments/${pick()}/logs/batch`,
						body: JSON.stringify({ logs })
					};
				},
				onResponse: (status: number, body: string) => {
					if (status !== 201) return;
					const data = JSON.parse(body).data as { received: number; stored: number; duplicates: number };
					acknowledged.batches++;
					acknowledged.received += data.received;
					acknowledged.stored += data.stored;
					acknowledged.duplicates += data.duplicates;
				}
			};
			const read = (path: () => string) => ({
				method: 'GET' as const,
				headers,
				setupRequest: (request: autocannon.Request) => ({ ...request, path: path() })
			});
			const result = await new Promise<autocannon.Result>((resolve, reject) => {
				const instance = autocannon(
					{
						url: server!.origin,
						connections: CONNECTIONS,
						duration: SECONDS,
						timeout: 20,
						requests: [
							batch,
							read(() => `/api/experiments/${pick()}/metrics?names=loss&buckets=200`),
							batch,
							read(() => `/api/experiments/${pick()}`),
							batch,
							read(() => `/api/workspaces/${workspaceId}/experiments?limit=50`)
						]
					},
					(error, done) => (error ? reject(error) : resolve(done))
				);
				instance.on('response', (_client, statusCode) => {
					if (statusCode < 200 || statusCode >= 300) {
						otherStatuses.set(statusCode, (otherStatuses.get(statusCode) ?? 0) + 1);
					}
				});
			});

			const total = Object.values(result.statusCodeStats ?? {}).reduce((sum, s) => sum + Number(s.count), 0);
			const stored = await sql<{ points: number; summary: number }>`
				select
					(select count(*) from metric_points p join metric_series s on s.id = p.series_id
						where s.experiment_id = any(${ids}::uuid[]))::int as points,
					(select coalesce(sum(point_count), 0) from metric_series
						where experiment_id = any(${ids}::uuid[]))::int as summary
			`.execute(getDb());
			const { points, summary } = stored.rows[0];
			console.log(
				`[load] ${CONNECTIONS} connections, ${result.duration} s: ${total} requests (${Math.round(result.requests.average)}/s avg, ` +
					`p99 latency ${result.latency.p99} ms), ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts; ` +
					`${acknowledged.batches} batches acknowledged = ${acknowledged.received} points; stored ${points} (summary ${summary})`
			);
			expect(Object.fromEntries(otherStatuses)).toEqual({});
			expect(result.non2xx).toBe(0);
			expect(result.errors).toBe(0);
			expect(result.timeouts).toBe(0);
			expect(total).toBeGreaterThan(CONNECTIONS);
			expect(acknowledged.batches).toBeGreaterThan(0);
			expect(acknowledged.duplicates).toBe(0);
			expect(acknowledged.stored).toBe(acknowledged.received);
			expect(points).toBe(acknowledged.received);
			expect(summary).toBe(acknowledged.received);
		}, 300_000);
	});
}
