import { describe, expect, it } from 'vitest';
import {
	event,
	fileVersion,
	graphEvent,
	histogramValue,
	imageValue,
	Proto,
	scalarValue,
	textValue
} from '../../test/tfevents.js';
import { decodeEvent, PluginsByTag } from './event.js';
import { ProtobufError } from './protobuf.js';
import { float32Decimal } from './tensorboard.js';

describe('decodeEvent', () => {
	it('reads wall time, step and every form of scalar', () => {
		const data = event(1_700_000_000.25, 42, [
			scalarValue('loss', 0.5, 'simple'),
			scalarValue('acc', 0.75, 'tensor-float', true),
			scalarValue('lr', 1e-4, 'tensor-double', true),
			scalarValue('grad/norm', 12.125, 'tensor-content', true)
		]);
		const decoded = decodeEvent(data, new PluginsByTag());
		expect(decoded.wallTime).toBe(1_700_000_000.25);
		expect(decoded.step).toBe(42);
		expect(decoded.ignored).toEqual([]);
		expect(decoded.scalars).toEqual([
			{ tag: 'loss', value: 0.5, float32: true, index: 0 },
			{ tag: 'acc', value: 0.75, float32: true, index: 1 },
			{ tag: 'lr', value: 1e-4, float32: false, index: 2 },
			{ tag: 'grad/norm', value: 12.125, float32: false, index: 3 }
		]);
	});

	it('names what it ignores: images, histograms, text, graphs', () => {
		const plugins = new PluginsByTag();
		const first = decodeEvent(
			event(1, 1, [
				imageValue('sample'),
				histogramValue('weights'),
				textValue('notes'),
				scalarValue('loss', 1, 'simple')
			]),
			plugins
		);
		expect(first.ignored).toEqual(['image', 'histogram', 'text']);
		expect(first.scalars.map((s) => s.tag)).toEqual(['loss']);
		expect(decodeEvent(graphEvent(1), plugins).ignored).toEqual(['graph']);
		expect(decodeEvent(fileVersion(1), plugins)).toEqual({ wallTime: 1, step: 0, scalars: [], ignored: [] });
	});

	it("remembers a tag's plugin from its first value (TF2 writes the metadata once)", () => {
		const plugins = new PluginsByTag();
		// A float tensor owned by another plugin is not a scalar, even without metadata later on.
		const foreign = new Proto()
			.string(1, 'custom')
			.message(8, new Proto().uint(1, 1).message(2, new Proto()).bytesField(5, Buffer.alloc(4)))
			.message(9, new Proto().message(1, new Proto().string(1, 'my_plugin')));
		expect(decodeEvent(event(1, 1, [foreign]), plugins).ignored).toEqual(['plugin my_plugin']);
		expect(decodeEvent(event(1, 2, [scalarValue('custom', 3, 'tensor-float')]), plugins).ignored).toEqual([
			'plugin my_plugin'
		]);
		expect(decodeEvent(event(1, 2, [scalarValue('other', 3, 'tensor-float')]), plugins).scalars).toHaveLength(
			1
		);
	});

	it('keeps a negative step recognisable (at or above 2^63)', () => {
		expect(
			decodeEvent(event(1, -5n, [scalarValue('loss', 1, 'simple')]), new PluginsByTag()).step
		).toBeGreaterThanOrEqual(2 ** 63);
	});

	it('reads steps up to 2^53 exactly', () => {
		const step = Number.MAX_SAFE_INTEGER;
		expect(decodeEvent(event(1, step, []), new PluginsByTag()).step).toBe(step);
		expect(decodeEvent(event(1, 2 ** 35 + 3, []), new PluginsByTag()).step).toBe(2 ** 35 + 3);
	});

	it('leaves non-scalar tensors out', () => {
		const vector = new Proto()
			.string(1, 'v')
			.message(8, new Proto().uint(1, 1).message(2, new Proto().message(2, new Proto().uint(1, 3))));
		expect(decodeEvent(event(1, 1, [vector]), new PluginsByTag()).ignored).toEqual(['non-scalar tensor']);
	});

	it('throws a ProtobufError for bytes that are not an Event', () => {
		expect(() => decodeEvent(Buffer.from([0x0a, 0x40, 1, 2]), new PluginsByTag())).toThrow(ProtobufError);
		expect(() => decodeEvent(Buffer.from([0xff, 0xff, 0xff]), new PluginsByTag())).toThrow(ProtobufError);
	});
});

describe('float32Decimal', () => {
	it('gives the shortest decimal that is the same float32', () => {
		for (const logged of [0.1, 0.5, 1e-4, 3.14159, 123456.7, 0.123456789, 1e-30, -2.5, 0]) {
			const stored = Math.fround(logged);
			const shown = float32Decimal(stored);
			expect(Math.fround(shown)).toBe(stored);
			expect(String(shown).replace(/^-?0\./, '').length).toBeLessThanOrEqual(10);
		}
		expect(float32Decimal(Math.fround(0.1))).toBe(0.1);
		expect(float32Decimal(Math.fround(0.123456789))).toBe(0.12345679);
		expect(float32Decimal(Number.NaN)).toBeNaN();
	});
});
