import { describe, expect, it } from 'vitest';
import { splitColumns } from './cli-list.js';
import { csvCell, csvText } from './cli-format.js';
import * as server from '../../../functions/_lib/contracts/query/ast.ts';
import {
	ASCENDING_FIELDS,
	compareRuns,
	CONTEXT_FIELDS,
	defaultOrder,
	keyValue,
	LIST_FIELDS,
	nameFilter,
	parseRunKey,
	quoteText,
	RUN_FIELDS,
	sortableOnClient
} from './run-keys.js';
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

	it.each(['git.commit', 'host', 'memory', 'notes', ' git.dirty '])('reads the field %s', (text) => {
		expect(parseRunKey(text)).toEqual({ kind: 'field', field: text.trim() });
	});

	it.each(['weight', 'hp.', 'metric.min', 'hp."open', 'hp."a".min', 'foo.bar', 'git.author', 'git'])(
		'refuses %s',
		(text) => {
			expect(() => parseRunKey(text)).toThrow(/bad key/);
		}
	);
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

describe("the copies of the server's key lists", () => {
	it('are the lists the server parses, sorts and orders by (functions/_lib/contracts/query/ast.ts)', () => {
		expect(RUN_FIELDS).toEqual(server.RUN_FIELDS);
		expect(CONTEXT_FIELDS).toEqual(server.CONTEXT_FIELDS);
		expect(LIST_FIELDS).toEqual(server.LIST_FIELDS);
		expect(ASCENDING_FIELDS).toEqual(server.ASCENDING_FIELDS);
		for (const field of server.RUN_FIELDS) {
			expect([field, defaultOrder(parseRunKey(field))]).toEqual([
				field,
				server.defaultSortOrder({ kind: 'field', field })
			]);
		}
	});
});

describe('context keys from a list response', () => {
	const run = (
		id: string,
		context_values?: WireExperimentDetail['context_values']
	): WireExperimentDetail => ({
		id,
		name: id,
		description: '',
		tags: [],
		hyperparams: [],
		workspace_id: 'w',
		created_at: '2026-01-01T00:00:00.000Z',
		updated_at: '2026-01-01T00:00:00.000Z',
		url: '',
		metrics: [],
		results: [],
		context_values
	});

	it('reads the values the list carries; GPUs joined; nothing when the list did not carry them', () => {
		const row = run('a', { host: 'gpu-box-1', gpu: ['A100', 'T4'], memory: 1024, 'git.dirty': true });
		expect(
			['host', 'gpu', 'memory', 'git.dirty', 'git.branch'].map((k) => keyValue(row, parseRunKey(k)))
		).toEqual(['gpu-box-1', 'A100, T4', 1024, true, null]);
		expect(keyValue(run('b'), parseRunKey('host'))).toBeNull();
	});

	it('merges workspaces by a context key as the server orders one list: A→Z, runs without one last', () => {
		const runs = [run('a', { host: 'b-box' }), run('b', { host: null }), run('c', { host: 'a-box' })];
		const key = parseRunKey('host');
		expect(sortableOnClient(key)).toBe(true);
		expect(sortableOnClient(parseRunKey('notes'))).toBe(false);
		const order = defaultOrder(key);
		expect(order).toBe('asc');
		expect([...runs].sort((x, y) => compareRuns(key, order, x, y)).map((r) => r.id)).toEqual(['c', 'a', 'b']);
	});
});
