/**
 * `npm start` (API only) as a real child process on a port in 9400–9499: the load test drives it
 * with autocannon, the fault test restarts the database under it, the secrets test reads its logs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, start, type Started } from './processes.ts';

export interface ServerProcess extends Started {
	origin: string;
}

export async function startServerProcess(extra: Record<string, string> = {}): Promise<ServerProcess> {
	for (let attempt = 0; attempt < 5; attempt++) {
		const port = String(9400 + Math.floor(Math.random() * 100));
		const server = start(
			'node',
			['--import', 'tsx', 'server/start.ts'],
			cleanEnv({
				PORT: port,
				TORA_AUTH: 'local',
				TORA_API_ONLY: '1',
				TORA_JWT_SECRET: process.env.TORA_JWT_SECRET ?? '',
				TORA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tora-server-')),
				...(process.env.TORA_TEST_EMBEDDED ? {} : { DATABASE_URL: process.env.DATABASE_URL! }),
				...extra
			})
		);
		try {
			await server.waitFor(/Tora is running at/, 90_000);
			return { ...server, origin: `http://127.0.0.1:${port}` };
		} catch (error) {
			await server.stop();
			if (!/EADDRINUSE/.test(server.output())) throw error;
		}
	}
	throw new Error('no free port in 9400-9499 after 5 attempts');
}

/** The run's database is a real PostgreSQL server (not the embedded PGlite). */
export const onPostgresServer = (): boolean =>
	!process.env.TORA_TEST_EMBEDDED && Boolean(process.env.DATABASE_URL);
