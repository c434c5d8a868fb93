import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeEntry } from './sender.js';
import { appendLines, appendLinesSync, LINE_ENTRIES, logsLines, spoolPath, statusLine } from './spool.js';

describe('spool lines', () => {
	it("are the Python SDK's format (sdk/python/tora/_spool.py), byte for byte", () => {
		const entry = encodeEntry(
			'loss',
			'01a2210f-4bcc-7604-8e41-dc293d39c167',
			0.5,
			3,
			'{"type":"metric"}'
		).text;
		expect(logsLines('e1', 'http://h/api', [entry])).toEqual([
			`{"v":1,"experiment_id":"e1","base_url":"http://h/api","logs":[${entry}]}`
		]);
		expect(statusLine('e1', 'http://h/api', 'failed')).toBe(
			'{"v":1,"experiment_id":"e1","base_url":"http://h/api","status":"failed"}'
		);
	});

	it('hold at most one full batch per line', () => {
		const entries = Array.from({ length: LINE_ENTRIES * 2 + 1 }, (_, i) => `{"step":${i}}`);
		const lines = logsLines('e1', 'http://h/api', entries);
		expect(lines.map((line) => JSON.parse(line).logs.length)).toEqual([LINE_ENTRIES, LINE_ENTRIES, 1]);
	});

	it('are appended in call order, readable only by the owner', async () => {
		const dir = join(mkdtempSync(join(tmpdir(), 'tora-ts-unit-')), 'nested');
		await Promise.all([appendLines(dir, 'e1', ['a', 'b']), appendLines(dir, 'e1', ['c'])]);
		appendLinesSync(dir, 'e1', ['d']);
		const path = spoolPath(dir, 'e1');
		expect(readFileSync(path, 'utf8')).toBe('a\nb\nc\nd\n');
		expect(statSync(path).mode & 0o777).toBe(0o600);
		expect(statSync(dir).mode & 0o777).toBe(0o700);
	});
});
