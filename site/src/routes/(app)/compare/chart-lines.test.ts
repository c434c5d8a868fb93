import { describe, expect, it } from 'vitest';
import type { GroupColumns, SeriesBatch, SeriesColumns } from '$contracts/series';
import { memberShade } from '$lib/charts/run-colors';
import { chartLines, groupLineKey, highlightKey, idsOfLine, type LineContext } from './chart-lines';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

function series(id: string, metric: string, y: number[]): SeriesColumns {
	return {
		experiment_id: id,
		metric,
		bucket_width: 1,
		x: y.map((_, i) => i),
		y,
		min: y,
		max: y,
		count: y.map(() => 1),
		nonfinite: 0
	};
}

function group(label: string, metric: string, ids: string[], mean: number[]): GroupColumns {
	return {
		group: label,
		value: label,
		metric,
		experiment_ids: ids,
		bucket_width: 1,
		x: mean.map((_, i) => i),
		mean,
		std: mean.map(() => 0.1),
		lo: mean.map((m) => m - 0.1),
		hi: mean.map((m) => m + 0.1),
		min: mean,
		max: mean,
		count: mean.map(() => ids.length),
		nonfinite: 0
	};
}

function batch(parts: Partial<SeriesBatch>): SeriesBatch {
	return {
		experiment_ids: [A, B, C],
		metrics: ['loss', 'acc'],
		missing_metrics: [],
		buckets: 300,
		series: [],
		groups: [],
		truncated: false,
		reason: null,
		...parts
	};
}

const context: LineContext = {
	names: new Map([
		[A, 'run a'],
		[B, 'run b'],
		[C, 'run c']
	]),
	colors: new Map([
		[A, '#eb4bff'],
		[B, '#00a082'],
		[C, '#235f9b']
	]),
	groupColors: new Map([
		['adam', '#be050f'],
		['sgd', '#64a000']
	]),
	expanded: new Set()
};

describe('chartLines', () => {
	it('draws one line per run in its colour, by metric, leaving out metrics without lines', () => {
		const lines = chartLines(
			batch({ series: [series(A, 'loss', [3, 2]), series(B, 'loss', [4, 1])] }),
			context
		);
		expect([...lines.keys()]).toEqual(['loss']);
		expect(lines.get('loss')!.map((l) => [l.key, l.label, l.color, l.role])).toEqual([
			[A, 'run a', '#eb4bff', 'line'],
			[B, 'run b', '#00a082', 'line']
		]);
	});

	it('draws a group as its mean with the band, labelled with its size', () => {
		const lines = chartLines(
			batch({ groups: [group('adam', 'loss', [A, B], [2, 1]), group('sgd', 'loss', [C], [3, 2])] }),
			context
		);
		const [adam, sgd] = lines.get('loss')!;
		expect(adam).toMatchObject({
			key: groupLineKey('adam'),
			label: 'adam (2 runs)',
			color: '#be050f',
			role: 'group'
		});
		expect(adam.lo).toEqual([1.9, 0.9]);
		expect(adam.hi).toEqual([2.1, 1.1]);
		expect(sgd.label).toBe('sgd (1 run)');
	});

	it('adds the members of an opened group only, in shades of its colour', () => {
		const lines = chartLines(
			batch({
				groups: [group('adam', 'loss', [A, B], [2, 1]), group('sgd', 'loss', [C], [3, 2])],
				series: [series(A, 'loss', [3, 2]), series(B, 'loss', [1, 0]), series(C, 'loss', [3, 2])]
			}),
			{ ...context, expanded: new Set(['adam']) }
		);
		expect(lines.get('loss')!.map((l) => [l.key, l.role, l.color])).toEqual([
			[groupLineKey('adam'), 'group', '#be050f'],
			[A, 'member', memberShade('#be050f', 0, 2)],
			[B, 'member', memberShade('#be050f', 1, 2)],
			[groupLineKey('sgd'), 'group', '#64a000']
		]);
	});
});

describe('highlight keys', () => {
	const groups = [
		{ label: 'adam', runIds: [A, B] },
		{ label: 'sgd', runIds: [C] }
	];

	it('highlights a group line when its members are highlighted, else the one run', () => {
		expect(highlightKey(new Set([A, B]), groups)).toBe(groupLineKey('adam'));
		expect(highlightKey(new Set([A]), groups)).toBe(A);
		expect(highlightKey(new Set([A, C]), groups)).toBeNull();
		expect(highlightKey(undefined, groups)).toBeNull();
	});

	it('maps a line back to the runs it stands for', () => {
		expect(idsOfLine(groupLineKey('adam'), groups)).toEqual([A, B]);
		expect(idsOfLine(C, groups)).toEqual([C]);
		expect(idsOfLine(groupLineKey('gone'), groups)).toEqual([]);
	});
});
