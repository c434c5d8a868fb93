import { describe, expect, it } from 'vitest';
import { LARGE_EXPORT_BYTES, Progress } from './cli-export.js';

function recorder() {
	const written: string[] = [];
	return { written, stream: { write: (text: string) => written.push(text) } };
}
const rows = (count: number, width = 10) =>
	new TextEncoder().encode(('x'.repeat(width - 1) + '\n').repeat(count));

describe('Progress', () => {
	it('stays silent for a small export when stderr is not a terminal', () => {
		const { written, stream } = recorder();
		const progress = new Progress(stream, false);
		progress.add(rows(1000));
		progress.done();
		expect(written).toEqual([]);
	});

	it('reports a large export line by line when stderr is not a terminal', () => {
		const { written, stream } = recorder();
		const progress = new Progress(stream, false);
		const chunk = rows(LARGE_EXPORT_BYTES / 64 / 8, 64);
		for (let i = 0; i < 8 * 2 + 1; i++) progress.add(chunk);
		progress.done();
		expect(written).toEqual([
			'tora export: 16.0 MB, 262,143 rows\n',
			'tora export: 32.0 MB, 524,287 rows\n',
			'tora export: 34.0 MB, 557,055 rows done\n'
		]);
	});

	it('redraws one line on a terminal, at most every 200 ms', () => {
		const { written, stream } = recorder();
		let now = 1_000;
		const progress = new Progress(stream, true, () => now);
		progress.add(rows(11));
		progress.add(rows(10));
		now += 250;
		progress.add(rows(10));
		progress.done();
		expect(written).toEqual([
			'\rtora export: 110 B, 10 rows\x1b[K',
			'\rtora export: 310 B, 30 rows\x1b[K',
			'\rtora export: 310 B, 30 rows done\x1b[K',
			'\n'
		]);
	});

	it('ends its line on a terminal when the export fails, so the error starts a line of its own', () => {
		const { written, stream } = recorder();
		const progress = new Progress(stream, true, () => 1_000);
		progress.add(rows(3));
		progress.failed();
		expect(written).toEqual(['\rtora export: 30 B, 2 rows\x1b[K', '\n']);
		const quiet = recorder();
		new Progress(quiet.stream, false).failed();
		expect(quiet.written).toEqual([]);
	});
});
