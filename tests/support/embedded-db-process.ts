/**
 * An in-memory embedded database in a process of its own, for tests that send it hostile input:
 * if the input made it spin or exit, the test sees that instead of being taken down with it.
 * Run directly, this file is that process: it prints `url=<connection URL>` (to the parent's pipe
 * only) and runs until SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { startEmbeddedDatabase } from '../../server/embedded-db.ts';
import { cleanEnv, start, type Started } from './processes.ts';

const entry = fileURLToPath(import.meta.url);

export async function startEmbeddedDatabaseProcess(): Promise<{ url: string; process: Started }> {
	const child = start('node', ['--import', 'tsx', entry], cleanEnv({}));
	try {
		const line = await child.waitFor(/url=\S+/, 60_000);
		return { url: line.slice('url='.length), process: child };
	} catch (error) {
		await child.stop();
		throw error;
	}
}

if (process.argv[1] === entry) {
	const database = await startEmbeddedDatabase();
	console.log(`url=${database.url}`);
	process.on('SIGTERM', () => {
		setTimeout(() => process.exit(0), 2000).unref();
		void database.stop().then(() => process.exit(0));
	});
}
