import type { Config } from '@netlify/functions';
import { sql } from 'kysely';
import { TORA_VERSION } from './_lib/config.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';

export const config: Config = { path: '/api/health', method: ['GET'] };

/** A database round trip and the newest applied migration: what a load balancer or a human checks. */
export default endpoint(config, 'Service and account', {
	GET: method({
		access: 'anyone',
		docs: { success: '200 `{db: "ok", migration, dbLatencyMs, version}`; 503 when the database is down' },
		handle: async ({ db }) => {
			const started = performance.now();
			const row = await sql<{ version: string | null }>`
				select max(version) as version from supabase_migrations.schema_migrations
			`.execute(db);
			return json({
				db: 'ok',
				migration: row.rows[0]?.version ?? null,
				dbLatencyMs: Math.round((performance.now() - started) * 100) / 100,
				version: TORA_VERSION
			});
		}
	})
});
