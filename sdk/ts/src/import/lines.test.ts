import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLines } from './lines.js';

const dir = mkdtempSync(join(tmpdir(), 'tora-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function lines(text: string, chunkBytes: number, maxLineBytes = 20) {
	const path = join(dir, 'f');
	writeFileSync(path, text);
	const out: Array<string | null> = [];
	for await (const line of readLines(path, { chunkBytes, maxLineBytes })) out.push(line);
	return out;
}

describe('readLines', () => {
	it('splits on LF and CRLF across chunk boundaries', async () => {
		for (const chunk of [1, 2, 3, 5, 1024])
			expect(await lines('a,1\r\nbb,22\nccc\n\nlast', chunk)).toEqual(['a,1', 'bb,22', 'ccc', '', 'last']);
	});

	it('reports an overlong line as null without holding it, and goes on', async () => {
		const long = 'x'.repeat(100);
		for (const chunk of [3, 7, 64, 1024]) {
			expect(await lines(`ok\n${long}\nfine\n`, chunk)).toEqual(['ok', null, 'fine']);
			expect(await lines(`ok\n${long}`, chunk)).toEqual(['ok', null]);
		}
	});

	it('keeps UTF-8 split across chunks whole', async () => {
		expect(await lines('héllo wörld\n✓', 1, 100)).toEqual(['héllo wörld', '✓']);
	});
});
