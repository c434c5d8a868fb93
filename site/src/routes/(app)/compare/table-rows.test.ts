import { describe, expect, it } from 'vitest';
import { run } from './fixtures';
import { tableRows } from './table-rows';

const hp = (key: string, value: string | number | boolean) => ({ key, value });
const result = (name: string, value: number) => ({ name, value, logged_at: '2026-01-01T00:00:00Z' });

describe('tableRows', () => {
	const runs = [
		run('a', {
			hyperparams: [hp('lr', 0.1), hp('optimizer', 'adam'), hp('lr', 9)],
			results: [result('loss', 1)]
		}),
		run('b', { hyperparams: [hp('optimizer', 'adam'), hp('seed', 3)], results: [result('acc', 0.5)] })
	];

	it('has a row per hyperparameter in the order runs name them, the first value of a key winning', () => {
		const rows = tableRows(runs, 'hp');
		expect(rows.map((r) => [r.key, r.values, r.differs])).toEqual([
			['hp.lr', [0.1, undefined], true],
			['hp.optimizer', ['adam', 'adam'], false],
			['hp.seed', [undefined, 3], true]
		]);
	});

	it('lists results by name, keyed for sorting', () => {
		expect(tableRows(runs, 'result').map((r) => [r.key, r.values])).toEqual([
			['result.acc', [undefined, 0.5]],
			['result.loss', [1, undefined]]
		]);
	});
});
