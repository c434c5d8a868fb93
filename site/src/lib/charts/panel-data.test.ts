import { describe, expect, it } from 'vitest';
import { buildPanelData, rowsWithin } from './panel-data';

const none = { smoothing: { kind: 'none' as const }, log: false };

describe('buildPanelData', () => {
	it('keeps one ascending line as it is', () => {
		const { data, columns } = buildPanelData(
			[{ key: 'a', label: 'a', color: '#000000', x: [0, 1, 2], y: [3, 4, 5] }],
			none
		);
		expect(data).toEqual([
			[0, 1, 2],
			[3, 4, 5]
		]);
		expect(columns).toEqual([{ raw: 1, smooth: null, lo: null, hi: null }]);
	});

	it('puts lines logged at different x on one x column, with gaps where a line has no point', () => {
		const { data } = buildPanelData(
			[
				{ key: 'a', label: 'a', color: '#000000', x: [0, 2], y: [1, 3] },
				{ key: 'b', label: 'b', color: '#000000', x: [1, 2], y: [10, 30] }
			],
			none
		);
		expect(data).toEqual([
			[0, 1, 2],
			[1, null, 3],
			[null, 10, 30]
		]);
	});

	it('sorts a line by x first (wall time of a resumed run), and adds the smoothed column after the raw one', () => {
		const { data, columns } = buildPanelData(
			[{ key: 'a', label: 'a', color: '#000000', x: [2, 0, 1], y: [3, 1, 2] }],
			{
				smoothing: { kind: 'mean', window: 2 },
				log: false
			}
		);
		expect(data).toEqual([
			[0, 1, 2],
			[1, 2, 3],
			[1, 1.5, 2.5]
		]);
		expect(columns[0]).toEqual({ raw: 1, smooth: 2, lo: null, hi: null });
	});

	it('drops values a log axis cannot show', () => {
		const { data } = buildPanelData([{ key: 'a', label: 'a', color: '#000000', x: [0, 1], y: [0, 2] }], {
			smoothing: { kind: 'none' },
			log: true
		});
		expect(data[1]).toEqual([null, 2]);
	});

	it('places many distinct x values on an even grid', () => {
		const lines = [0, 1].map((offset) => ({
			key: String(offset),
			label: String(offset),
			color: '#000000',
			x: Array.from({ length: 100 }, (_, i) => i + offset / 2),
			y: Array.from({ length: 100 }, () => 1)
		}));
		const { data, gridded } = buildPanelData(lines, { ...none, maxColumns: 50 });
		expect(gridded).toBe(true);
		expect(data[0]).toHaveLength(50);
		expect(data[0][0]).toBe(0);
		expect(data[0][49]).toBe(99.5);
	});
});

describe('rowsWithin', () => {
	it('finds the first and last row inside a range', () => {
		expect(rowsWithin([0, 10, 20, 30], 5, 25)).toEqual([1, 2]);
		expect(rowsWithin([0, 10, 20, 30], 10, 30)).toEqual([1, 3]);
	});
});
