import { describe, expect, it } from 'vitest';
import {
	durationTicks,
	formatDecade,
	formatDuration,
	formatStep,
	formatTick,
	logTickLabels,
	logTicks,
	numberTicks,
	tickLabels,
	timeTickLabels,
	timeTicks
} from './ticks';

const UTC = { timeZone: 'UTC' as const, locale: 'en-US' };

describe('log ticks', () => {
	it('labels whole decades as people write them', () => {
		const { splits } = logTicks(1e-5, 20, 10);
		expect(logTickLabels(splits)).toEqual(['1e-5', '1e-4', '0.001', '0.01', '0.1', '1', '10']);
	});

	it('skips decades when they would crowd the axis', () => {
		const { splits } = logTicks(1e-12, 1e12, 6);
		expect(splits.length).toBeLessThanOrEqual(6);
		expect(logTickLabels(splits)).toContain('1');
	});

	it('uses 1, 2 and 5 inside a range narrower than two decades', () => {
		expect(logTicks(0.1, 5, 8).splits).toEqual([0.1, 0.2, 0.5, 1, 2, 5]);
	});

	it('returns nothing for a range that is not positive', () => {
		expect(logTicks(0, 10, 5).splits).toEqual([]);
		expect(formatDecade(3)).toBe('1000');
		expect(formatDecade(4)).toBe('1e4');
	});
});

describe('wall time ticks', () => {
	it('falls on whole minutes and never shows fractions of a second', () => {
		const min = Date.UTC(2026, 2, 4, 14, 0, 31, 600);
		const max = min + 20 * 60_000;
		const { splits, step } = timeTicks(min, max, 6, UTC);
		expect(step).toBe(5 * 60_000);
		const labels = timeTickLabels(splits, step, UTC);
		expect(labels).toEqual(['14:05', '14:10', '14:15', '14:20']);
		for (const label of labels) expect(label).not.toMatch(/\.\d/);
	});

	it('shows seconds below a minute, still at whole seconds', () => {
		const min = Date.UTC(2026, 2, 4, 14, 0, 0, 250);
		const { splits, step } = timeTicks(min, min + 40_000, 5, UTC);
		expect(splits.every((t) => t % 1000 === 0)).toBe(true);
		expect(timeTickLabels(splits, step, UTC)[0]).toMatch(/^14:00:\d\d$/);
	});

	it('adds the date when the range crosses midnight', () => {
		const min = Date.UTC(2026, 2, 4, 20, 0);
		const max = Date.UTC(2026, 2, 5, 4, 0);
		const { splits, step } = timeTicks(min, max, 5, UTC);
		const labels = timeTickLabels(splits, step, UTC);
		expect(labels[0]).toBe('20:00\nMar 4');
		expect(labels).toContain('00:00\nMar 5');
		expect(labels.filter((label) => label.includes('\n'))).toHaveLength(2);
	});

	it('leaves the date out within one day', () => {
		const min = Date.UTC(2026, 2, 4, 9, 0);
		const { splits, step } = timeTicks(min, min + 3 * 3_600_000, 4, UTC);
		expect(timeTickLabels(splits, step, UTC).some((label) => label.includes('\n'))).toBe(false);
	});

	it('counts in months beyond a few weeks', () => {
		const { splits, step } = timeTicks(Date.UTC(2026, 0, 10), Date.UTC(2026, 6, 10), 8, UTC);
		expect(timeTickLabels(splits, step, UTC)).toEqual(['Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul']);
	});
});

describe('durations and steps', () => {
	it('writes durations in at most two units', () => {
		expect(formatDuration(0)).toBe('0');
		expect(formatDuration(45)).toBe('45s');
		expect(formatDuration(90)).toBe('1m 30s');
		expect(formatDuration(3600)).toBe('1h');
		expect(formatDuration(2 * 86400 + 4 * 3600 + 13 * 60)).toBe('2d 4h');
	});

	it('places duration ticks on whole minutes', () => {
		expect(durationTicks(0, 600, 6).splits).toEqual([0, 120, 240, 360, 480, 600]);
	});

	it('shortens large steps', () => {
		expect(formatStep(999)).toBe('999');
		expect(formatStep(2500)).toBe('2.5k');
		expect(formatStep(1_234_567)).toBe('1.23M');
	});

	it('puts number ticks at 1, 2 or 5 times a power of ten without float noise', () => {
		expect(numberTicks(0, 1, 5).splits).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
		expect(numberTicks(0.1, 0.35, 5).splits).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
	});
});

describe('ticks far from zero', () => {
	it('stay few when the range is tiny next to its values', () => {
		const { splits } = numberTicks(1, 1 + 1e-13, 5);
		expect(splits.length).toBeLessThanOrEqual(7);
		expect(numberTicks(1e15, 1e15 + 100, 5).splits.length).toBeLessThanOrEqual(7);
	});
});

describe('log ticks within two decades', () => {
	it('use 1, 2 and 5 when fewer than three decades fall inside', () => {
		expect(logTickLabels(logTicks(0.04, 4.4, 8).splits)).toEqual(['0.05', '0.1', '0.2', '0.5', '1', '2']);
	});

	it('leave blanked-out ticks unlabelled', () => {
		expect(logTickLabels([null, 0, 1])).toEqual(['', '', '1']);
	});
});

describe('log ticks on a short chart', () => {
	it('fall back to 1 and 3, then decades, never to evenly spaced values across decades', () => {
		expect(logTicks(0.04, 4.4, 5).splits).toEqual([0.1, 0.3, 1, 3]);
		expect(logTicks(0.04, 4.4, 3).splits).toEqual([0.1, 1]);
		expect(logTicks(2, 9, 5).splits).toEqual([2, 5]);
	});
});

describe('linear tick labels', () => {
	it('shorten large values with k, M, B', () => {
		expect(tickLabels(numberTicks(0, 1_000_000, 5).splits)).toEqual([
			'0',
			'200k',
			'400k',
			'600k',
			'800k',
			'1M'
		]);
		expect(tickLabels([500_000])).toEqual(['500k']);
		expect(tickLabels([2e9, 2.5e9, 3e9])).toEqual(['2B', '2.5B', '3B']);
	});

	it('write an axis of tiny values in powers of ten throughout', () => {
		expect(tickLabels([0, 1e-4, 2e-4, 3e-4])).toEqual(['0', '1e-4', '2e-4', '3e-4']);
		expect(tickLabels([0.00025, 0.0005, 0.00075])).toEqual(['2.5e-4', '5e-4', '7.5e-4']);
		expect(tickLabels([-0.0002, 0, 0.0002])).toEqual(['-2e-4', '0', '2e-4']);
	});

	it('keep the digits that tell neighbouring ticks apart, and no float noise', () => {
		expect(tickLabels([1_000_000, 1_000_050, 1_000_100])).toEqual(['1M', '1.00005M', '1.0001M']);
		expect(tickLabels(numberTicks(0.1, 0.35, 5).splits)).toEqual([
			'0.1',
			'0.15',
			'0.2',
			'0.25',
			'0.3',
			'0.35'
		]);
		expect(tickLabels([0.1 + 0.2 - 0.3, 0.1])).toEqual(['0', '0.1']);
		expect(tickLabels([-1500, 0, 1500])).toEqual(['-1.5k', '0', '1.5k']);
	});

	it('leave everyday values as they are', () => {
		expect(tickLabels([0, 250, 500, 750])).toEqual(['0', '250', '500', '750']);
		expect(formatTick(Number.NaN, 1)).toBe('–');
		expect(formatTick(2e16, 1e15)).toBe('2e16');
	});

	it('label log ticks between decades as short numbers too', () => {
		expect(logTickLabels([2000, 5000, 10_000, 20_000])).toEqual(['2k', '5k', '1e4', '20k']);
		expect(logTickLabels([2e-5, 5e-5])).toEqual(['2e-5', '5e-5']);
		expect(logTickLabels([2, 2.2, 2.4])).toEqual(['2', '2.2', '2.4']);
	});
});
