import { describe, expect, it } from 'vitest';
import type { BucketedSeries, RawSeries } from '$contracts/logs';
import { pointCount, toMetricData } from './chart-series';

const summary = { count: 0, first_step: null, last_step: null, min: null, max: null, last: null };
const raw: RawSeries = {
	...summary,
	name: 'loss',
	resolution: 'raw',
	steps: [0, 1, 2],
	values: [0.9, 0.5, 0.4],
	times: [10, 20, 30]
};
const buckets: BucketedSeries = {
	...summary,
	name: 'loss',
	resolution: 'buckets',
	bucket_width: 4,
	starts: [0, 4],
	counts: [4, 3],
	mins: [0.5, 0.2],
	maxs: [0.9, 0.4],
	lasts: [0.6, 0.3],
	last_steps: [3, 6],
	times: [40, 70]
};

describe('chart series', () => {
	it('draws raw points as they are, without a band', () => {
		expect(toMetricData(raw)).toEqual({
			bucketWidth: 1,
			points: 3,
			steps: [0, 1, 2],
			times: [10, 20, 30],
			values: [0.9, 0.5, 0.4]
		});
	});

	it('draws each bucket at its last point, with its min and max as the band', () => {
		expect(toMetricData(buckets)).toEqual({
			bucketWidth: 4,
			points: 7,
			steps: [3, 6],
			times: [40, 70],
			values: [0.6, 0.3],
			mins: [0.5, 0.2],
			maxs: [0.9, 0.4]
		});
	});

	it('counts the logged points a series stands for', () => {
		expect(pointCount(raw)).toBe(3);
		expect(pointCount(buckets)).toBe(7);
	});
});
