/**
 * Writing TensorBoard event files as TensorBoard's writers do (for the importer's tests and bench
 * P17): Event messages encoded field by field (tensorflow/core/util/event.proto and friends),
 * each framed as a TFRecord (length, masked CRC-32C of the length, data, masked CRC-32C of the
 * data), the first record the `brain.Event:2` file version.
 */
import { writeFileSync } from 'node:fs';
import { frameRecord } from '../src/import/tfrecord.js';

/** A protocol buffers message being written. */
export class Proto {
	private readonly bytes: number[] = [];

	private varint(value: number | bigint): void {
		let v = BigInt.asUintN(64, BigInt(value));
		while (v >= 0x80n) {
			this.bytes.push(Number(v & 0x7fn) | 0x80);
			v >>= 7n;
		}
		this.bytes.push(Number(v));
	}

	private key(field: number, wire: number): void {
		this.varint(field * 8 + wire);
	}

	uint(field: number, value: number | bigint): this {
		this.key(field, 0);
		this.varint(value);
		return this;
	}

	double(field: number, value: number): this {
		this.key(field, 1);
		const buffer = Buffer.alloc(8);
		buffer.writeDoubleLE(value);
		this.bytes.push(...buffer);
		return this;
	}

	float(field: number, value: number): this {
		this.key(field, 5);
		const buffer = Buffer.alloc(4);
		buffer.writeFloatLE(value);
		this.bytes.push(...buffer);
		return this;
	}

	bytesField(field: number, value: Uint8Array): this {
		this.key(field, 2);
		this.varint(value.length);
		this.bytes.push(...value);
		return this;
	}

	string(field: number, value: string): this {
		return this.bytesField(field, Buffer.from(value, 'utf8'));
	}

	message(field: number, value: Proto): this {
		return this.bytesField(field, value.done());
	}

	done(): Uint8Array {
		return Uint8Array.from(this.bytes);
	}
}

const DT_FLOAT = 1;
const DT_DOUBLE = 2;

/** How a scalar is written: TF1/tensorboardX `simple_value`, or TF2 rank-0 tensors. */
export type ScalarForm = 'simple' | 'tensor-float' | 'tensor-double' | 'tensor-content';

function scalarsMetadata(): Proto {
	return new Proto().message(1, new Proto().string(1, 'scalars')).uint(4, 1);
}

/** A Summary.Value holding one scalar, in the given form (`metadata`: TF2 writes it with a tag's first value only). */
export function scalarValue(tag: string, value: number, form: ScalarForm, metadata = false): Proto {
	const out = new Proto().string(1, tag);
	if (form === 'simple') return out.float(2, value);
	const tensor = new Proto();
	if (form === 'tensor-float') {
		tensor.uint(1, DT_FLOAT).message(2, new Proto());
		const packed = Buffer.alloc(4);
		packed.writeFloatLE(value);
		tensor.bytesField(5, packed);
	} else if (form === 'tensor-double') {
		tensor.uint(1, DT_DOUBLE).message(2, new Proto());
		const packed = Buffer.alloc(8);
		packed.writeDoubleLE(value);
		tensor.bytesField(6, packed);
	} else {
		const content = Buffer.alloc(8);
		content.writeDoubleLE(value);
		tensor.uint(1, DT_DOUBLE).message(2, new Proto()).bytesField(4, content);
	}
	out.message(8, tensor);
	if (metadata) out.message(9, scalarsMetadata());
	return out;
}

export function imageValue(tag: string): Proto {
	const image = new Proto().uint(1, 2).uint(2, 2).uint(3, 3).bytesField(4, Buffer.from('not really a png'));
	return new Proto().string(1, tag).message(4, image);
}

export function histogramValue(tag: string): Proto {
	const histo = new Proto().double(1, 0).double(2, 1).double(3, 10).double(4, 5).double(5, 3);
	return new Proto().string(1, tag).message(5, histo);
}

/** A TF2 text summary: a string tensor owned by the `text` plugin. */
export function textValue(tag: string): Proto {
	const tensor = new Proto().uint(1, 7).message(2, new Proto()).bytesField(8, Buffer.from('hello'));
	const metadata = new Proto().message(1, new Proto().string(1, 'text'));
	return new Proto().string(1, tag).message(8, tensor).message(9, metadata);
}

export function event(wallTime: number, step: number | bigint, values: Proto[]): Uint8Array {
	const summary = new Proto();
	for (const value of values) summary.message(1, value);
	return new Proto().double(1, wallTime).uint(2, step).message(5, summary).done();
}

export function fileVersion(wallTime: number): Uint8Array {
	return new Proto().double(1, wallTime).string(3, 'brain.Event:2').done();
}

/** An event holding a serialized graph (ignored by importers). */
export function graphEvent(wallTime: number): Uint8Array {
	return new Proto().double(1, wallTime).bytesField(4, Buffer.from('graph bytes')).done();
}

/** The records, framed, as one file's bytes. */
export function eventFileBytes(records: Uint8Array[]): Buffer {
	return Buffer.concat(records.map((record) => frameRecord(record)));
}

export function writeEventFile(path: string, records: Uint8Array[]): void {
	writeFileSync(path, eventFileBytes(records));
}
