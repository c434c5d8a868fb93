import { describe, expect, it } from 'vitest';
import {
	durationTicks,
	formatDecade,
	formatDuration,
	formatStep,
	logTickLabels,
	logTicks,
	numberTicks,
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
