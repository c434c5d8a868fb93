/**
 * Signs of life: every write from a run's SDK (and its idle heartbeat) moves the run's
 * last_seen_at, which is what tells a running run from a crashed one (liveness.ts). A busy run
 * sends a batch every second or so; one write per run per SIGN_OF_LIFE_INTERVAL_MS and process
 * is plenty against a crash timeout of minutes, so the rest cost nothing.
 */
import { sql } from 'kysely';
import type { Db } from '../db.ts';

export const SIGN_OF_LIFE_INTERVAL_MS = 15_000;

/** When this process last wrote each run's last_seen_at (bounded: cleared when it grows large). */
const lastWritten = new Map<string, number>();

export async function noteSignOfLife(db: Db, experimentId: string, now = Date.now()): Promise<void> {
	const previous = lastWritten.get(experimentId);
	if (previous !== undefined && now - previous < SIGN_OF_LIFE_INTERVAL_MS) return;
	if (lastWritten.size >= 10_000) lastWritten.clear();
	lastWritten.set(experimentId, now);
	// Other processes (Netlify instances) write too; the condition keeps their writes rare as well.
	await db
		.updateTable('experiments')
		.set({ last_seen_at: sql<Date>`now()` })
		.where('id', '=', experimentId)
		.where('last_seen_at', '<', sql<Date>`now() - interval '5 seconds'`)
		.execute();
}

/** An explicit heartbeat always writes (it is sent only when a run is otherwise idle). */
export async function recordHeartbeat(
	db: Db,
	experimentId: string
): Promise<{ status: string; last_seen_at: Date } | undefined> {
	lastWritten.set(experimentId, Date.now());
	return db
		.updateTable('experiments')
		.set({ last_seen_at: sql<Date>`now()` })
		.where('id', '=', experimentId)
		.returning(['status', 'last_seen_at'])
		.executeTakeFirst();
}
