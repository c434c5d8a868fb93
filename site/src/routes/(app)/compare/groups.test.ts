import { describe, expect, it } from 'vitest';
import { run } from './fixtures';
import { NO_GROUP as CONTRACT_NO_GROUP } from '$contracts/series';
import {
	contextFieldsOf,
	groupRuns,
	keyOf,
	NO_GROUP,
	numberOf,
	runValue,
	shortenMiddle,
	workspacesByRuns
} from './groups';

const hp = (key: string, value: string | number | boolean) => ({ key, value });

describe('groupRuns', () => {
	it('groups by a hyperparameter: numbers ascending, then text, then booleans, then "(none)"', () => {
		const runs = [
			run('a', { hyperparams: [hp('x', 'adam')] }),
			run('b', { hyperparams: [hp('x', 10)] }),
			run('c'),
			run('d', { hyperparams: [hp('x', 2)] }),
			run('e', { hyperparams: [hp('x', true)] }),
			run('f', { hyperparams: [hp('x', 'adam')] })
		];
		expect(groupRuns(runs, keyOf('hp.x')!)).toEqual([
			{ label: '2', value: 2, runIds: ['d'] },
			{ label: '10', value: 10, runIds: ['b'] },
			{ label: 'adam', value: 'adam', runIds: ['a', 'f'] },
			{ label: 'true', value: true, runIds: ['e'] },
			{ label: '(none)', value: null, runIds: ['c'] }
		]);
	});

	it('groups by the whole set of tags, in any order, and by status', () => {
		const runs = [
			run('a', { tags: ['b', 'a'] }),
			run('b', { tags: ['a', 'b'], status: 'failed' }),
			run('c', { tags: ['a'] })
		];
		expect(groupRuns(runs, keyOf('tag')!).map((g) => [g.label, g.runIds])).toEqual([
			['a', ['c']],
			['a, b', ['a', 'b']]
		]);
		expect(groupRuns(runs, keyOf('status')!).map((g) => [g.label, g.runIds])).toEqual([
			['failed', ['b']],
			['finished', ['a', 'c']]
		]);
	});

	it('groups by a metric aggregate or a result, runs without it in "(none)"', () => {
		const summary = { name: 'loss', count: 3, first_step: 0, last_step: 2, first: 1, min: 0.2, max: 1 };
		const runs = [
			run('a', { metrics: [{ ...summary, last: 0.5 }] }),
			run('b', {
				metrics: [{ ...summary, last: 0.5 }],
				results: [{ name: 'acc', value: 0.9, logged_at: '' }]
			}),
			run('c', { metrics: [{ ...summary, last: null }] })
		];
		expect(groupRuns(runs, keyOf('metric.loss.last')!).map((g) => [g.label, g.runIds])).toEqual([
			['0.5', ['a', 'b']],
			['(none)', ['c']]
		]);
		expect(groupRuns(runs, keyOf('result.acc')!).map((g) => g.label)).toEqual(['0.9', '(none)']);
	});
});

describe('grouping by a context key', () => {
	it('reads the values the runs were read with; GPUs as a sorted list; runs without one in "(none)"', () => {
		const runs = [
			run('a', { context_values: { host: 'gpu-box-2', gpu: ['T4', 'A100'], 'git.dirty': true } }),
			run('b', { context_values: { host: 'gpu-box-1', gpu: ['A100', 'T4'], 'git.dirty': false } }),
			run('c', { context_values: { host: null, gpu: [], 'git.dirty': null } }),
			run('d', { context_values: { host: 'gpu-box-2', gpu: null, 'git.dirty': true } }),
			// Read without context values (the key was not asked for): no value either.
			run('e')
		];
		expect(groupRuns(runs, keyOf('host')!)).toEqual([
			{ label: 'gpu-box-1', value: 'gpu-box-1', runIds: ['b'] },
			{ label: 'gpu-box-2', value: 'gpu-box-2', runIds: ['a', 'd'] },
			{ label: '(none)', value: null, runIds: ['c', 'e'] }
		]);
		expect(groupRuns(runs, keyOf('gpu')!).map((g) => [g.label, g.runIds])).toEqual([
			['A100, T4', ['a', 'b']],
			['(none)', ['c', 'd', 'e']]
		]);
		expect(groupRuns(runs, keyOf('git.dirty')!).map((g) => [g.label, g.runIds])).toEqual([
			['false', ['b']],
			['true', ['a', 'd']],
			['(none)', ['c', 'e']]
		]);
	});

	it('names the context key a grouping needs the runs read with', () => {
		expect(contextFieldsOf(keyOf('git.branch'))).toEqual(['git.branch']);
		expect(contextFieldsOf(keyOf('hp.lr'))).toEqual([]);
		expect(contextFieldsOf(keyOf('status'))).toEqual([]);
		expect(contextFieldsOf(undefined)).toEqual([]);
	});
});

describe('run values', () => {
	it('reads fields, and numbers only where they are finite numbers', () => {
		const r = run('a', { hyperparams: [hp('lr', 0.1), hp('opt', 'sgd')], description: '' });
		expect(runValue(r, keyOf('duration')!)).toBe(90);
		expect(runValue(r, keyOf('description')!)).toBeNull();
		expect(runValue(r, keyOf('name')!)).toBe('run-a');
		expect(numberOf(r, keyOf('hp.lr')!)).toBe(0.1);
		expect(numberOf(r, keyOf('hp.opt')!)).toBeUndefined();
		expect(keyOf('hp.(')).toBeUndefined();
	});
});

describe('shortenMiddle', () => {
	it('keeps both ends of a long name', () => {
		expect(shortenMiddle('sweep-lr0.001-seed3', 30)).toBe('sweep-lr0.001-seed3');
		expect(shortenMiddle('sweep-2026-03-lr0.001-seed3', 12)).toBe('sweep-…seed3');
		expect([...shortenMiddle('😀'.repeat(20), 5)]).toHaveLength(5);
	});
});

describe('workspacesByRuns', () => {
	it('lists the runs’ workspaces, the one with most runs first', () => {
		const runs = [
			run('a', { workspace_id: 'w1' }),
			run('b', { workspace_id: 'w2' }),
			run('c', { workspace_id: 'w2' })
		];
		expect(workspacesByRuns(runs)).toEqual(['w2', 'w1']);
		expect(workspacesByRuns([])).toEqual([]);
	});
});

describe('NO_GROUP', () => {
	it('is the label the API gives runs without a value', () => {
		expect(NO_GROUP).toBe(CONTRACT_NO_GROUP);
	});
});
