import { describe, expect, it } from 'vitest';
import type { Experiment } from '$contracts/experiments';
import {
	availableColumns,
	cellText,
	loadColumns,
	metricColumnNames,
	parseColumn,
	saveColumns
} from './columns';
import { numericHyperparamKeys, parseFieldKey } from './dimensions';
import { sharedMetricNames } from './shared-metrics';

function experiment(partial: Partial<Experiment>): Experiment {
	return {
		id: '0b6f3c9e-8a47-4c1e-9c55-1f0e2a3b4c5d',
		name: 'e',
		description: '',
		tags: [],
		hyperparams: [],
		status: 'running',
		workspace_id: '1c7a4d0f-9b58-4d2f-8d66-2a1f3b4c5d6e',
		created_by: null,
		created_at: '2026-01-01T00:00:00.000Z',
		updated_at: '2026-01-01T00:00:00.000Z',
		last_seen_at: '2026-01-01T00:00:00.000Z',
		url: '',
		metrics: [],
		results: [],
		metric_count: 0,
		result_count: 0,
		...partial
	};
}

const metric = (name: string, last: number | null) => ({
	name,
	count: 1,
	first_step: 0,
	last_step: 0,
	min: last,
	max: last,
	last,
	first: last
});

describe('columns', () => {
	const a = experiment({
		hyperparams: [{ key: 'lr', value: 0.001 }],
		results: [{ name: 'acc', value: 0.91234567, logged_at: '' }],
		metrics: [metric('loss', 0.5)]
	});
	const b = experiment({ hyperparams: [{ key: 'amp', value: true }], metrics: [metric('loss', null)] });

	it('offers every key, result and metric once, sorted', () => {
		expect(availableColumns([a, b], ['val/loss', 'loss', 'loss'])).toEqual({
			hp: ['amp', 'lr'],
			result: ['acc'],
			metric: ['loss', 'val/loss']
		});
	});

	it('asks lists for the summaries of the metric columns only', () => {
		const columns = ['hp:lr', 'metric:loss', 'result:acc', 'metric:__proto__'].map((id) => parseColumn(id)!);
		expect(metricColumnNames(columns)).toEqual(['loss', '__proto__']);
	});

	it('parses ids whose names contain colons', () => {
		expect(parseColumn('hp:a:b')).toEqual({ id: 'hp:a:b', kind: 'hp', name: 'a:b' });
		expect(parseColumn('bogus:x')).toBeUndefined();
		expect(parseColumn('hp:')).toBeUndefined();
	});

	it('renders cells, with a dash where there is nothing', () => {
		expect(cellText(a, parseColumn('hp:lr')!)).toBe('0.001');
		expect(cellText(a, parseColumn('result:acc')!)).toBe('0.91235');
		expect(cellText(a, parseColumn('metric:loss')!)).toBe('0.5');
		expect(cellText(b, parseColumn('metric:loss')!)).toBe('—');
		expect(cellText(b, parseColumn('hp:amp')!)).toBe('true');
		expect(cellText(b, parseColumn('hp:lr')!)).toBe('—');
	});

	it('remembers choices per workspace and survives junk', () => {
		const data = new Map<string, string>();
		const storage = {
			getItem: (k: string) => data.get(k) ?? null,
			setItem: (k: string, v: string) => void data.set(k, v)
		};
		expect(loadColumns(storage, 'w1')).toBeUndefined();
		saveColumns(storage, 'w1', ['hp:lr', 'result:acc']);
		expect(loadColumns(storage, 'w1')).toEqual(['hp:lr', 'result:acc']);
		expect(loadColumns(storage, 'w2')).toBeUndefined();
		data.set('tora.columns.w2', '{"not":"a list"');
		expect(loadColumns(storage, 'w2')).toBeUndefined();
		data.set('tora.columns.w2', '["hp:x", 3, "nope"]');
		expect(loadColumns(storage, 'w2')).toEqual(['hp:x']);
	});
});

describe('compare helpers', () => {
	it('finds numeric keys shared by two or more experiments, varying first', () => {
		const list = [
			experiment({
				hyperparams: [
					{ key: 'seed', value: 1 },
					{ key: 'lr', value: 0.1 },
					{ key: 'opt', value: 'sgd' }
				]
			}),
			experiment({
				hyperparams: [
					{ key: 'seed', value: 1 },
					{ key: 'lr', value: 0.2 },
					{ key: 'opt', value: 3 }
				]
			}),
			experiment({ hyperparams: [{ key: 'only', value: 1 }] })
		];
		expect(numericHyperparamKeys(list)).toEqual([
			{ key: 'lr', varies: true },
			{ key: 'seed', varies: false }
		]);
	});

	it('ranks metrics by how many experiments share them', () => {
		expect(
			sharedMetricNames([
				['loss', 'acc', 'loss'],
				['acc', 'loss'],
				['acc', 'lr']
			])
		).toEqual(['acc', 'loss']);
		expect(sharedMetricNames([['a'], ['b']])).toEqual([]);
	});

	it('parses field keys', () => {
		expect(parseFieldKey('result:val/acc')).toEqual({ kind: 'result', name: 'val/acc' });
		expect(parseFieldKey('metric:x')).toBeUndefined();
	});
});
