import { describe, expect, it } from 'vitest';
import {
	ConsoleCapture,
	CUT_MARKER,
	cutLine,
	MAX_LINE_CHARS,
	MAX_QUEUED_LINES,
	type Streams
} from './console-capture.js';
import type { QueuedEntry } from './sender.js';

interface Line {
	seq: number;
	time: string;
	stream: string;
	text: string;
}

/** Fake streams recording what reached them, and a sink recording what was queued. */
function setup(options: { lastSeq?: number; queued?: () => { lines: number; bytes: number } } = {}) {
	const written: Record<string, unknown[]> = { stdout: [], stderr: [] };
	const stream = (name: string) => ({
		write: ((chunk: unknown) => {
			written[name].push(chunk);
			return true;
		}) as typeof process.stdout.write
	});
	const streams: Streams = { stdout: stream('stdout'), stderr: stream('stderr') };
	const originals = { stdout: streams.stdout.write, stderr: streams.stderr.write };
	const queued: Line[] = [];
	const capture = new ConsoleCapture(
		{
			put: (entry: QueuedEntry) => queued.push(JSON.parse(entry.text)),
			queued: options.queued ?? (() => ({ lines: 0, bytes: 0 })),
			isFull: () => false
		},
		options.lastSeq ?? 0,
		streams
	);
	capture.start();
	return { capture, streams, originals, written, queued, texts: () => queued.map((l) => l.text) };
}

describe('ConsoleCapture', () => {
	it('passes every write through first, and queues whole lines numbered in print order per stream', () => {
		const { capture, streams, written, queued } = setup();
		streams.stdout.write('epoch 1\nepo');
		streams.stderr.write('warn: slow\n');
		streams.stdout.write('ch 2\n');
		expect(written.stdout).toEqual(['epoch 1\nepo', 'ch 2\n']);
		expect(written.stderr).toEqual(['warn: slow\n']);
		expect(queued.map(({ seq, stream, text }) => ({ seq, stream, text }))).toEqual([
			{ seq: 1, stream: 'stdout', text: 'epoch 1' },
			{ seq: 2, stream: 'stderr', text: 'warn: slow' },
			{ seq: 3, stream: 'stdout', text: 'epoch 2' }
		]);
		expect(new Date(queued[0].time).getTime()).not.toBeNaN();
		capture.stop();
	});

	it('numbers a resumed run on from its last line, and sends an unterminated line at stop', () => {
		const { capture, streams, queued } = setup({ lastSeq: 41 });
		streams.stdout.write('done');
		capture.stop();
		expect(queued).toEqual([expect.objectContaining({ seq: 42, text: 'done' })]);
	});

	it('decodes UTF-8 split across buffers, and keeps what a terminal shows of a \\r-redrawn line', () => {
		const { capture, streams, texts } = setup();
		const bytes = Buffer.from('λ → ok\n');
		streams.stdout.write(bytes.subarray(0, 1));
		streams.stdout.write(bytes.subarray(1, 5));
		streams.stdout.write(bytes.subarray(5));
		streams.stdout.write('10%\r50%\r100%\r\n');
		streams.stdout.write('crlf line\r\n');
		capture.stop();
		expect(texts()).toEqual(['λ → ok', '100%', 'crlf line']);
	});

	it('cuts a line over 16 KB with the marker, once, even when it arrives in pieces', () => {
		const { capture, streams, texts } = setup();
		streams.stdout.write('a'.repeat(10_000));
		streams.stdout.write('b'.repeat(10_000));
		streams.stdout.write('c'.repeat(10_000) + '\nnext\n');
		capture.stop();
		expect(texts()).toHaveLength(2);
		expect(texts()[0]).toHaveLength(MAX_LINE_CHARS);
		expect(texts()[0].endsWith(CUT_MARKER)).toBe(true);
		expect(texts()[1]).toBe('next');
	});

	it('drops lines while the queue is full and marks the gap once there is room', () => {
		let full = true;
		const { capture, streams, texts } = setup({
			queued: () => ({ lines: full ? MAX_QUEUED_LINES : 0, bytes: 0 })
		});
		streams.stdout.write('lost 1\nlost 2\n');
		full = false;
		streams.stdout.write('kept\n');
		capture.stop();
		expect(texts()).toEqual([
			'[tora: 2 console lines dropped here: printed faster than they could be sent]',
			'kept'
		]);
		expect(capture.dropped).toBe(2);
		expect(capture.captured).toBe(1);
		expect(capture.markers).toBe(1);
	});

	it('restores the write functions on stop, unless something wrapped them since', () => {
		const { capture, streams, originals, queued } = setup();
		const ours = streams.stderr.write;
		const wrapper = ((chunk: string) => ours.call(streams.stderr, chunk)) as typeof process.stderr.write;
		streams.stderr.write = wrapper;
		capture.stop();
		expect(streams.stdout.write).toBe(originals.stdout);
		expect(streams.stderr.write).toBe(wrapper);
		streams.stderr.write('after stop\n'); // passes through ours, no longer captured
		expect(queued).toEqual([]);
	});
});

describe('cutLine', () => {
	it('never splits a surrogate pair', () => {
		const text = 'x'.repeat(MAX_LINE_CHARS - CUT_MARKER.length - 1) + '😀'.repeat(10);
		const cut = cutLine(text);
		expect(cut.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
		expect(cut.endsWith('x' + CUT_MARKER)).toBe(true);
	});
});
