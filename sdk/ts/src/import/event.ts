/**
 * TensorBoard's `Event` message (tensorflow/core/util/event.proto), decoded by hand for the parts
 * an importer keeps: `wall_time`, `step` and the summary's scalar values. A scalar is either a
 * `simple_value` (TF1 and tensorboardX) or a rank-0 float/double `tensor` (TF2's
 * `tf.summary.scalar`, PyTorch's SummaryWriter with new-style scalars). Everything else (images,
 * histograms, audio, graphs, text, non-scalar tensors) is named in `ignored` so it can be counted.
 *
 * An import decodes ten million events or more, so EventDecoder allocates nothing per event: one
 * reader walks the nested messages by narrowing its end (`enter`/`leave`), and the result and its
 * scalars are objects reused from one event to the next.
 */
import { ProtoReader, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from './protobuf.js';

export interface ScalarValue {
	tag: string;
	value: number;
	/** Whether the value was a float32 (simple_value or a DT_FLOAT tensor). */
	float32: boolean;
	/** Its position in the summary: with the record number, what tells two points apart. */
	index: number;
}

export interface DecodedEvent {
	/** Seconds since the epoch; null when the event had none. */
	wallTime: number | null;
	/** An int64: values at or above 2^63 are negative steps as written. */
	step: number;
	scalars: ScalarValue[];
	/** What was in the event but is not a scalar, one entry per value ("image", "histogram"...). */
	ignored: string[];
}

/**
 * What one event file's reader remembers about its tags. Summary metadata is written with a
 * tag's first value only, later values carry none, so the plugin that owns a tag is kept for the
 * rest of the file. And a tag's text is decoded once: the same few tags come back in every event
 * (bounded: past the limit, new tags are neither remembered nor interned).
 */
export class PluginsByTag {
	private readonly plugins = new Map<string, string>();
	/** Interned tag texts by a hash of their bytes. */
	private readonly texts = new Map<number, Array<{ bytes: Buffer; text: string }>>();
	private interned = 0;
	static readonly LIMIT = 100_000;

	/** The tag (a length-delimited string) at the reader's position, decoded once per file. */
	tagText(reader: ProtoReader): string {
		const length = reader.length();
		const start = reader.pos;
		const bytes = reader.bytes;
		reader.pos += length;
		let hash = 0x811c9dc5 ^ length;
		for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
		const candidates = this.texts.get(hash);
		if (candidates)
			for (const candidate of candidates) {
				if (candidate.bytes.length !== length) continue;
				let same = true;
				for (let i = 0; i < length && same; i++) same = candidate.bytes[i] === bytes[start + i];
				if (same) return candidate.text;
			}
		const text = bytes.toString('utf8', start, start + length);
		if (this.interned < PluginsByTag.LIMIT) {
			this.interned++;
			const entry = { bytes: Buffer.from(bytes.subarray(start, start + length)), text };
			if (candidates) candidates.push(entry);
			else this.texts.set(hash, [entry]);
		}
		return text;
	}

	note(tag: string, plugin: string): void {
		if (this.plugins.size < PluginsByTag.LIMIT || this.plugins.has(tag)) this.plugins.set(tag, plugin);
	}

	get(tag: string): string {
		return this.plugins.get(tag) ?? '';
	}
}

const DT_FLOAT = 1;
const DT_DOUBLE = 2;

/** Event fields that are not summaries, by field number, as they are reported. */
const OTHER_EVENT_FIELDS: Record<number, string> = {
	4: 'graph',
	6: 'log message',
	7: 'session log',
	8: 'run metadata',
	9: 'graph',
	10: 'source metadata'
};

/** Summary.Value fields other than scalars and tensors. */
const OTHER_VALUE_FIELDS: Record<number, string> = {
	3: 'histogram',
	4: 'image',
	5: 'histogram',
	6: 'audio'
};

/** What TensorBoard's own plugins call their data, as reported. */
const PLUGIN_KINDS: Record<string, string> = {
	images: 'image',
	histograms: 'histogram',
	distributions: 'histogram',
	audio: 'audio',
	text: 'text',
	pr_curves: 'pr curve',
	hparams: 'hparams',
	mesh: 'mesh',
	graph_keras_model: 'graph'
};

/**
 * Decodes one file's events (it keeps the file's PluginsByTag). `decode()` returns the same
 * object every time, valid until the next call: `scalars` holds `scalarCount` entries.
 */
export class EventDecoder {
	private readonly reader = new ProtoReader(Buffer.alloc(0));
	private readonly pool: ScalarValue[] = [];
	readonly event = {
		wallTime: null as number | null,
		step: 0,
		scalarCount: 0,
		scalars: this.pool,
		ignored: [] as string[]
	};
	// The value being read (Summary.Value), kept here rather than in an object per value.
	private tensorDtype = 0;
	private tensorRank = 0;
	private tensorValue: number | null = null;

	/** `plugins`: what the file's earlier events said about their tags. */
	constructor(readonly plugins = new PluginsByTag()) {}

	/** Throws a ProtobufError for bytes that are not an Event message. */
	decode(bytes: Buffer, start = 0, end = bytes.length): EventDecoder['event'] {
		const event = this.event;
		event.wallTime = null;
		event.step = 0;
		event.scalarCount = 0;
		event.ignored.length = 0;
		const reader = this.reader;
		reader.reset(bytes, start, end);
		while (!reader.done) {
			const key = reader.key();
			const field = key >>> 3;
			const wire = key & 7;
			if (field === 1 && wire === WIRE_FIXED64) event.wallTime = reader.fixed64Double();
			else if (field === 2 && wire === WIRE_VARINT) event.step = reader.varint();
			else if (field === 5 && wire === WIRE_BYTES) this.summary();
			else {
				const other = OTHER_EVENT_FIELDS[field];
				if (other) event.ignored.push(other);
				reader.skip(wire);
			}
		}
		return event;
	}

	private summary(): void {
		const reader = this.reader;
		const outer = reader.enter();
		let index = 0;
		while (!reader.done) {
			const key = reader.key();
			if (key === (1 << 3) + WIRE_BYTES) this.value(index++);
			else reader.skip(key & 7);
		}
		reader.leave(outer);
	}

	private value(index: number): void {
		const reader = this.reader;
		const event = this.event;
		const outer = reader.enter();
		let tag = '';
		let simple: number | null = null;
		let tensor = false;
		let plugin: string | null = null;
		let other: string | null = null;
		while (!reader.done) {
			const key = reader.key();
			const field = key >>> 3;
			const wire = key & 7;
			if (field === 1 && wire === WIRE_BYTES) tag = this.plugins.tagText(reader);
			else if (field === 2 && wire === WIRE_FIXED32) simple = reader.fixed32Float();
			else if (field === 8 && wire === WIRE_BYTES) tensor = this.tensor();
			else if (field === 9 && wire === WIRE_BYTES) plugin = this.pluginName();
			else {
				other ??= OTHER_VALUE_FIELDS[field] ?? null;
				reader.skip(wire);
			}
		}
		reader.leave(outer);
		if (plugin !== null) this.plugins.note(tag, plugin);
		if (simple !== null) return this.scalar(tag, simple, true, index);
		if (other) return void event.ignored.push(other);
		if (!tensor) return void event.ignored.push('empty value');
		const owner = plugin ?? this.plugins.get(tag);
		if (owner !== '' && owner !== 'scalars')
			return void event.ignored.push(PLUGIN_KINDS[owner] ?? `plugin ${owner}`);
		const dtype = this.tensorDtype;
		if (this.tensorRank !== 0 || (dtype !== DT_FLOAT && dtype !== DT_DOUBLE))
			return void event.ignored.push('non-scalar tensor');
		// A tensor with no values holds zeros (TensorFlow's reading of an empty proto).
		this.scalar(tag, this.tensorValue ?? 0, dtype === DT_FLOAT, index);
	}

	private scalar(tag: string, value: number, float32: boolean, index: number): void {
		const event = this.event;
		const slot = this.pool[event.scalarCount];
		if (slot) {
			slot.tag = tag;
			slot.value = value;
			slot.float32 = float32;
			slot.index = index;
		} else this.pool.push({ tag, value, float32, index });
		event.scalarCount++;
	}

	/** Reads a TensorProto into tensorDtype/Rank/Value; true. */
	private tensor(): boolean {
		const reader = this.reader;
		const outer = reader.enter();
		this.tensorDtype = 0;
		this.tensorRank = 0;
		this.tensorValue = null;
		let content = -1;
		let contentLength = 0;
		while (!reader.done) {
			const key = reader.key();
			const field = key >>> 3;
			const wire = key & 7;
			if (field === 1 && wire === WIRE_VARINT) this.tensorDtype = reader.varint();
			else if (field === 2 && wire === WIRE_BYTES) this.tensorRank = this.rank();
			else if (field === 4 && wire === WIRE_BYTES) {
				contentLength = reader.length();
				content = reader.pos;
				reader.pos += contentLength;
			}
			// The first value is the scalar's; each field is read either way, to move past it.
			else if (field === 5 && wire === WIRE_BYTES) this.firstValue(this.firstPacked(4));
			else if (field === 5 && wire === WIRE_FIXED32) this.firstValue(reader.fixed32Float());
			else if (field === 6 && wire === WIRE_BYTES) this.firstValue(this.firstPacked(8));
			else if (field === 6 && wire === WIRE_FIXED64) this.firstValue(reader.fixed64Double());
			else reader.skip(wire);
		}
		if (content >= 0) {
			if (this.tensorDtype === DT_FLOAT && contentLength >= 4)
				this.tensorValue = reader.bytes.readFloatLE(content);
			if (this.tensorDtype === DT_DOUBLE && contentLength >= 8)
				this.tensorValue = reader.bytes.readDoubleLE(content);
		}
		reader.leave(outer);
		return true;
	}

	private firstValue(value: number | null): void {
		this.tensorValue ??= value;
	}

	/** The first number of a packed repeated float (4) or double (8) field, or null when empty. */
	private firstPacked(width: 4 | 8): number | null {
		const reader = this.reader;
		const outer = reader.enter();
		const value = reader.done ? null : width === 4 ? reader.fixed32Float() : reader.fixed64Double();
		reader.leave(outer);
		return value;
	}

	/** The number of dimensions of a TensorShapeProto; -1 for an unknown rank. */
	private rank(): number {
		const reader = this.reader;
		const outer = reader.enter();
		let rank = 0;
		while (!reader.done) {
			const key = reader.key();
			const field = key >>> 3;
			const wire = key & 7;
			if (field === 3 && wire === WIRE_VARINT) {
				if (reader.varint() !== 0) rank = -1;
			} else {
				if (field === 2 && wire === WIRE_BYTES && rank >= 0) rank++;
				reader.skip(wire);
			}
		}
		reader.leave(outer);
		return rank;
	}

	/** SummaryMetadata's plugin_data.plugin_name ('' when absent). */
	private pluginName(): string {
		const reader = this.reader;
		const outer = reader.enter();
		let name = '';
		while (!reader.done) {
			const key = reader.key();
			if (key === (1 << 3) + WIRE_BYTES) {
				const pluginData = reader.enter();
				while (!reader.done) {
					const inner = reader.key();
					if (inner === (1 << 3) + WIRE_BYTES) name = reader.string();
					else reader.skip(inner & 7);
				}
				reader.leave(pluginData);
			} else reader.skip(key & 7);
		}
		reader.leave(outer);
		return name;
	}
}

/** One event, decoded into fresh objects (for tests; importers reuse an EventDecoder). */
export function decodeEvent(data: Uint8Array, plugins: PluginsByTag): DecodedEvent {
	const decoder = new EventDecoder(plugins);
	const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	const event = decoder.decode(bytes);
	return {
		wallTime: event.wallTime,
		step: event.step,
		scalars: event.scalars.slice(0, event.scalarCount).map((scalar) => ({ ...scalar })),
		ignored: [...event.ignored]
	};
}
