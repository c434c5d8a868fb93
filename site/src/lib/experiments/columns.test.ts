import { describe, expect, it } from 'vitest';
import type { Experiment } from '$contracts/experiments';
import {
	availableColumns,
	cellText,
	cellTitle,
	columnGroup,
	columnKey,
	columnLabel,
	columnVaries,
	contextColumnFields,
	formatDuration,
	formatGiB,
	isNumeric,
	isSortable,
	loadColumns,
	loadWidths,
	metricColumnNames,
	parseColumn,
	saveColumns,
	saveWidths,
	splitKeyList,
	withAggregate
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
		project_id: null,
		project: null,
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
			field: ['updated', 'duration', 'creator', 'project', 'description'],
			context: [
				'git.commit',
				'git.branch',
				'git.remote',
				'git.dirty',
				'host',
				'os',
				'runtime',
				'cwd',
				'command',
				'gpu',
				'cpus',
				'memory'
			],
			hp: ['amp', 'lr'],
			result: ['acc'],
			metric: ['loss', 'val/loss']
		});
	});

	it('asks lists for the summaries of the metric columns only', () => {
		const columns = ['hp:lr', 'metric:loss', 'result:acc', 'metric:__proto__'].map((id) => parseColumn(id)!);
		expect(metricColumnNames(columns)).toEqual(['loss', '__proto__']);
	});

	it('reads the ids older links carry as keys, names with colons included', () => {
		expect(parseColumn('hp:a:b')).toEqual({ id: 'hp."a:b"', key: { kind: 'hp', name: 'a:b' } });
		expect(parseColumn('metric:loss')?.id).toBe('metric.loss.last');
		expect(parseColumn('bogus:x')).toBeUndefined();
		expect(parseColumn('hp:')).toBeUndefined();
	});

	it('builds column keys as the query language writes them', () => {
		expect(columnKey('hp', 'lr')).toBe('hp.lr');
		expect(columnKey('hp', 'batch size')).toBe('hp."batch size"');
		expect(columnKey('metric', 'val/loss', 'min')).toBe('metric.val/loss.min');
		expect(columnKey('metric', 'acc.max')).toBe('metric."acc.max".last');
		expect(columnKey('result', 'acc')).toBe('result.acc');
		expect(parseColumn('metric."acc.max".last')?.key).toEqual({
			kind: 'metric',
			name: 'acc.max',
			aggregate: 'last'
		});
		// Always-shown fields and tags are not optional columns.
		expect(parseColumn('duration')?.id).toBe('duration');
		expect(parseColumn('name')).toBeUndefined();
		expect(parseColumn('tag')).toBeUndefined();
		expect(parseColumn('hp.')).toBeUndefined();
	});

	it('switches a metric column between aggregates', () => {
		const column = parseColumn('metric.loss.last')!;
		expect(withAggregate(column, 'min').id).toBe('metric.loss.min');
		expect(
			cellText(experiment({ metrics: [{ ...metric('loss', 0.5), min: 0.25 }] }), withAggregate(column, 'min'))
		).toBe('0.25');
		expect(withAggregate(parseColumn('hp.lr')!, 'min').id).toBe('hp.lr');
	});

	it('splits key lists, leaving commas inside quoted names', () => {
		expect(splitKeyList('hp.lr, metric."a,b".min,,result.acc')).toEqual([
			'hp.lr',
			'metric."a,b".min',
			'result.acc'
		]);
	});

	it('shows runtimes from creation to the last sign of life', () => {
		const run = experiment({ created_at: '2026-01-01T00:00:00Z', last_seen_at: '2026-01-01T01:12:30Z' });
		expect(cellText(run, parseColumn('duration')!)).toBe('1h 12m');
		expect(formatDuration(0)).toBe('0s');
		expect(formatDuration(42)).toBe('42s');
		expect(formatDuration(3600)).toBe('1h');
		expect(formatDuration(90061)).toBe('1d 1h');
	});

	it('names creators by email when known', () => {
		const run = experiment({ created_by: 'u1' });
		expect(cellText(run, parseColumn('creator')!, { creators: new Map([['u1', 'ada@example.test']]) })).toBe(
			'ada@example.test'
		);
		expect(cellText(run, parseColumn('creator')!)).toBe('—');
	});

	it('tells which columns vary over the loaded rows', () => {
		const lr = parseColumn('hp.lr')!;
		const same = [a, experiment({ hyperparams: [{ key: 'lr', value: 0.001 }] })];
		expect(columnVaries(same, lr)).toBe(false);
		expect(columnVaries([a, b], lr)).toBe(true);
	});

	it('renders cells, with a dash where there is nothing', () => {
		expect(cellText(a, parseColumn('hp:lr')!)).toBe('0.001');
		expect(cellText(a, parseColumn('result:acc')!)).toBe('0.91235');
		expect(cellText(a, parseColumn('metric:loss')!)).toBe('0.5');
		expect(cellText(b, parseColumn('metric:loss')!)).toBe('—');
		expect(cellText(b, parseColumn('hp:amp')!)).toBe('true');
		expect(cellText(b, parseColumn('hp:lr')!)).toBe('—');
	});

	it('offers the captured context as "Environment" columns, sortable but for the GPU list', () => {
		const columns = ['git.commit', 'host', 'gpu', 'memory', 'hp.lr'].map((id) => parseColumn(id)!);
		expect(columns.map(columnGroup)).toEqual(['context', 'context', 'context', 'context', 'hp']);
		expect(columns.map(columnLabel)).toEqual(['Commit', 'Host', 'GPUs', 'Memory', 'lr']);
		expect(columns.map(isSortable)).toEqual([true, true, false, true, true]);
		expect(columns.map(isNumeric)).toEqual([false, false, false, true, false]);
		expect(contextColumnFields([...columns, parseColumn('host')!])).toEqual([
			'git.commit',
			'host',
			'gpu',
			'memory'
		]);
		expect(parseColumn('notes')).toBeUndefined();
	});

	it('renders context cells: a short commit (whole on hover), dirty as a mark, memory in GiB', () => {
		const commit = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
		const run = experiment({
			context_values: {
				'git.commit': commit,
				'git.dirty': true,
				memory: 68_719_476_736,
				gpu: ['A100', 'A100', 'T4'],
				host: 'gpu-box-1',
				cpus: 16
			}
		});
		const cell = (id: string, row = run) => cellText(row, parseColumn(id)!);
		expect(cell('git.commit')).toBe('a1b2c3d4');
		expect(cellTitle(run, parseColumn('git.commit')!)).toBe(commit);
		expect(cell('git.dirty')).toBe('● dirty');
		expect(cell('git.dirty', experiment({ context_values: { 'git.dirty': false } }))).toBe('clean');
		expect(cell('memory')).toBe('64 GiB');
		expect(cell('gpu')).toBe('2 × A100, T4');
		expect([cell('host'), cell('cpus')]).toEqual(['gpu-box-1', '16']);
		// Not captured, or not asked for: a dash.
		expect(cell('git.branch')).toBe('—');
		expect(cell('host', experiment({}))).toBe('—');
		expect(cell('gpu', experiment({ context_values: { gpu: [] } }))).toBe('—');
		expect([formatGiB(16_600_000_000), formatGiB(2 ** 30 * 512)]).toEqual(['15.5 GiB', '512 GiB']);
	});

	it('remembers choices per workspace and survives junk', () => {
		const data = new Map<string, string>();
		const storage = {
			getItem: (k: string) => data.get(k) ?? null,
			setItem: (k: string, v: string) => void data.set(k, v)
		};
		expect(loadColumns(storage, 'w1')).toBeUndefined();
		saveColumns(storage, 'w1', ['hp.lr', 'result.acc']);
		expect(loadColumns(storage, 'w1')).toEqual(['hp.lr', 'result.acc']);
		expect(loadColumns(storage, 'w2')).toBeUndefined();
		data.set('tora.columns.w2', '{"not":"a list"');
		expect(loadColumns(storage, 'w2')).toBeUndefined();
		data.set('tora.columns.w2', '["hp:x", 3, "nope"]');
		expect(loadColumns(storage, 'w2')).toEqual(['hp.x']);
	});

	it('remembers column widths per workspace, within bounds', () => {
		const data = new Map<string, string>();
		const storage = {
			getItem: (k: string) => data.get(k) ?? null,
			setItem: (k: string, v: string) => void data.set(k, v)
		};
		expect(loadWidths(storage, 'w1')).toEqual({});
		saveWidths(storage, 'w1', { name: 400, 'hp.lr': 10, huge: 5000 });
		expect(loadWidths(storage, 'w1')).toEqual({ name: 400, 'hp.lr': 64, huge: 800 });
		data.set('tora.widths.w1', '[1]');
		expect(loadWidths(storage, 'w1')).toEqual({});
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
