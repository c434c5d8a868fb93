import { sql } from 'kysely';
import { TORA_VERSION } from './_lib/config.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, type FunctionConfig } from './_lib/http.ts';

/** A database round trip and the newest applied migration: what a load balancer or a human checks. */
export default methods({
	GET: async () => {
		const started = performance.now();
		const row = await sql<{ version: string | null }>`
			select max(version) as version from supabase_migrations.schema_migrations
		`.execute(getDb());
		return json({
			db: 'ok',
			migration: row.rows[0]?.version ?? null,
			dbLatencyMs: Math.round((performance.now() - started) * 100) / 100,
			version: TORA_VERSION
		});
	}
});

export const config: FunctionConfig = { path: '/api/health', method: ['GET'] };
