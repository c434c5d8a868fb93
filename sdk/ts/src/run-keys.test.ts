import { describe, expect, it } from 'vitest';
import { splitColumns } from './cli-list.js';
import { csvCell, csvText } from './cli-format.js';
import { compareRuns, nameFilter, parseRunKey, quoteText } from './run-keys.js';
import type { WireExperimentDetail } from './wire.js';

describe('parseRunKey', () => {
	it.each([
		['name', { kind: 'field', field: 'name' }],
		['hp.lr', { kind: 'hp', name: 'lr' }],
		['hp."batch size"', { kind: 'hp', name: 'batch size' }],
		['result.test/acc', { kind: 'result', name: 'test/acc' }],
		['metric.loss', { kind: 'metric', name: 'loss', aggregate: 'last' }],
		['metric.loss.min', { kind: 'metric', name: 'loss', aggregate: 'min' }],
		['metric.acc.top1', { kind: 'metric', name: 'acc.top1', aggregate: 'last' }],
		['metric."val/loss".last_step', { kind: 'metric', name: 'val/loss', aggregate: 'last_step' }],
		["metric.'a\\'b'", { kind: 'metric', name: "a'b", aggregate: 'last' }]
	])('%s', (text, key) => {
		expect(parseRunKey(text)).toEqual(key);
	});

	it.each(['weight', 'hp.', 'metric.min', 'hp."open', 'hp."a".min', 'foo.bar'])('refuses %s', (text) => {
		expect(() => parseRunKey(text)).toThrow(/bad key/);
	});
});

describe('quoting for the query language', () => {
	it('escapes backslashes, quotes, newlines and tabs, and nothing else', () => {
		expect(quoteText('say "hi" \\ there')).toBe('"say \\"hi\\" \\\\ there"');
		expect(quoteText('a\nb\tc café')).toBe('"a\\nb\\tc café"');
		expect(nameFilter('x')).toBe('name = "x"');
	});

	it('splits column lists at commas outside quotes', () => {
		expect(splitColumns('hp.lr, metric."a,b".min,,result.acc')).toEqual([
			'hp.lr',
			'metric."a,b".min',
			'result.acc'
		]);
		expect(splitColumns('hp."x\\",y",name')).toEqual(['hp."x\\",y"', 'name']);
	});
});

describe('CSV cells', () => {
	it.each([
		['=1+2', `"'=1+2"`],
		['+1', `"'+1"`],
		['-2+3', `"'-2+3"`],
		['@SUM(A1)', `"'@SUM(A1)"`],
		['\tx', `"'\tx"`],
		['\rx', `"'\rx"`],
		['a,b', '"a,b"'],
		['say "hi"', '"say ""hi"""'],
		['two\nlines', '"two\nlines"'],
		['plain', 'plain']
	])('%j → %j', (text, cell) => {
		expect(csvText(text)).toBe(cell);
	});

	it('writes numbers and booleans as they are, and nothing as empty', () => {
		expect([csvCell(-0.5), csvCell(true), csvCell(null), csvCell('-x')]).toEqual([
			'-0.5',
			'true',
			'',
			`"'-x"`
		]);
	});
});

describe('compareRuns', () => {
	const run = (id: string, lr?: number | string | boolean): WireExperimentDetail => ({
		id,
		name: id,
		description: '',
		tags: [],
		hyperparams: lr === undefined ? [] : [{ key: 'lr', value: lr }],
		workspace_id: 'w',
		created_at: '2026-01-01T00:00:00.000Z',
		updated_at: '2026-01-01T00:00:00.000Z',
		url: '',
		metrics: [],
		results: []
	});
	const order = (direction: 'asc' | 'desc', runs: WireExperimentDetail[]) =>
		[...runs].sort((a, b) => compareRuns(parseRunKey('hp.lr'), direction, a, b)).map((r) => r.id);
	const runs = [run('a', 'x'), run('b'), run('c', 0.1), run('d', true), run('e', 0.01), run('f', 0.1)];

	it('orders numbers, then text, then booleans; runs without a value last; ties by id', () => {
		expect(order('asc', runs)).toEqual(['e', 'c', 'f', 'a', 'd', 'b']);
		expect(order('desc', runs)).toEqual(['d', 'a', 'f', 'c', 'e', 'b']);
	});
});
