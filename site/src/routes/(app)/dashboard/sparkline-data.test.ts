import { describe, expect, it } from 'vitest';
import type { MetricSummary } from '$contracts/experiments';
import { MAX_SERIES_RUNS } from '$contracts/series';
import { planRequest, seriesVersion, sparkKey, sparkShape, type SparkSeries } from './sparkline-data';

const summary = (name: string, count: number, lastStep = count - 1): MetricSummary => ({
	name,
	count,
	first_step: 0,
	last_step: lastStep,
	min: 0,
	max: 1,
	last: 0.5,
	first: 1
});

const nothingKnown = { version: () => undefined };

describe('planRequest', () => {
	it('asks for the rows on screen that have a shown metric, and only the metrics they have', () => {
		const rows = [
			{ id: 'a', metrics: [summary('loss', 10), summary('acc', 10)] },
			{ id: 'b', metrics: [summary('loss', 5)] },
			{ id: 'c', metrics: [] },
			{ id: 'd', metrics: [summary('loss', 0)] }
		];
		const plan = planRequest(rows, ['acc', 'loss', 'lr'], nothingKnown);
		expect(plan?.experimentIds).toEqual(['a', 'b']);
		expect(plan?.metrics).toEqual(['acc', 'loss']);
		expect([...plan!.versions.keys()]).toEqual([
			sparkKey('a', 'acc'),
			sparkKey('a', 'loss'),
			sparkKey('b', 'loss')
		]);
	});

	it('asks for nothing when every sparkline is as new as its row', () => {
		const rows = [{ id: 'a', metrics: [summary('loss', 10)] }];
		const known = {
			version: (key: string) =>
				key === sparkKey('a', 'loss') ? seriesVersion(rows[0].metrics[0]) : undefined
		};
		expect(planRequest(rows, ['loss'], known)).toBeUndefined();
	});

	it('reads a live run again once its row reports more points', () => {
		const before = summary('loss', 10);
		const known = {
			version: (key: string) => (key === sparkKey('a', 'loss') ? seriesVersion(before) : undefined)
		};
		const plan = planRequest([{ id: 'a', metrics: [summary('loss', 11)] }], ['loss'], known);
		expect(plan?.experimentIds).toEqual(['a']);
		expect(plan?.versions.get(sparkKey('a', 'loss'))).toBe(seriesVersion(summary('loss', 11)));
	});

	it('stays within the API bound on runs', () => {
		const rows = Array.from({ length: MAX_SERIES_RUNS + 5 }, (_, i) => ({
			id: `run-${i}`,
			metrics: [summary('loss', 3)]
		}));
		expect(planRequest(rows, ['loss'], nothingKnown)?.experimentIds).toHaveLength(MAX_SERIES_RUNS);
	});
});

/** The points attribute back as numbers. */
const parse = (points: string) => points.split(' ').map((pair) => pair.split(',').map(Number));

describe('sparkShape', () => {
	const series: SparkSeries = {
		x: [0, 1, 2, 3],
		y: [0.9, 0.5, 0.7, 0.6],
		min: [0.9, 0.4, 0.7, 0.6],
		max: [0.9, 0.5, 0.8, 0.6]
	};

	it('draws higher values higher (smaller y) and steps left to right, inside the box', () => {
		const shape = sparkShape(series, 'last', 56, 16);
		const points = parse(shape.points);
		expect(points).toHaveLength(4);
		const xs = points.map(([x]) => x);
		expect(xs).toEqual([...xs].sort((a, b) => a - b));
		const ys = points.map(([, y]) => y);
		// 0.9 > 0.7 > 0.6 > 0.5 in value: ascending y on screen.
		expect(ys[0]).toBeLessThan(ys[2]);
		expect(ys[2]).toBeLessThan(ys[3]);
		expect(ys[3]).toBeLessThan(ys[1]);
		for (const [x, y] of points) {
			expect(x).toBeGreaterThanOrEqual(0);
			expect(x).toBeLessThanOrEqual(56);
			expect(y).toBeGreaterThanOrEqual(0);
			expect(y).toBeLessThanOrEqual(16);
		}
	});

	it('spaces points by step, not by index', () => {
		const points = parse(
			sparkShape({ x: [0, 1, 10], y: [1, 2, 3], min: [1, 2, 3], max: [1, 2, 3] }, 'last').points
		);
		expect(points[1][0] - points[0][0]).toBeLessThan((points[2][0] - points[1][0]) / 5);
	});

	it('puts the dot on the value the column shows', () => {
		const last = sparkShape(series, 'last');
		expect(last.dot).toEqual({ x: parse(last.points)[3][0], y: parse(last.points)[3][1] });
		const first = sparkShape(series, 'first');
		expect(first.dot).toEqual({ x: parse(first.points)[0][0], y: parse(first.points)[0][1] });
		// The minimum (0.4) is inside bucket 1, below that bucket's last value: the lowest thing drawn.
		const min = sparkShape(series, 'min');
		expect(min.dot?.x).toBe(parse(min.points)[1][0]);
		expect(min.dot!.y).toBeGreaterThan(Math.max(...parse(min.points).map(([, y]) => y)));
		const max = sparkShape(series, 'max');
		expect(max.dot?.x).toBe(parse(max.points)[0][0]);
	});

	it('draws a flat series across the middle and a single point as a dot only', () => {
		const flat = parse(sparkShape({ x: [0, 5], y: [2, 2], min: [2, 2], max: [2, 2] }, 'last', 56, 16).points);
		expect(flat.map(([, y]) => y)).toEqual([8, 8]);
		const one = sparkShape({ x: [3], y: [1], min: [1], max: [1] }, 'last', 56, 16);
		expect(one.points).toBe('');
		expect(one.dot).toEqual({ x: 28, y: 8 });
		expect(sparkShape({ x: [], y: [], min: [], max: [] }, 'last')).toEqual({ points: '', dot: undefined });
	});
});
