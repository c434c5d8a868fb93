import { describe, expect, it } from 'vitest';
import { INNER, normalise, radarPoint, radarPolygon } from './radar';

describe('normalise', () => {
	it('maps the smallest value to 0 and the largest to 1, or the reverse when flipped', () => {
		expect(normalise([2, 4, 3])).toEqual([0, 1, 0.5]);
		expect(normalise([2, 4, 3], true)).toEqual([1, 0, 0.5]);
	});

	it('keeps missing and non-finite values out of the range and undefined', () => {
		expect(normalise([undefined, 10, NaN, 20])).toEqual([undefined, 0, undefined, 1]);
		expect(normalise([undefined, undefined])).toEqual([undefined, undefined]);
	});

	it('puts every run in the middle when they are all equal', () => {
		expect(normalise([5, 5, undefined])).toEqual([0.5, 0.5, undefined]);
	});
});

describe('radar geometry', () => {
	it('points the first axis up and goes clockwise, the lowest value on an inner ring', () => {
		const top = radarPoint(0, 4, 1, 100, [0, 0]);
		expect(top.x).toBeCloseTo(0);
		expect(top.y).toBeCloseTo(-100);
		const right = radarPoint(1, 4, 0, 100, [0, 0]);
		expect(right.x).toBeCloseTo(100 * INNER);
		expect(right.y).toBeCloseTo(0);
	});

	it('counts the axes a run has no value on', () => {
		const { points, missing } = radarPolygon([1, undefined, 0.5], 10, [50, 50]);
		expect(points).toHaveLength(3);
		expect(missing).toBe(1);
	});
});
