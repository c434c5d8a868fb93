/**
 * Just enough of the protocol buffers wire format to read TensorBoard's Event messages: varints,
 * fixed 32/64-bit numbers and length-delimited fields, with unknown fields skipped. Malformed
 * input throws a ProtobufError (the caller counts the record as unreadable). Ten million events
 * go through here in an import, so a reader is a plain cursor over a Buffer: a field key is a
 * number (`key >>> 3` the field, `key & 7` the wire type), nothing is allocated per field.
 */

export class ProtobufError extends Error {
	override name = 'ProtobufError';
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 2 ** 32;

export class ProtoReader {
	constructor(
		public bytes: Buffer,
		public pos = 0,
		public end = bytes.length
	) {}

	/** Starts over on other bytes (one reader serves every record of a file). */
	reset(bytes: Buffer, start: number, end: number): void {
		this.bytes = bytes;
		this.pos = start;
		this.end = end;
	}

	/**
	 * Steps into the length-delimited field at the position: the reader's end becomes the field's
	 * end. Returns the outer end, for leave().
	 */
	enter(): number {
		const length = this.length();
		const outer = this.end;
		this.end = this.pos + length;
		return outer;
	}

	/** Steps out of a field entered with enter(), to just after it. */
	leave(outer: number): void {
		this.pos = this.end;
		this.end = outer;
	}

	get done(): boolean {
		return this.pos >= this.end;
	}

	/** The next field's key: `key >>> 3` is its number, `key & 7` its wire type. */
	key(): number {
		if (this.pos < this.end && this.bytes[this.pos] < 0x80) return this.bytes[this.pos++];
		return this.varint();
	}

	/**
	 * A varint as a JavaScript number: exact up to 2^53; a negative int64 (ten bytes, top bit set)
	 * comes back as a number at or above 2^63, which callers treat as out of range.
	 */
	varint(): number {
		let low = 0;
		let high = 0;
		for (let i = 0; i < 10; i++) {
			if (this.pos >= this.end) throw new ProtobufError('truncated varint');
			const byte = this.bytes[this.pos++];
			if (i < 4) low |= (byte & 0x7f) << (7 * i);
			else if (i === 4) {
				low |= (byte & 0x0f) << 28;
				high = (byte & 0x7f) >> 4;
			} else high |= (byte & 0x7f) << (7 * i - 32);
			if (byte < 0x80) return (high >>> 0) * TWO_32 + (low >>> 0);
		}
		throw new ProtobufError('varint longer than 10 bytes');
	}

	fixed32Float(): number {
		this.need(4);
		const value = this.bytes.readFloatLE(this.pos);
		this.pos += 4;
		return value;
	}

	fixed64Double(): number {
		this.need(8);
		const value = this.bytes.readDoubleLE(this.pos);
		this.pos += 8;
		return value;
	}

	/** A length-delimited field: its length, with `pos` left at its first byte. */
	length(): number {
		const length = this.varint();
		this.need(length);
		return length;
	}

	/** A reader over the next length-delimited field (a nested message). */
	message(): ProtoReader {
		const length = this.length();
		const start = this.pos;
		this.pos += length;
		return new ProtoReader(this.bytes, start, start + length);
	}

	string(): string {
		const length = this.length();
		const start = this.pos;
		this.pos += length;
		return this.bytes.toString('utf8', start, start + length);
	}

	skip(wire: number): void {
		if (wire === WIRE_VARINT) this.varint();
		else if (wire === WIRE_FIXED64) this.advance(8);
		else if (wire === WIRE_BYTES) this.advance(this.length());
		else if (wire === WIRE_FIXED32) this.advance(4);
		else throw new ProtobufError(`unsupported wire type ${wire}`);
	}

	private advance(count: number): void {
		this.need(count);
		this.pos += count;
	}

	private need(count: number): void {
		if (count > this.end - this.pos) throw new ProtobufError('field runs past the end of the message');
	}
}
