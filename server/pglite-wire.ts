/**
 * A Postgres wire-protocol front for PGlite that is safe with several client connections.
 *
 * Why not `@electric-sql/pglite-socket`: it serves one client at a time (others queue for up to
 * 60 s), or, where it serves several, queues single protocol messages so that two connections'
 * Parse/Bind/Execute interleave and clobber each other's unnamed statement and portal (issue
 * #1046, PR #977); it hands each socket chunk to PGlite as it arrives, unframed and unchecked; it
 * has no authentication and listens on TCP. What PGlite (0.5) itself makes a front handle, found
 * while building this one:
 * - `execProtocolRawStream` hands `onRawData` views of the WASM heap, valid only during the call.
 *   Queued on a socket uncopied, they are overwritten by later output before a slow (or merely
 *   large) send goes out: other rows, another connection's results, raw protocol bytes.
 * - It cannot wait for input in the middle of a statement: COPY FROM STDIN run message by message
 *   meets "unexpected EOF" and the whole embedded database exits. An unknown message type (or a
 *   PasswordMessage after startup) exits it too, and a Sync over 10,000 bytes makes it allocate
 *   until the process dies.
 * - Replaying a client's startup packet into the shared session answers "in transaction" when
 *   another connection has one open.
 * Delete this front when upstream handles all of that.
 *
 * What this front does instead:
 * - PGlite is one session. A connection's messages run as one unit up to each Sync (or simple
 *   Query), and while a connection has a transaction open (or a portal awaiting its Sync) it owns
 *   the session: other connections wait until it commits, rolls back or disconnects. That is
 *   serialisable by construction — correct, not parallel. An owner that sends nothing for
 *   `idleInTransactionMs` is ended and rolled back, like Postgres's
 *   idle_in_transaction_session_timeout.
 * - Prepared statement names are per connection in Postgres but shared in PGlite's one session
 *   (and drivers describe a statement in one Sync unit and bind it in the next), so each
 *   connection's statement names are rewritten into a namespace of its own.
 * - Every byte PGlite outputs is copied before it is queued on a socket. A connection whose socket
 *   has more than OUTPUT_HIGH_WATER bytes queued gets no further units run (and is not read from)
 *   until its client catches up; the others go on.
 * - Every message is framed and checked (type, and Postgres's own length limits) before PGlite
 *   sees it; a violation ends that connection only.
 * - COPY FROM STDIN: the front answers CopyInResponse itself, collects the data up to CopyDone or
 *   CopyFail, and gives PGlite the statement and its data as one unit.
 * - Clients authenticate with a password (cleartext: the socket is private to this user, and the
 *   optional TCP port for tools listens on loopback only), compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import {
	authenticationCleartextPassword,
	CANCEL_REQUEST,
	copyFromStdin,
	copyInResponse,
	DropFirstMessage,
	errorResponse,
	frame,
	GSSENC_REQUEST,
	MessageReader,
	negotiateProtocolVersion,
	parseStartupPacket,
	passwordOf,
	ProtocolViolation,
	simpleQuery,
	SSL_REQUEST,
	startupMessage,
	syncMessage
} from './pglite-wire-protocol.ts';

export const DEFAULT_IDLE_IN_TRANSACTION_MS = 30_000;
/** Extended-query messages wait for the Sync that ends their unit; any other message is a unit. */
const EXTENDED_QUERY = new Set(['P', 'B', 'D', 'E', 'C']);
/** Beyond this many bytes queued for a client, its next unit waits until the client reads. */
const OUTPUT_HIGH_WATER = 4 * 1024 * 1024;
/**
 * COPY FROM STDIN is held whole in memory before PGlite sees it (and joined once more for the
 * call): 256 MiB bounds that at about half a gigabyte, far above anything Tora itself copies.
 */
const MAX_COPY_BYTES = 256 * 1024 * 1024;
/** Like Postgres's authentication_timeout. */
const AUTHENTICATION_TIMEOUT_MS = 60_000;

/** Make PGlite itself raise an error in the right protocol state (it then sends ReadyForQuery). */
const raise = (message: string) =>
	`do $tora$ begin raise exception using errcode = 'feature_not_supported', message = '${message}'; end $tora$`;
const COPY_NOT_ALONE = raise(
	'COPY FROM STDIN must be the only statement in its query on the embedded database'
);
const COPY_EXTENDED = raise('COPY FROM STDIN needs the simple query protocol on the embedded database');

export interface WireServerOptions {
	/** What every client must send (AuthenticationCleartextPassword) before anything else. */
	password: string;
	/** An owner of the session silent this long is ended and rolled back; 0 never ends one. */
	idleInTransactionMs?: number;
}

/** A Unix socket path (made 0600 once bound) or a TCP port and host. */
export type ListenTarget = { path: string } | { port: number; host: string };

interface Unit {
	messages: Buffer[];
	/** COPY FROM STDIN with its data: one call, and PGlite's own CopyInResponse dropped. */
	copy?: boolean;
}

interface Job {
	conn: Connection;
	work: () => Promise<void>;
	/** Rollback and cleanup of a closed connection: runs whatever its socket's state. */
	cleanup?: boolean;
	done: (error?: Error) => void;
}

let nextConnectionId = 1;

export class PgliteWireServer {
	private servers: Server[] = [];
	private owner: Connection | undefined;
	private running: Connection | undefined;
	private queue: Job[] = [];
	private pumping: Promise<void> | undefined;
	private connections = new Set<Connection>();
	private closing = false;
	/** PGlite's answer to a startup packet (AuthenticationOk … ReadyForQuery), computed once. */
	private greeting: Buffer | undefined;
	private readonly passwordDigest: Buffer;
	readonly idleInTransactionMs: number;

	constructor(
		private readonly db: PGlite,
		options: WireServerOptions
	) {
		this.passwordDigest = digest(options.password);
		this.idleInTransactionMs = options.idleInTransactionMs ?? DEFAULT_IDLE_IN_TRANSACTION_MS;
	}

	/** Starts listening; returns the TCP port for a TCP target. */
	async listen(target: ListenTarget): Promise<number | undefined> {
		await this.db.waitReady;
		this.greeting ??= await this.startupResponse();
		const server = createServer((socket) => this.accept(socket));
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(target, () => resolve());
		});
		this.servers.push(server);
		// The socket sits in a 0700 directory already; its own mode is a second fence.
		if ('path' in target) chmodSync(target.path, 0o600);
		const address = server.address();
		return typeof address === 'object' && address ? address.port : undefined;
	}

	async close(): Promise<void> {
		this.closing = true;
		for (const job of this.queue.splice(0)) job.done(new Error('the embedded database is closing'));
		for (const conn of this.connections) conn.socket.destroy();
		await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
		await this.pumping;
	}

	checkPassword(given: string): boolean {
		return timingSafeEqual(digest(given), this.passwordDigest);
	}

	/** What an authenticated client gets: AuthenticationOk, parameters, ReadyForQuery. */
	startupReply(): Buffer {
		return this.greeting!;
	}

	owns(conn: Connection): boolean {
		return this.owner === conn;
	}

	/** Runs one unit of a connection's messages, in turn with every other connection's units. */
	run(conn: Connection, unit: Unit): Promise<void> {
		if (conn.closed) return Promise.resolve();
		return this.enqueue({ conn, work: () => this.execute(conn, unit) });
	}

	/** The connection's owner timer ran out: end it, unless PGlite is busy with its work. */
	idleTimeout(conn: Connection): void {
		if (this.owner !== conn) return;
		if (this.running === conn) conn.armIdleTimer();
		else conn.fail('25P03', 'terminating connection due to idle-in-transaction timeout');
	}

	/** Something changed that may let queued work run (a client read its output, a job arrived). */
	pump(): void {
		if (this.pumping) return;
		this.pumping = this.drainQueue().finally(() => {
			this.pumping = undefined;
		});
	}

	/** A connection went away: drop its queued work, then roll back anything it left open. */
	release(conn: Connection): void {
		if (!this.connections.delete(conn)) return;
		conn.closed = true;
		conn.clearIdleTimer();
		this.queue = this.queue.filter((job) => {
			if (job.conn !== conn) return true;
			job.done(new Error('connection closed'));
			return false;
		});
		// Nothing to undo for a connection that never ran anything (or only plain queries).
		const touchedSession = this.owner === conn || this.running === conn || conn.statementNames.size > 0;
		if (this.closing || !touchedSession) return;
		void this.enqueue({
			conn,
			cleanup: true,
			work: async () => {
				if (this.owner === conn) {
					// A portal awaiting its Sync lives in an implicit transaction: end that first.
					if (conn.awaitingSync) await this.db.execProtocolRawStream(syncMessage(), { onRawData: () => {} });
					if (this.db.isInTransaction()) await this.db.exec('rollback');
				}
				const statements = deallocateAll([...conn.statementNames]);
				if (statements) await this.db.exec(statements);
			}
		}).catch(() => {});
	}

	private accept(socket: Socket): void {
		if (this.closing) {
			socket.destroy();
			return;
		}
		this.connections.add(new Connection(socket, this));
	}

	private enqueue(job: Omit<Job, 'done'>): Promise<void> {
		if (this.closing) return Promise.reject(new Error('the embedded database is closing'));
		return new Promise((resolve, reject) => {
			this.queue.push({ ...job, done: (error) => (error ? reject(error) : resolve()) });
			this.pump();
		});
	}

	private async drainQueue(): Promise<void> {
		for (;;) {
			const index = this.queue.findIndex((job) => this.mayRun(job));
			if (index === -1) return;
			const [job] = this.queue.splice(index, 1);
			this.running = job.conn;
			try {
				await job.work();
				job.done();
			} catch (error) {
				job.done(error as Error);
			} finally {
				this.running = undefined;
			}
			this.afterJob(job);
		}
	}

	/** The owner's work only, while there is one; and no unit for a client that is not reading. */
	private mayRun(job: Job): boolean {
		if (this.owner && job.conn !== this.owner) return false;
		return job.cleanup || !job.conn.backedUp();
	}

	private afterJob(job: Job): void {
		const conn = job.conn;
		if (job.cleanup) {
			if (this.owner === conn) this.owner = undefined;
			return;
		}
		const owns = this.db.isInTransaction() || conn.awaitingSync;
		this.owner = owns ? conn : undefined;
		if (owns && !conn.closed) conn.armIdleTimer();
		else conn.clearIdleTimer();
	}

	private async execute(conn: Connection, unit: Unit): Promise<void> {
		if (conn.closed) return;
		const garbage = conn.takeGarbage();
		if (garbage.length) {
			// Fails only inside an aborted transaction; those names are then freed on disconnect.
			await this.db
				.exec(deallocateAll(garbage))
				.catch(() => garbage.forEach((name) => conn.statementNames.add(name)));
		}
		conn.socket.cork();
		try {
			if (unit.copy) {
				const withoutOwnCopyIn = new DropFirstMessage('G');
				await this.db.execProtocolRawStream(Buffer.concat(unit.messages), {
					onRawData: (data) => withoutOwnCopyIn.filter(Buffer.from(data)).forEach((part) => conn.write(part))
				});
				return;
			}
			for (const message of unit.messages) {
				if (conn.closed) return;
				// Buffer.from copies: `data` is a view of PGlite's heap, reused by its next output.
				await this.db.execProtocolRawStream(message, { onRawData: (data) => conn.write(Buffer.from(data)) });
				if (message[0] === 0x48 /* Flush */) conn.awaitingSync = true;
				else if (message[0] === 0x53 /* Sync */ || message[0] === 0x51 /* Query */) conn.awaitingSync = false;
			}
		} finally {
			conn.socket.uncork();
		}
	}

	/** PGlite's greeting for a canonical startup packet, replayed to each authenticated client. */
	private async startupResponse(): Promise<Buffer> {
		const chunks: Buffer[] = [];
		await this.db.execProtocolRawStream(startupMessage({ user: 'postgres', database: 'postgres' }), {
			onRawData: (data) => chunks.push(Buffer.from(data))
		});
		return Buffer.concat(chunks);
	}
}

/** One client socket: authenticates it, then frames its messages into units that run together. */
class Connection {
	private readonly reader = new MessageReader();
	private phase: 'startup' | 'password' | 'ready' = 'startup';
	private user = '';
	private pending: Buffer[] = [];
	/** Inside COPY FROM STDIN: the statement and its data so far, run together at CopyDone. */
	private copy: { messages: Buffer[]; bytes: number } | undefined;
	private chain = Promise.resolve();
	private readonly id = nextConnectionId++;
	private authTimer: NodeJS.Timeout | undefined;
	private idleTimer: NodeJS.Timeout | undefined;
	/** This connection's prepared statements, by their session-wide names (deallocated on close). */
	readonly statementNames = new Set<string>();
	private unnamed: string | undefined;
	private unnamedCount = 0;
	private garbage: string[] = [];
	closed = false;
	private terminated = false;
	/**
	 * Flushed but not yet synced (a cursor reading a portal in chunks): the portal lives in the
	 * shared session, so the connection keeps it until its Sync.
	 */
	awaitingSync = false;

	constructor(
		readonly socket: Socket,
		private readonly server: PgliteWireServer
	) {
		socket.setNoDelay(true);
		socket.on('data', (chunk) => this.receive(chunk));
		socket.on('drain', () => {
			socket.resume();
			server.pump();
		});
		socket.on('error', () => socket.destroy());
		socket.on('close', () => server.release(this));
		this.authTimer = setTimeout(() => socket.destroy(), AUTHENTICATION_TIMEOUT_MS).unref();
	}

	/** More output queued than the client has read: hold its next unit (and its input). */
	backedUp(): boolean {
		return this.socket.writableLength > OUTPUT_HIGH_WATER;
	}

	write(data: Buffer): void {
		if (this.closed || !this.socket.writable) return;
		this.socket.write(data);
		if (this.backedUp()) this.socket.pause();
	}

	/** Ends this connection with a FATAL error, as Postgres would. */
	fail(code: string, message: string): void {
		if (this.closed) return;
		if (this.socket.writable) this.socket.end(errorResponse('FATAL', code, message));
		// A client that never reads must not keep the socket (and its buffers) alive.
		setTimeout(() => this.socket.destroy(), 1000).unref();
		this.server.release(this);
	}

	armIdleTimer(): void {
		this.clearIdleTimer();
		const ms = this.server.idleInTransactionMs;
		if (ms > 0) this.idleTimer = setTimeout(() => this.server.idleTimeout(this), ms).unref();
	}

	clearIdleTimer(): void {
		clearTimeout(this.idleTimer);
		this.idleTimer = undefined;
	}

	private receive(chunk: Buffer): void {
		if (this.terminated) return;
		// Any input counts as activity (a large message may take a while to arrive).
		if (this.server.owns(this)) this.armIdleTimer();
		this.reader.push(chunk);
		try {
			while (!this.closed && !this.terminated) {
				if (this.phase === 'startup') {
					const packet = this.reader.nextStartupPacket();
					if (!packet) return;
					this.startup(packet);
					continue;
				}
				const message = this.reader.nextMessage(this.phase);
				if (!message) return;
				if (this.phase === 'password') this.authenticate(message);
				else this.handle(message);
			}
		} catch (error) {
			if (!(error instanceof ProtocolViolation)) throw error;
			this.fail('08P01', error.message);
		}
	}

	private startup(packet: Buffer): void {
		const { code, parameters } = parseStartupPacket(packet);
		if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
			this.socket.write('N');
			return;
		}
		if (code === CANCEL_REQUEST) {
			// PGlite cannot interrupt a running statement; Postgres also answers nothing here.
			this.server.release(this);
			this.socket.destroy();
			return;
		}
		if (code >>> 16 !== 3) {
			this.fail(
				'0A000',
				`unsupported frontend protocol ${code >>> 16}.${code & 0xffff}: server supports 3.0`
			);
			return;
		}
		const user = parameters.get('user');
		if (!user) {
			this.fail('28000', 'no PostgreSQL user name specified in startup packet');
			return;
		}
		const unsupported = [...parameters.keys()].filter((name) => name.startsWith('_pq_.'));
		if ((code & 0xffff) > 0 || unsupported.length) this.socket.write(negotiateProtocolVersion(unsupported));
		this.user = user;
		this.phase = 'password';
		this.socket.write(authenticationCleartextPassword());
	}

	private authenticate(message: Buffer): void {
		const password = passwordOf(message);
		if (password === undefined || !this.server.checkPassword(password)) {
			this.fail('28P01', `password authentication failed for user "${this.user}"`);
			return;
		}
		clearTimeout(this.authTimer);
		this.phase = 'ready';
		this.socket.write(this.server.startupReply());
	}

	private handle(message: Buffer): void {
		const type = String.fromCharCode(message[0]);
		if (type === 'X') {
			// Nothing after Terminate is read; what came before it still runs, then the socket ends.
			this.terminated = true;
			this.chain = this.chain.then(() => {
				this.socket.end();
			});
			return;
		}
		if (this.copy) {
			this.collectCopy(message, type);
			return;
		}
		if (type === 'Q') {
			const copy = mentionsCopyFromStdin(message, 5) ? copyFromStdin(cstringAt(message, 5)) : undefined;
			if (copy?.kind === 'single') {
				this.startCopy(message, copy.binary, copy.columns);
				return;
			}
			if (copy?.kind === 'mixed') message = simpleQuery(COPY_NOT_ALONE);
		}
		if (type === 'P') message = this.refuseCopyInParse(message);
		this.pending.push(STATEMENT_NAME_AT[type] ? this.renameStatement(message, type) : message);
		if (!EXTENDED_QUERY.has(type)) {
			const messages = this.pending;
			this.pending = [];
			this.schedule({ messages });
		}
	}

	/** Units of one connection run in order; the server interleaves connections. */
	private schedule(unit: Unit): void {
		this.chain = this.chain
			.then(() => this.server.run(this, unit))
			.catch(() => {
				this.socket.destroy();
			});
	}

	/**
	 * PGlite reads a COPY's data while the statement runs and cannot wait for more, so the client
	 * is told to start sending (after every earlier reply) and the data is collected here.
	 */
	private startCopy(query: Buffer, binary: boolean, columns: number): void {
		const messages = [...this.pending, query];
		this.pending = [];
		this.copy = { messages, bytes: messages.reduce((sum, m) => sum + m.length, 0) };
		this.chain = this.chain.then(() => {
			if (!this.closed) this.socket.write(copyInResponse(binary, columns));
		});
	}

	private collectCopy(message: Buffer, type: string): void {
		const copy = this.copy!;
		copy.messages.push(message);
		copy.bytes += message.length;
		if (copy.bytes > MAX_COPY_BYTES) {
			this.copy = undefined;
			this.fail('54000', `COPY FROM STDIN on the embedded database is limited to ${MAX_COPY_BYTES} bytes`);
			return;
		}
		// Postgres ignores Flush and Sync during COPY; anything else but data ends it (CopyDone,
		// CopyFail, or a message that makes the COPY fail, as in Postgres).
		if (type === 'd' || type === 'H' || type === 'S') return;
		this.copy = undefined;
		this.schedule({ messages: copy.messages, copy: true });
	}

	/** A Parse of COPY FROM STDIN becomes one of a statement that raises a clear error. */
	private refuseCopyInParse(message: Buffer): Buffer {
		const nameEnd = message.indexOf(0, 5);
		if (nameEnd === -1 || !mentionsCopyFromStdin(message, nameEnd + 1)) return message;
		if (!copyFromStdin(cstringAt(message, nameEnd + 1))) return message;
		const queryEnd = message.indexOf(0, nameEnd + 1);
		return frame('P', [
			message.subarray(5, nameEnd + 1),
			Buffer.from(`${COPY_EXTENDED}\0`),
			message.subarray(queryEnd + 1)
		]);
	}

	/**
	 * Rewrites the statement name in Parse, Bind, Describe or Close into this connection's
	 * namespace. Each unnamed Parse gets a fresh name (re-parsing a named statement is an error
	 * in Postgres, while the unnamed one is silently replaced); the one it replaces is collected.
	 * A malformed message is passed on as it is, for PGlite to reject.
	 */
	private renameStatement(message: Buffer, type: string): Buffer {
		let offset = 5;
		if (type === 'B') offset = message.indexOf(0, offset) + 1; // skip the portal name
		if (type === 'D' || type === 'C') {
			if (message[offset] !== 0x53 /* 'S' */) return message; // portals stay as they are
			offset += 1;
		}
		const end = message.indexOf(0, offset);
		if (offset === 0 || end === -1) return message;
		const clientName = message.toString('utf8', offset, end);
		let name: string;
		if (clientName !== '') name = `c${this.id}_${clientName}`;
		else if (type === 'P') {
			if (this.unnamed) this.garbage.push(this.unnamed);
			name = this.unnamed = `c${this.id}_u${this.unnamedCount++}`;
		} else name = this.unnamed ?? '';
		if (type === 'C') this.statementNames.delete(name);
		else if (name) this.statementNames.add(name);
		return frame(type, [message.subarray(5, offset), Buffer.from(name + '\0'), message.subarray(end + 1)]);
	}

	/** Statements replaced since the last unit, for the server to deallocate out of band. */
	takeGarbage(): string[] {
		const names = this.garbage;
		this.garbage = [];
		for (const name of names) this.statementNames.delete(name);
		return names;
	}
}

function digest(text: string): Buffer {
	return createHash('sha256').update(text).digest();
}

function deallocateAll(names: string[]): string {
	return names.map((name) => `deallocate "${name}";`).join('');
}

/** A cheap test before the real one: most queries mention neither word. */
function mentionsCopyFromStdin(message: Buffer, offset: number): boolean {
	const text = message.toString('latin1', offset);
	return /copy/i.test(text) && /stdin/i.test(text);
}

function cstringAt(message: Buffer, offset: number): string {
	const end = message.indexOf(0, offset);
	return message.toString('utf8', offset, end === -1 ? message.length : end);
}

/** Where each message type carries a statement name (after the portal name for Bind). */
const STATEMENT_NAME_AT: Record<string, true> = { P: true, B: true, D: true, C: true };
