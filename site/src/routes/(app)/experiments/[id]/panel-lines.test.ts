import { describe, expect, it } from 'vitest';
import type { SeriesColumns } from '$contracts/series';
import type { MetricView } from './live-metrics';
import { panelLines, runStart } from './panel-lines';

function view(name: string, steps: number[], times: number[], bucketWidth = 1): MetricView {
	const values = steps.map((s) => s / 10);
	const data = {
		steps,
		times,
		values,
		bucketWidth,
		points: steps.length,
		...(bucketWidth > 1 ? { mins: values, maxs: values } : {})
	};
	return { name, count: steps.length, full: data, zoom: null };
}

const loss = view('loss', [0, 1, 2], [5_000, 6_000, 8_000]);
const acc = view('acc', [0, 10], [4_000, 9_000], 5);
const sources = {
	views: new Map([
		['loss', loss],
		['acc', acc]
	]),
	colors: new Map([['loss', '#123456']]),
	start: runStart([loss, acc])
};

describe('panelLines', () => {
	it('puts each metric on the x-axis asked for', () => {
		expect(panelLines(['loss'], 'step', sources)[0].x).toEqual([0, 1, 2]);
		expect(panelLines(['loss'], 'wall', sources)[0].x).toEqual([5_000, 6_000, 8_000]);
		// Seconds since the run's first point, whichever metric logged it.
		expect(panelLines(['loss'], 'relative', sources)[0].x).toEqual([1, 2, 4]);
	});

	it('draws a band for bucketed data only, and keeps the metric colour', () => {
		const [lossLine, accLine] = panelLines(['loss', 'acc'], 'step', sources);
		expect(lossLine.color).toBe('#123456');
		expect(lossLine.lo).toBeUndefined();
		expect(accLine.lo).toEqual([0, 1]);
	});

	it('uses the zoom’s finer data on the step axis only', () => {
		const finer = { steps: [1, 2], times: [6_000, 8_000], values: [9, 9], bucketWidth: 1, points: 2 };
		const zoomed = { ...loss, zoom: { from: 1, to: 2, data: finer } };
		const views = new Map([['loss', zoomed]]);
		expect(panelLines(['loss'], 'step', { ...sources, views })[0].y).toEqual([9, 9]);
		expect(panelLines(['loss'], 'wall', { ...sources, views })[0].y).toEqual([0, 0.1, 0.2]);
	});

	it('reads another metric as x from the series the server paired by step', () => {
		const paired: SeriesColumns = {
			experiment_id: 'e',
			metric: 'loss',
			bucket_width: 1,
			x: [0.1, 0.01],
			y: [2, 1],
			min: [2, 1],
			max: [2, 1],
			count: [1, 1],
			nonfinite: 0
		};
		const xSeries = new Map([['loss', paired]]);
		const lines = panelLines(['loss', 'acc'], { metric: 'lr' }, { ...sources, xSeries });
		expect(lines.map((l) => [l.key, l.x])).toEqual([['loss', [0.1, 0.01]]]);
	});
});
