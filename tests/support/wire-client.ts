/**
 * A bare Postgres wire-protocol client for tests that need what no driver does: stop reading,
 * send broken or truncated messages, skip authentication. It connects the way the embedded
 * database's URLs say (`?host=<socket dir>` or TCP host and port) and frames backend messages.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';

/** Every message type a server sends (protocol 3.0). */
const BACKEND_TYPES = [...'RSKZTDCEN123nstGHWdcAIVv'];

export interface BackendMessage {
	type: string;
	body: Buffer;
}

export class WireClient {
	private pending: Buffer = Buffer.alloc(0);
	private messages: BackendMessage[] = [];
	private head = 0;
	private waiter: (() => void) | undefined;
	private ended = false;
	/** Set when the server sent bytes that cannot be a message; next() then throws. */
	private corrupt: string | undefined;
	readonly closed: Promise<void>;

	private constructor(readonly socket: Socket) {
		socket.on('data', (chunk: Buffer) => {
			// Only the unparsed tail is kept, so a stream of small messages costs linear time.
			this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
			let offset = 0;
			while (this.pending.length - offset >= 5) {
				const length = this.pending.readInt32BE(offset + 1);
				const type = String.fromCharCode(this.pending[offset]);
				if (!BACKEND_TYPES.includes(type) || length < 4) {
					// Bytes that are no message: report it rather than wait for a length that never comes.
					this.corrupt = `not a backend message at byte ${offset}: type ${this.pending[offset]}, length ${length}`;
					socket.destroy();
					break;
				}
				if (this.pending.length - offset < 1 + length) break;
				this.messages.push({ type, body: this.pending.subarray(offset + 5, offset + 1 + length) });
				offset += 1 + length;
			}
			this.pending = this.pending.subarray(offset);
			this.wake();
		});
		socket.on('error', () => {});
		this.closed = new Promise((resolve) =>
			socket.on('close', () => {
				this.ended = true;
				this.wake();
				resolve();
			})
		);
	}

	/** Connects to a database URL: `?host=/dir` → `/dir/.s.PGSQL.<port>`, else TCP. */
	static connect(url: string): Promise<WireClient> {
		const parsed = new URL(url);
		const dir = parsed.searchParams.get('host');
		const port = Number(parsed.port || 5432);
		const socket = dir
			? connect(join(dir, `.s.PGSQL.${port}`))
			: connect(port, parsed.hostname === 'localhost' ? '127.0.0.1' : parsed.hostname);
		return new Promise((resolve, reject) => {
			socket.once('error', reject);
			socket.once('connect', () => {
				socket.off('error', reject);
				resolve(new WireClient(socket));
			});
		});
	}

	/** Connects and authenticates with the URL's user and password, up to the first ReadyForQuery. */
	static async ready(url: string): Promise<WireClient> {
		const client = await WireClient.connect(url);
		const { username, password } = new URL(url);
		client.send(startup({ user: decodeURIComponent(username), database: 'postgres' }));
		const request = await client.next();
		if (request?.type !== 'R')
			throw new Error(`expected an authentication request, got ${describe(request)}`);
		// 3: AuthenticationCleartextPassword; 0 would be AuthenticationOk (no password asked).
		if (request.body.readInt32BE(0) === 3) client.send(passwordMessage(decodeURIComponent(password)));
		const greeting = await client.until('Z');
		const error = greeting.find((message) => message.type === 'E');
		if (error) throw new Error(`authentication failed: ${errorFields(error).M}`);
		return client;
	}

	send(...messages: Buffer[]): void {
		this.socket.write(Buffer.concat(messages));
	}

	/** The next backend message, or undefined once the server closed the connection. */
	async next(): Promise<BackendMessage | undefined> {
		for (;;) {
			if (this.head < this.messages.length) {
				const message = this.messages[this.head++];
				if (this.head === this.messages.length) {
					this.messages = [];
					this.head = 0;
				}
				return message;
			}
			if (this.corrupt) throw new Error(this.corrupt);
			if (this.ended) return undefined;
			await new Promise<void>((resolve) => (this.waiter = resolve));
		}
	}

	/** Messages up to and including the first of `type`; throws if the connection ends first. */
	async until(type: string): Promise<BackendMessage[]> {
		const seen: BackendMessage[] = [];
		for (;;) {
			const message = await this.next();
			if (!message)
				throw new Error(`connection closed before "${type}"; saw ${seen.map(describe).join(' ')}`);
			seen.push(message);
			if (message.type === type) return seen;
		}
	}

	/** Runs one simple query: its rows as text, and any error. */
	async query(sql: string): Promise<{ rows: (string | null)[][]; error?: Record<string, string> }> {
		this.send(queryMessage(sql));
		const messages = await this.until('Z');
		const error = messages.find((message) => message.type === 'E');
		return {
			rows: messages.filter((m) => m.type === 'D').map((m) => dataRow(m.body)),
			error: error && errorFields(error)
		};
	}

	close(): void {
		this.socket.destroy();
	}

	private wake(): void {
		const waiter = this.waiter;
		this.waiter = undefined;
		waiter?.();
	}
}

export function describe(message: BackendMessage | undefined): string {
	if (!message) return '(closed)';
	return message.type === 'E' ? `E(${errorFields(message).C}: ${errorFields(message).M})` : message.type;
}

/** An ErrorResponse's fields by their one-letter codes (S severity, C SQLSTATE, M message). */
export function errorFields(message: BackendMessage): Record<string, string> {
	const fields: Record<string, string> = {};
	let offset = 0;
	while (offset < message.body.length && message.body[offset] !== 0) {
		const end = message.body.indexOf(0, offset + 1);
		fields[String.fromCharCode(message.body[offset])] = message.body.toString('utf8', offset + 1, end);
		offset = end + 1;
	}
	return fields;
}

export function dataRow(body: Buffer): (string | null)[] {
	const values: (string | null)[] = [];
	let offset = 2;
	for (let i = 0; i < body.readInt16BE(0); i++) {
		const length = body.readInt32BE(offset);
		offset += 4;
		if (length === -1) values.push(null);
		else {
			values.push(body.toString('utf8', offset, offset + length));
			offset += length;
		}
	}
	return values;
}

/** A typed frontend message with the length field it should have. */
export function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
	return messageWithLength(type, body.length + 4, body);
}

/** A typed frontend message with any length field at all (for broken ones). */
export function messageWithLength(type: string, length: number, body: Buffer = Buffer.alloc(0)): Buffer {
	const header = Buffer.alloc(5);
	header.write(type, 0, 'latin1');
	header.writeInt32BE(length | 0, 1);
	return Buffer.concat([header, body]);
}

export function startup(parameters: Record<string, string>, version = 196608): Buffer {
	const pairs = Object.entries(parameters).map(([key, value]) => Buffer.from(`${key}\0${value}\0`));
	const body = Buffer.concat([...pairs, Buffer.from([0])]);
	const header = Buffer.alloc(8);
	header.writeInt32BE(body.length + 8, 0);
	header.writeInt32BE(version, 4);
	return Buffer.concat([header, body]);
}

export const cstring = (text: string): Buffer => Buffer.from(`${text}\0`);
export const passwordMessage = (password: string): Buffer => message('p', cstring(password));
export const queryMessage = (sql: string): Buffer => message('Q', cstring(sql));
export const syncMessage = (): Buffer => message('S');
