/**
 * The embedded default database: PGlite (Postgres compiled to wasm) behind the Postgres wire
 * protocol, so the app talks to it with the same postgres.js driver it uses for a real server.
 * All connections share PGlite's one session, so clients must not use named prepared statements
 * (`prepare: false`, which whoever starts it configures: `dbPrepare` in the server's configuration).
 *
 * Only this user's processes may reach it: it listens on a Unix socket inside a private (0700)
 * directory, and every connection must give a password that is random for each start. A TCP port
 * on 127.0.0.1 (same password) is opened only when asked for, for tools like psql.
 */
import { randomBytes } from 'node:crypto';
import {
	chmodSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DEFAULT_IDLE_IN_TRANSACTION_MS, PgliteWireServer } from './pglite-wire.ts';

export interface EmbeddedDatabase {
	/** For our own pools: `postgres://tora:<password>@localhost/postgres?host=<socket directory>`. */
	url: string;
	/** For tools: the TCP URL when a TCP port was asked for, otherwise `url` (psql understands it). */
	toolsUrl: string;
	/** The file (mode 0600, in the data directory) holding `toolsUrl`, for a persistent database. */
	toolsUrlFile?: string;
	stop(): Promise<void>;
}

export interface EmbeddedOptions {
	/** A directory for persistent data, or undefined for an in-memory database. */
	dataDir?: string;
	/** Also listen on 127.0.0.1 at this port (0: any free one), for tools. Off by default. */
	tcpPort?: number;
	/** Default 30 s (the single server passes `TORA_EMBEDDED_IDLE_IN_TRANSACTION_MS`); 0 never ends a connection. */
	idleInTransactionMs?: number;
	log?: (line: string) => void;
}

const USER = 'tora';
/**
 * libpq's socket file name for port 5432, the port a URL without one implies: psql, the Supabase
 * CLI and postgres.js all find `<dir>/.s.PGSQL.5432` from `?host=<dir>`. The directory is ours
 * alone, so the number never collides with anything.
 */
const SOCKET_NAME = '.s.PGSQL.5432';
/** sun_path holds 108 bytes on Linux, 104 on macOS (with the terminating NUL). */
const MAX_SOCKET_PATH = 103;

export async function startEmbeddedDatabase(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
	const log = options.log ?? (() => {});
	const idleInTransactionMs = options.idleInTransactionMs ?? DEFAULT_IDLE_IN_TRANSACTION_MS;
	const { dataDir } = options;
	if (dataDir) makePrivate(dataDir, log);
	const cleanups: (() => void)[] = dataDir ? [lockDataDir(dataDir)] : [];
	const cleanUp = () =>
		cleanups
			.splice(0)
			.reverse()
			.forEach((cleanup) => cleanup());
	let db: PGlite | undefined;
	let server: PgliteWireServer | undefined;
	try {
		db = await PGlite.create(dataDir ? join(dataDir, 'pglite') : 'memory://');
		// PGlite writes a new database's files 0666 whatever the umask (those Postgres creates later
		// are 0600). The 0700 directory already keeps others out; this makes the files say so too.
		// No process-wide umask: it would also apply to what Vite, the site build or child
		// processes create, and PGlite ignores it here anyway.
		if (dataDir) tightenTree(dataDir);

		let socketDir = dataDir;
		if (!socketDir || Buffer.byteLength(join(socketDir, SOCKET_NAME)) > MAX_SOCKET_PATH) {
			const privateDir = mkdtempSync(join(tmpdir(), 'tora-pglite-')); // created 0700
			cleanups.push(() => rmSync(privateDir, { recursive: true, force: true }));
			if (socketDir) log(`data directory path too long for a Unix socket; the socket is in ${privateDir}`);
			socketDir = privateDir;
		}
		const password = randomBytes(32).toString('base64url');
		server = new PgliteWireServer(db, { password, idleInTransactionMs });
		const socketPath = join(socketDir, SOCKET_NAME);
		// Left by a run that crashed; the lock says no live process is using this directory.
		rmSync(socketPath, { force: true });
		await server.listen({ path: socketPath });
		const url = `postgres://${USER}:${password}@localhost/postgres?host=${encodeURIComponent(socketDir).replaceAll('%2F', '/')}`;

		let toolsUrl = url;
		if (options.tcpPort !== undefined) {
			const port = await server.listen({ port: options.tcpPort, host: '127.0.0.1' });
			toolsUrl = `postgres://${USER}:${password}@127.0.0.1:${port}/postgres`;
		}
		let toolsUrlFile: string | undefined;
		if (dataDir) {
			toolsUrlFile = join(dataDir, 'database-url');
			writePrivateFile(toolsUrlFile, `${toolsUrl}\n`);
			const file = toolsUrlFile;
			cleanups.push(() => rmSync(file, { force: true }));
		}
		const [pglite, wire] = [db, server];
		return {
			url,
			toolsUrl,
			toolsUrlFile,
			async stop() {
				await wire.close();
				await pglite.close();
				cleanUp();
			}
		};
	} catch (error) {
		await server?.close();
		await db?.close().catch(() => {});
		cleanUp();
		throw error;
	}
}

/** Creates the data directory 0700, or tightens an existing one (and what is in it) to owner-only. */
function makePrivate(dataDir: string, log: (line: string) => void): void {
	mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	const tightened = tightenTree(dataDir);
	if (tightened > 0) {
		const entries = tightened === 1 ? '1 entry' : `${tightened} entries`;
		log(`data directory ${dataDir} was open to other users: ${entries} made owner-only (0700/0600)`);
	}
}

/** Removes group and other permissions from a directory and everything in it; returns how many changed. */
function tightenTree(path: string): number {
	const stat = lstatSync(path);
	if (stat.isSymbolicLink()) return 0; // never change what a link points to
	let tightened = 0;
	if (stat.mode & 0o077) {
		chmodSync(path, stat.mode & 0o700);
		tightened++;
	}
	if (stat.isDirectory()) {
		for (const entry of readdirSync(path)) tightened += tightenTree(join(path, entry));
	}
	return tightened;
}

function writePrivateFile(path: string, content: string): void {
	writeFileSync(path, content, { mode: 0o600 });
	chmodSync(path, 0o600); // the mode above applies only to a file that did not exist
}

/** PGlite's files must have one writer: refuse a second process on the same data directory. */
function lockDataDir(dataDir: string): () => void {
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
	writePrivateFile(lockFile, String(process.pid));
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
