import { describe, expect, it } from 'vitest';
import { QUERY_LIMITS, QuerySyntaxError, formatKey } from './ast.ts';
import { parseKey, parseQuery } from './parse.ts';

const NOW = Date.UTC(2026, 11, 7, 12);

function errorOf(text: string): string {
	try {
		parseQuery(text, { now: NOW });
	} catch (error) {
		if (error instanceof QuerySyntaxError) return error.message;
		throw error;
	}
	throw new Error(`parsed: ${text}`);
}

describe('parseQuery', () => {
	it('reads the example of the issue', () => {
		expect(parseQuery('hp.lr < 1e-3 and (tag = "a" or status = failed)', { now: NOW })).toEqual({
			kind: 'and',
			items: [
				{
					kind: 'compare',
					key: { kind: 'hp', name: 'lr' },
					op: '<',
					value: { type: 'number', value: 0.001 }
				},
				{
					kind: 'or',
					items: [
						{
							kind: 'compare',
							key: { kind: 'field', field: 'tag' },
							op: '=',
							value: { type: 'string', value: 'a' }
						},
						{
							kind: 'compare',
							key: { kind: 'field', field: 'status' },
							op: '=',
							value: { type: 'string', value: 'failed' }
						}
					]
				}
			]
		});
	});

	it('is empty for blank text', () => {
		expect(parseQuery('   ')).toBeUndefined();
	});

	it('binds and tighter than or, and not tighter than both', () => {
		const expr = parseQuery('not name = a or name = b and name = c');
		expect(expr?.kind).toBe('or');
		if (expr?.kind !== 'or') return;
		expect(expr.items[0].kind).toBe('not');
		expect(expr.items[1].kind).toBe('and');
	});

	it('takes keywords in any case and operators without spaces', () => {
		expect(parseQuery('hp.lr<1e-3 AND name~"x" Or NOT has result.acc')).toMatchObject({ kind: 'or' });
	});

	it('reads metric keys with aggregates, quoted names and dotted names', () => {
		expect(parseKey('metric."val/loss".min')).toEqual({ kind: 'metric', name: 'val/loss', aggregate: 'min' });
		expect(parseKey('metric.val/loss.max')).toEqual({ kind: 'metric', name: 'val/loss', aggregate: 'max' });
		expect(parseKey('metric.train.loss')).toEqual({ kind: 'metric', name: 'train.loss', aggregate: 'last' });
		expect(parseKey('metric."a.min"')).toEqual({ kind: 'metric', name: 'a.min', aggregate: 'last' });
		expect(parseKey('hp.optimizer.lr')).toEqual({ kind: 'hp', name: 'optimizer.lr' });
		expect(parseKey('hp."batch size"')).toEqual({ kind: 'hp', name: 'batch size' });
		expect(parseKey('result.acc')).toEqual({ kind: 'result', name: 'acc' });
	});

	it('writes keys back so they parse to the same key', () => {
		for (const text of [
			'metric."val/loss".min',
			'metric."a.min".last',
			'hp."batch size"',
			'hp.a.b',
			'created'
		]) {
			const key = parseKey(text);
			expect(parseKey(formatKey(key))).toEqual(key);
		}
	});

	it('types hyperparameter literals by their form', () => {
		const values = (text: string) => {
			const expr = parseQuery(text);
			return expr?.kind === 'in' ? expr.values : undefined;
		};
		expect(values('hp.x in (1, "1", true, adam, -2.5e3)')).toEqual([
			{ type: 'number', value: 1 },
			{ type: 'string', value: '1' },
			{ type: 'boolean', value: true },
			{ type: 'string', value: 'adam' },
			{ type: 'number', value: -2500 }
		]);
	});

	it('reads dates, days, relative dates and durations', () => {
		const value = (text: string) => {
			const expr = parseQuery(text, { now: NOW });
			return expr?.kind === 'compare' ? expr.value : undefined;
		};
		expect(value('created > -7d')).toEqual({ type: 'instant', value: NOW - 7 * 86_400_000 });
		expect(value('created > -1h30m')).toEqual({ type: 'instant', value: NOW - 5_400_000 });
		expect(value('updated = 2026-11-01')).toEqual({
			type: 'day',
			start: Date.UTC(2026, 10, 1),
			end: Date.UTC(2026, 10, 2)
		});
		expect(value('created >= 2026-11-01T10:30Z')).toEqual({
			type: 'instant',
			value: Date.UTC(2026, 10, 1, 10, 30)
		});
		expect(value('duration > 2h')).toEqual({ type: 'number', value: 7200 });
		expect(value('duration <= 1h30m')).toEqual({ type: 'number', value: 5400 });
		expect(value('duration < 90')).toEqual({ type: 'number', value: 90 });
	});

	it('keeps quotes, semicolons, comment markers and wildcards as data', () => {
		const expr = parseQuery(String.raw`name ~ "50%_off'; drop table experiments; --" or name = 'it\''`);
		expect(expr).toMatchObject({
			kind: 'or',
			items: [
				{ value: { type: 'string', value: "50%_off'; drop table experiments; --" } },
				{ value: { type: 'string', value: "it'" } }
			]
		});
	});

	it('lower-cases creators and statuses', () => {
		expect(parseQuery('creator = Ada@Example.com and status = FAILED')).toMatchObject({
			items: [{ value: { value: 'ada@example.com' } }, { value: { value: 'failed' } }]
		});
	});
});

describe('parse errors say where and what', () => {
	it.each([
		['hp.lr <', "col 8: expected a value after '<'"],
		['hp.lr < and', "col 9: expected a value after '<'"],
		[
			'name',
			"col 5: expected an operator after 'name' (=, !=, <, <=, >, >=, ~, in, not in), found the end of the query"
		],
		['foo = 1', 'col 1: unknown key'],
		['bar.x = 1', "col 1: unknown key 'bar'"],
		['(name = a', "col 10: expected ')' to close the '(' at col 1, found the end of the query"],
		['name = a)', "col 9: unmatched ')'"],
		['name = "abc', 'col 8: string is not closed'],
		['hp.lr ~ 3', "col 7: '~' compares text"],
		['tag < a', "col 5: '<' does not apply to tag"],
		['status = sleeping', 'col 10: status is one of running, finished, failed, crashed'],
		['metric.loss.min < abc', "col 19: expected a number, found 'abc'"],
		['metric."loss".median < 1', "col 14: unknown aggregate 'median'"],
		['hp."a".b = 1', "col 7: unexpected '.b' after the quoted name"],
		['created < yesterday', 'col 11: expected a date'],
		['created < 2026-02-30', "col 11: '2026-02-30' is not a calendar date"],
		['duration > soon', 'col 12: expected a duration'],
		['has name', "col 1: 'has' applies to hp.<name>"],
		['created in (1)', "col 9: 'in' does not apply to created"],
		['name in (a b)', "col 12: expected ',' or ')' in the list"],
		['name = a name = b', "col 10: expected 'and', 'or' or the end, found 'name'"],
		['name ! a', "col 6: '!' must be followed by '='"],
		['hp.x = "a\\q"', "col 10: unknown escape '\\q'"],
		['hp.lr >= "big"', "col 7: '>=' compares numbers"]
	])('%s', (text, message) => {
		expect(errorOf(text)).toContain(message);
	});

	it('bounds length, nesting, conditions and lists', () => {
		expect(errorOf('name = ' + 'a'.repeat(QUERY_LIMITS.length))).toContain(
			`at most ${QUERY_LIMITS.length} characters`
		);
		expect(
			errorOf('('.repeat(QUERY_LIMITS.depth + 1) + 'name = a' + ')'.repeat(QUERY_LIMITS.depth + 1))
		).toContain('nests at most');
		expect(
			errorOf(Array.from({ length: QUERY_LIMITS.clauses + 1 }, () => 'name = a').join(' or '))
		).toContain(`at most ${QUERY_LIMITS.clauses} conditions`);
		const list = Array.from({ length: QUERY_LIMITS.listValues + 1 }, (_, i) => String(i)).join(',');
		expect(errorOf(`hp.x in (${list})`)).toContain(`at most ${QUERY_LIMITS.listValues} values`);
	});
});
