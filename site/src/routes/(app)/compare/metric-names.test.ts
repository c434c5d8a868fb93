import { describe, expect, it } from 'vitest';
import type { SeriesBatch } from '$contracts/series';
import { runMetricNames } from './metric-names';

const answer = (metrics: string[]) => ({ metrics }) as unknown as SeriesBatch;

describe('runMetricNames', () => {
	it('reads once for the same runs in any order, again for other runs or when asked fresh', async () => {
		const asked: string[][] = [];
		const read = async (ids: string[]) => {
			asked.push(ids);
			return answer([`m${asked.length}`]);
		};
		const first = runMetricNames(['a', 'b'], read);
		expect(runMetricNames(['b', 'a'], read)).toBe(first);
		expect((await first).metrics).toEqual(['m1']);
		expect((await runMetricNames(['a'], read)).metrics).toEqual(['m2']);
		expect((await runMetricNames(['a'], read, true)).metrics).toEqual(['m3']);
		expect(asked).toEqual([['a', 'b'], ['a'], ['a']]);
	});

	it('does not hold a failed read', async () => {
		let calls = 0;
		const failing = async () => {
			calls++;
			throw new Error('offline');
		};
		await expect(runMetricNames(['x'], failing)).rejects.toThrow('offline');
		await expect(runMetricNames(['x'], failing)).rejects.toThrow('offline');
		expect(calls).toBe(2);
	});
});
