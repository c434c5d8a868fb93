/**
 * Entry point: an in-memory embedded database (PGlite behind the wire protocol) in its own
 * process, so its single-threaded wasm engine competes neither with the load generator nor
 * with the server. Prints `url=<connection string>` and runs until SIGTERM.
 */
import { startEmbeddedDatabase } from '../../server/embedded-db.ts';

const database = await startEmbeddedDatabase();
console.log(`url=${database.url}`);
process.on('SIGTERM', () => {
	// Clients still connected could hold the close open; the data is in memory and goes anyway.
	setTimeout(() => process.exit(0), 2000).unref();
	void database.stop().then(() => process.exit(0));
});
