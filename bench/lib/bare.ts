/** Starting and stopping the bare node:http baseline (bare-server.ts) next to the single server. */
import { preparedStatements, withoutDbSettings } from './context.ts';
import { freePort, start } from './processes.ts';
import type { BenchContext } from './types.ts';

export interface BareServer {
	baseUrl: string;
	stop(): Promise<void>;
}

export async function startBareServer(ctx: BenchContext, userId: string): Promise<BareServer> {
	const port = await freePort();
	const child = start(
		'node',
		['--import', 'tsx', 'bench/lib/bare-server.ts'],
		withoutDbSettings({
			PORT: String(port),
			DATABASE_URL: ctx.databaseUrl,
			TORA_DB_PREPARE: preparedStatements(ctx.dbKind),
			BENCH_USER_ID: userId
		})
	);
	try {
		await child.waitFor(/port=\d+/, 30_000);
	} catch (error) {
		await child.stop();
		throw error;
	}
	return { baseUrl: `http://127.0.0.1:${port}`, stop: child.stop };
}
