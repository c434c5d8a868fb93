/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */
import { loadConfig } from '../functions/_lib/config.ts';
import { prepareDatabase } from './database.ts';

const log = (line: string) => console.log(`[tora] ${line}`);

try {
	const database = await prepareDatabase(loadConfig(), log);
	log(
		database.migrations.applied.length ? `applied ${database.migrations.applied.length}` : 'nothing to apply'
	);
	await database.stop();
} catch (error) {
	console.error(`[tora] ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
}
