/**
 * The Postgres wire-protocol pieces the PGlite front needs: framing a client's byte stream into
 * messages (validating every length before trusting it), the limits Postgres itself applies,
 * building the few messages the front answers on its own, and recognising `COPY ... FROM STDIN`.
 */

export const PROTOCOL_3_0 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** Postgres's own limit for startup packets (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET = 10_000;
/** Postgres's limit for messages that never carry data: Sync, Execute, Describe... */
const SMALL = 10_000;
/**
 * Postgres's limit for messages that carry queries or data (PQ_LARGE_MESSAGE_LIMIT: 1 GiB − 1,
 * the most a single value may hold). Anything larger cannot be valid, so it ends the connection
 * before we try to buffer it.
 */
const LARGE = 0x3fffffff;

/**
 * Frontend messages a ready connection may send, with the most body bytes each may carry (as in
 * Postgres's SocketBackend). Anything else ends the connection here: PGlite terminates the whole
 * embedded database on an unknown message type, and loops allocating on an oversized Sync.
 */
const READY_LIMITS: Record<string, number> = {
	Q: LARGE, // Query
	P: LARGE, // Parse
	B: LARGE, // Bind
	F: LARGE, // FunctionCall
	d: LARGE, // CopyData
	D: SMALL, // Describe
	E: SMALL, // Execute
	C: SMALL, // Close
	H: SMALL, // Flush
	S: SMALL, // Sync
	c: SMALL, // CopyDone
	f: SMALL, // CopyFail
	X: SMALL // Terminate
};
/** While authenticating, only a PasswordMessage (Postgres allows auth tokens up to 65,535 bytes). */
const PASSWORD_LIMITS: Record<string, number> = { p: 65_535 };

export type Phase = 'ready' | 'password';

/** A client broke the protocol: the front answers with a FATAL error and closes that connection. */
export class ProtocolViolation extends Error {}

/**
 * Splits a client's byte stream into messages. Chunks are kept as they arrive and only the bytes
 * of one complete message are joined, so a large message costs linear time, however it is split.
 */
export class MessageReader {
	private chunks: Buffer[] = [];
	private buffered = 0;

	push(chunk: Buffer): void {
		if (chunk.length === 0) return;
		this.chunks.push(chunk);
		this.buffered += chunk.length;
	}

	/** The next startup-phase packet (Int32 length, then the rest), or undefined until complete. */
	nextStartupPacket(): Buffer | undefined {
		if (this.buffered < 4) return undefined;
		const length = this.peek(4).readInt32BE(0);
		if (length < 8 || length > MAX_STARTUP_PACKET) {
			throw new ProtocolViolation(`invalid length of startup packet: ${length}`);
		}
		return this.buffered < length ? undefined : this.take(length);
	}

	/** The next typed message (Byte1 type, Int32 length, body), or undefined until complete. */
	nextMessage(phase: Phase): Buffer | undefined {
		if (this.buffered < 5) return undefined;
		const header = this.peek(5);
		const type = String.fromCharCode(header[0]);
		const limit = (phase === 'ready' ? READY_LIMITS : PASSWORD_LIMITS)[type];
		if (limit === undefined) {
			throw new ProtocolViolation(`invalid frontend message type ${header[0]}`);
		}
		const length = header.readInt32BE(1);
		if (length < 4 || length - 4 > limit) {
			throw new ProtocolViolation(`invalid message length ${length} for message type "${type}"`);
		}
		return this.buffered < 1 + length ? undefined : this.take(1 + length);
	}

	/** The first `count` bytes (count ≤ what is buffered), without consuming them. */
	private peek(count: number): Buffer {
		if (this.chunks[0].length >= count) return this.chunks[0];
		const parts: Buffer[] = [];
		for (let i = 0, have = 0; have < count; i++) {
			parts.push(this.chunks[i]);
			have += this.chunks[i].length;
		}
		return Buffer.concat(parts);
	}

	/** Removes and returns the first `count` bytes. */
	private take(count: number): Buffer {
		this.buffered -= count;
		const first = this.chunks[0];
		if (first.length > count) {
			this.chunks[0] = first.subarray(count);
			return first.subarray(0, count);
		}
		if (first.length === count) return this.chunks.shift()!;
		const message = Buffer.allocUnsafe(count);
		let filled = 0;
		while (filled < count) {
			const chunk = this.chunks[0];
			const used = Math.min(chunk.length, count - filled);
			chunk.copy(message, filled, 0, used);
			filled += used;
			if (used === chunk.length) this.chunks.shift();
			else this.chunks[0] = chunk.subarray(used);
		}
		return message;
	}
}

export interface StartupPacket {
	code: number;
	parameters: Map<string, string>;
}

/** Reads a startup-phase packet: its request code and, for a StartupMessage, its parameters. */
export function parseStartupPacket(packet: Buffer): StartupPacket {
	const code = packet.readInt32BE(4);
	const parameters = new Map<string, string>();
	if (code >>> 16 !== 3) return { code, parameters };
	let offset = 8;
	for (;;) {
		const keyEnd = packet.indexOf(0, offset);
		if (keyEnd === -1) throw new ProtocolViolation('invalid startup packet layout');
		if (keyEnd === offset) break; // the terminating empty name
		const valueEnd = packet.indexOf(0, keyEnd + 1);
		if (valueEnd === -1) throw new ProtocolViolation('invalid startup packet layout');
		parameters.set(packet.toString('utf8', offset, keyEnd), packet.toString('utf8', keyEnd + 1, valueEnd));
		offset = valueEnd + 1;
	}
	return { code, parameters };
}

/** The null-terminated string a PasswordMessage carries. */
export function passwordOf(message: Buffer): string | undefined {
	const end = message.indexOf(0, 5);
	return end === message.length - 1 ? message.toString('utf8', 5, end) : undefined;
}

export function frame(type: string, parts: Buffer[]): Buffer {
	const body = Buffer.concat(parts);
	const header = Buffer.alloc(5);
	header.write(type, 0);
	header.writeInt32BE(body.length + 4, 1);
	return Buffer.concat([header, body]);
}

/** A canonical StartupMessage: PGlite's one session ignores what clients would ask for anyway. */
export function startupMessage(parameters: Record<string, string>): Buffer {
	const pairs = Object.entries(parameters).map(([key, value]) => Buffer.from(`${key}\0${value}\0`));
	const body = Buffer.concat([...pairs, Buffer.from([0])]);
	const header = Buffer.alloc(8);
	header.writeInt32BE(body.length + 8, 0);
	header.writeInt32BE(PROTOCOL_3_0, 4);
	return Buffer.concat([header, body]);
}

export const authenticationCleartextPassword = (): Buffer => frame('R', [int32(3)]);

/** NegotiateProtocolVersion: we speak 3.0, and none of the `_pq_.` options a client asked for. */
export function negotiateProtocolVersion(unsupportedOptions: string[]): Buffer {
	return frame('v', [int32(0), int32(unsupportedOptions.length), ...unsupportedOptions.map(cstring)]);
}

export function errorResponse(severity: 'ERROR' | 'FATAL', code: string, message: string): Buffer {
	const fields = [`S${severity}`, `V${severity}`, `C${code}`, `M${message}`].map(cstring);
	return frame('E', [...fields, Buffer.from([0])]);
}

/** CopyInResponse for `columns` columns, all in the statement's text or binary format. */
export function copyInResponse(binary: boolean, columns: number): Buffer {
	const format = binary ? 1 : 0;
	const header = Buffer.from([format, columns >> 8, columns & 0xff]);
	const codes = Buffer.alloc(2 * columns);
	for (let i = 0; i < columns; i++) codes.writeInt16BE(format, 2 * i);
	return frame('G', [header, codes]);
}

export const simpleQuery = (sql: string): Buffer => frame('Q', [cstring(sql)]);
export const syncMessage = (): Buffer => frame('S', []);

function int32(value: number): Buffer {
	const buffer = Buffer.alloc(4);
	buffer.writeInt32BE(value, 0);
	return buffer;
}

function cstring(text: string): Buffer {
	return Buffer.from(`${text}\0`);
}

/**
 * What a query string asks of COPY FROM STDIN: `single` when it is exactly one such statement
 * (binary or text, and how many columns it names), `mixed` when such a statement comes with
 * others, undefined when it has none. Literals, quoted names and comments are blanked out first,
 * so `select 'copy t from stdin'` is not mistaken for one.
 */
export type CopyFromStdin = { kind: 'single'; binary: boolean; columns: number } | { kind: 'mixed' };

export function copyFromStdin(sql: string): CopyFromStdin | undefined {
	const statements = blankLiteralsAndComments(sql)
		.split(';')
		.map((statement) => statement.trim())
		.filter(Boolean);
	// COPY FROM names a table, never a query: `copy (select ... from stdin) to stdout` is no copy-in.
	const copies = statements.filter((statement) => /^copy\s+[^(\s][\s\S]*?\bfrom\s+stdin\b/i.test(statement));
	if (copies.length === 0) return undefined;
	if (statements.length > 1) return { kind: 'mixed' };
	const [statement] = copies;
	const columnList = /^copy\s+[^(]*?\(([^)]*)\)\s*from\b/i.exec(statement);
	return {
		kind: 'single',
		binary: /\bbinary\b/i.test(statement),
		columns: columnList ? columnList[1].split(',').length : 0
	};
}

/** Replaces string literals, quoted identifiers and comments with spaces. */
function blankLiteralsAndComments(sql: string): string {
	let out = '';
	let i = 0;
	while (i < sql.length) {
		const end = skippedUntil(sql, i);
		if (end === undefined) {
			out += sql[i++];
		} else {
			out += ' ';
			i = end;
		}
	}
	return out;
}

/** Where the literal, quoted identifier or comment starting at `i` ends; undefined if none does. */
function skippedUntil(sql: string, i: number): number | undefined {
	const pair = sql.slice(i, i + 2);
	const before = sql[i - 1] ?? '';
	if (pair === '--') {
		const end = sql.indexOf('\n', i);
		return end === -1 ? sql.length : end;
	}
	if (pair === '/*') return blockCommentEnd(sql, i);
	if (sql[i] === '"') return quotedEnd(sql, i, '"', false);
	if (sql[i] === "'") {
		// E'...' strings take backslash escapes; the E must start a word of its own.
		const escapes = /[eE]/.test(before) && !/[\w$]/.test(sql[i - 2] ?? '');
		return quotedEnd(sql, i, "'", escapes);
	}
	if (sql[i] === '$' && !/[\w$]/.test(before)) {
		const tag = /^\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$/.exec(sql.slice(i, i + 70))?.[0];
		if (!tag) return undefined;
		const close = sql.indexOf(tag, i + tag.length);
		return close === -1 ? sql.length : close + tag.length;
	}
	return undefined;
}

function blockCommentEnd(sql: string, start: number): number {
	let depth = 0;
	for (let i = start; i < sql.length - 1; i++) {
		if (sql[i] === '/' && sql[i + 1] === '*') {
			depth++;
			i++;
		} else if (sql[i] === '*' && sql[i + 1] === '/') {
			depth--;
			i++;
			if (depth === 0) return i + 1;
		}
	}
	return sql.length;
}

function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
	for (let i = start + 1; i < sql.length; i++) {
		if (backslashEscapes && sql[i] === '\\') i++;
		else if (sql[i] === quote) {
			if (sql[i + 1] === quote) i++;
			else return i + 1;
		}
	}
	return sql.length;
}

/**
 * Removes the first message of one type from a stream of backend output chunks, walking message
 * headers only (linear in the number of messages, never re-joining the stream).
 */
export class DropFirstMessage {
	private readonly header = Buffer.alloc(5);
	private headerBytes = 0;
	private remaining = 0;
	private dropping = false;
	private done = false;

	constructor(private readonly type: string) {}

	filter(chunk: Buffer): Buffer[] {
		const kept: Buffer[] = [];
		let i = 0;
		while (i < chunk.length) {
			if (this.done) {
				kept.push(i === 0 ? chunk : chunk.subarray(i));
				break;
			}
			if (this.remaining > 0) {
				const used = Math.min(this.remaining, chunk.length - i);
				if (!this.dropping) kept.push(chunk.subarray(i, i + used));
				i += used;
				this.remaining -= used;
				if (this.remaining === 0 && this.dropping) this.done = true;
				continue;
			}
			const used = Math.min(5 - this.headerBytes, chunk.length - i);
			chunk.copy(this.header, this.headerBytes, i, i + used);
			this.headerBytes += used;
			i += used;
			if (this.headerBytes < 5) break;
			this.headerBytes = 0;
			this.remaining = this.header.readInt32BE(1) - 4;
			this.dropping = this.header[0] === this.type.charCodeAt(0);
			if (!this.dropping) kept.push(Buffer.from(this.header));
			else if (this.remaining === 0) this.done = true;
		}
		return kept;
	}
}
