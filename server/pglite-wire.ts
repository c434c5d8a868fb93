/**
 * A Postgres wire-protocol front for PGlite that is safe with several client connections.
 *
 * PGlite is a single session. pglite-socket's server queues individual protocol messages, so two
 * connections' Parse/Bind/Execute messages interleave and clobber each other's unnamed statement.
 * Here a connection's messages run as one unit up to each Sync (or simple Query), and while a
 * connection has a transaction or a COPY open it owns the session: other connections wait until
 * it commits, rolls back or disconnects. That is serialisable by construction — correct, not
 * parallel. Prepared statement names are also per connection in Postgres but shared in PGlite's
 * one session (and drivers describe a statement in one Sync unit and bind it in the next), so
 * each connection's statement names are rewritten into a namespace of its own.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Extended-query messages wait for the Sync that ends their unit; any other message is a unit. */
const EXTENDED_QUERY = new Set(['P', 'B', 'D', 'E', 'C']);
/** A connection that waits this long for another one's transaction gives up with an error. */
const OWNER_WAIT_MS = 60_000;

let nextConnectionId = 1;

type Job = { conn: Connection; work: () => Promise<void>; queuedAt: number; done: (error?: Error) => void };

export class PgliteWireServer {
	private server: Server | undefined;
	private owner: Connection | undefined;
	private queue: Job[] = [];
	private pumping = false;
	private connections = new Set<Connection>();

	constructor(private readonly db: PGlite) {}

	async listen(port: number, host = '127.0.0.1'): Promise<number> {
		await this.db.waitReady;
		const server = createServer((socket) => {
			const conn = new Connection(socket, this);
			this.connections.add(conn);
			socket.on('close', () => void this.release(conn));
		});
		this.server = server;
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, host, () => resolve());
		});
		const address = server.address();
		return typeof address === 'object' && address ? address.port : port;
	}

	async close(): Promise<void> {
		for (const conn of this.connections) conn.socket.destroy();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}

	/** Runs one unit of a connection's messages, in turn with every other connection's units. */
	run(conn: Connection, messages: Buffer[]): Promise<void> {
		return this.enqueue(conn, async () => {
			const garbage = conn.takeGarbage();
			if (garbage.length) {
				// Fails only inside an aborted transaction; those names are then freed on disconnect.
				await this.db
					.exec(deallocateAll(garbage))
					.catch(() => garbage.forEach((n) => conn.statementNames.add(n)));
			}
			for (const message of messages) {
				await this.db.execProtocolRawStream(new Uint8Array(message), {
					onRawData: (data) => conn.reply(data)
				});
				if (message[0] === 0x48 /* Flush */) conn.awaitingSync = true;
				else if (message[0] === 0x53 /* Sync */ || message[0] === 0x51 /* Query */) conn.awaitingSync = false;
			}
		});
	}

	private enqueue(conn: Connection, work: () => Promise<void>): Promise<void> {
		return new Promise((resolve, reject) => {
			this.queue.push({ conn, work, queuedAt: Date.now(), done: (e) => (e ? reject(e) : resolve()) });
			void this.pump();
		});
	}

	private async pump(): Promise<void> {
		if (this.pumping) return;
		this.pumping = true;
		try {
			for (;;) {
				this.expireStarvedJobs();
				const index = this.owner ? this.queue.findIndex((job) => job.conn === this.owner) : 0;
				if (index === -1 || this.queue.length === 0) break;
				const [job] = this.queue.splice(index, 1);
				try {
					await this.execute(job);
					job.done();
				} catch (error) {
					job.done(error as Error);
				}
			}
		} finally {
			this.pumping = false;
		}
		if (this.owner && this.queue.some((job) => job.conn !== this.owner)) {
			setTimeout(() => void this.pump(), 1000).unref();
		}
	}

	private async execute(job: Job): Promise<void> {
		await job.work();
		const inTransaction = (this.db as unknown as { isInTransaction(): boolean }).isInTransaction();
		this.owner = inTransaction || job.conn.copyIn || job.conn.awaitingSync ? job.conn : undefined;
	}

	private expireStarvedJobs(): void {
		const now = Date.now();
		this.queue = this.queue.filter((job) => {
			if (job.conn === this.owner || now - job.queuedAt < OWNER_WAIT_MS) return true;
			job.conn.fail('another connection held a transaction open for too long');
			job.done(new Error('timed out waiting for the embedded database'));
			return false;
		});
	}

	/** A connection went away: drop its queued work and roll back anything it left open. */
	private async release(conn: Connection): Promise<void> {
		this.connections.delete(conn);
		this.queue = this.queue.filter((job) => job.conn !== conn);
		conn.copyIn = false;
		await this.enqueue(conn, async () => {
			if (this.owner === conn) await this.db.exec('rollback');
			const statements = deallocateAll([...conn.statementNames]);
			if (statements) await this.db.exec(statements);
		}).catch(() => {});
	}
}

/** One client socket: frames its messages into units that must run together. */
class Connection {
	private input = Buffer.alloc(0);
	private pending: Buffer[] = [];
	private started = false;
	private chain = Promise.resolve();
	private output = Buffer.alloc(0);
	private readonly id = nextConnectionId++;
	/** This connection's prepared statements, by their session-wide names (deallocated on close). */
	readonly statementNames = new Set<string>();
	private unnamed: string | undefined;
	private unnamedCount = 0;
	private garbage: string[] = [];
	/** Inside COPY ... FROM STDIN: the connection keeps the session until CopyDone/CopyFail. */
	copyIn = false;
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
		socket.on('error', () => socket.destroy());
	}

	reply(data: Uint8Array): void {
		this.trackCopyState(data);
		if (this.socket.writable) this.socket.write(data);
	}

	fail(message: string): void {
		const text = Buffer.from(`SERROR\0C57014\0M${message}\0\0`);
		const header = Buffer.alloc(5);
		header.write('E', 0);
		header.writeInt32BE(text.length + 4, 1);
		if (this.socket.writable) this.socket.write(Buffer.concat([header, text]));
	}

	private receive(chunk: Buffer): void {
		this.input = Buffer.concat([this.input, chunk]);
		for (;;) {
			const message = this.nextMessage();
			if (!message) return;
			if (message === 'handled') continue;
			const type = this.started ? String.fromCharCode(message[0]) : '';
			if (type === 'X') {
				this.socket.end();
				return;
			}
			this.pending.push(STATEMENT_NAME_AT[type] ? this.renameStatement(message, type) : message);
			if (!this.started || !EXTENDED_QUERY.has(type)) {
				this.started = true;
				const unit = this.pending;
				this.pending = [];
				// Units of one connection run in order; the server interleaves connections.
				this.chain = this.chain
					.then(() => this.server.run(this, unit))
					.catch(() => {
						this.socket.destroy();
					});
			}
		}
	}

	private nextMessage(): Buffer | 'handled' | undefined {
		if (!this.started) {
			if (this.input.length < 8) return undefined;
			const length = this.input.readInt32BE(0);
			if (this.input.length < length) return undefined;
			const code = this.input.readInt32BE(4);
			const message = this.input.subarray(0, length);
			this.input = this.input.subarray(length);
			if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
				this.socket.write('N');
				return 'handled';
			}
			if (code === CANCEL_REQUEST) {
				this.socket.end();
				return 'handled';
			}
			return Buffer.from(message);
		}
		if (this.input.length < 5) return undefined;
		const length = 1 + this.input.readInt32BE(1);
		if (this.input.length < length) return undefined;
		const message = Buffer.from(this.input.subarray(0, length));
		this.input = this.input.subarray(length);
		return message;
	}

	/**
	 * Rewrites the statement name in Parse, Bind, Describe or Close into this connection's
	 * namespace. Each unnamed Parse gets a fresh name (re-parsing a named statement is an error
	 * in Postgres, while the unnamed one is silently replaced); the one it replaces is collected.
	 */
	private renameStatement(message: Buffer, type: string): Buffer {
		let offset = 5;
		if (type === 'B') offset = message.indexOf(0, offset) + 1; // skip the portal name
		if (type === 'D' || type === 'C') {
			if (message[offset] !== 0x53 /* 'S' */) return message; // portals stay as they are
			offset += 1;
		}
		const end = message.indexOf(0, offset);
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

	/** Watches the server's replies for CopyInResponse ('G') and the ReadyForQuery that ends it. */
	private trackCopyState(data: Uint8Array): void {
		this.output = Buffer.concat([this.output, data]);
		while (this.output.length >= 5) {
			const length = 1 + this.output.readInt32BE(1);
			if (this.output.length < length) break;
			const type = String.fromCharCode(this.output[0]);
			if (type === 'G') this.copyIn = true;
			else if (type === 'Z' || type === 'C' || type === 'E') this.copyIn = false;
			this.output = this.output.subarray(length);
		}
	}
}

function deallocateAll(names: string[]): string {
	return names.map((name) => `deallocate "${name}";`).join('');
}

/** Where each message type carries a statement name (after the portal name for Bind). */
const STATEMENT_NAME_AT: Record<string, true> = { P: true, B: true, D: true, C: true };

function frame(type: string, parts: Buffer[]): Buffer {
	const body = Buffer.concat(parts);
	const header = Buffer.alloc(5);
	header.write(type, 0);
	header.writeInt32BE(body.length + 4, 1);
	return Buffer.concat([header, body]);
}
