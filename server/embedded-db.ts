/**
 * The embedded default database: PGlite (Postgres compiled to wasm) behind the Postgres wire
 * protocol, so the app talks to it with the same postgres.js driver it uses for a real server.
 * All connections share PGlite's one session, so clients must not use named prepared statements
 * (`TORA_DB_PREPARE=false`, set by whoever starts it).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteWireServer } from './pglite-wire.ts';

export interface EmbeddedDatabase {
	url: string;
	stop(): Promise<void>;
}

export interface EmbeddedOptions {
	/** A directory for persistent data, or undefined for an in-memory database. */
	dataDir?: string;
	port?: number;
}

export async function startEmbeddedDatabase(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
	const releaseLock = options.dataDir ? lockDataDir(options.dataDir) : () => {};
	let db: PGlite | undefined;
	try {
		db = await PGlite.create(options.dataDir ? join(options.dataDir, 'pglite') : 'memory://');
		const server = new PgliteWireServer(db);
		const port = await server.listen(options.port ?? 0);
		const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
		const pglite = db;
		return {
			url,
			async stop() {
				await server.close();
				await pglite.close();
				releaseLock();
			}
		};
	} catch (error) {
		await db?.close().catch(() => {});
		releaseLock();
		throw error;
	}
}

/** PGlite's files must have one writer: refuse a second process on the same data directory. */
function lockDataDir(dataDir: string): () => void {
	mkdirSync(dataDir, { recursive: true });
	const lockFile = join(dataDir, 'pglite.pid');
	try {
		const holder = Number(readFileSync(lockFile, 'utf8'));
		if (holder && holder !== process.pid && processIsAlive(holder)) {
			throw new Error(
				`The embedded database in ${dataDir} is in use by process ${holder}. Stop it, or set TORA_DATA_DIR to another directory.`
			);
		}
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
	writeFileSync(lockFile, String(process.pid));
	return () => rmSync(lockFile, { force: true });
}

function processIsAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}
