import { describe, expect, it } from 'vitest';
import { formatBytes, readBody, type DownloadProgress } from './progress';

function streamed(...parts: string[]): Response {
	const encoder = new TextEncoder();
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			for (const part of parts) controller.enqueue(encoder.encode(part));
			controller.close();
		}
	});
	return new Response(body, { headers: { 'content-type': 'text/csv' } });
}

describe('readBody', () => {
	it('reports bytes and complete lines after every chunk and keeps the whole body', async () => {
		const seen: DownloadProgress[] = [];
		const blob = await readBody(streamed('step,loss\n0,1', '.5\n1,0.25\n'), (progress) =>
			seen.push(progress)
		);
		expect(seen).toEqual([
			{ bytes: 13, lines: 1 },
			{ bytes: 23, lines: 3 }
		]);
		expect(await blob.text()).toBe('step,loss\n0,1.5\n1,0.25\n');
		expect(blob.type).toBe('text/csv');
	});

	it('reads the body at once when nobody asks for progress', async () => {
		expect(await (await readBody(streamed('a\n'))).text()).toBe('a\n');
	});
});

describe('formatBytes', () => {
	it('uses decimal units with at most one decimal', () => {
		expect(formatBytes(512)).toBe('512 B');
		expect(formatBytes(1500)).toBe('1.5 kB');
		expect(formatBytes(845_000)).toBe('845 kB');
		expect(formatBytes(12_300_000)).toBe('12 MB');
		expect(formatBytes(3_000_000_000)).toBe('3.0 GB');
	});
});
