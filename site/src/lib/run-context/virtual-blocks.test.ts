import { describe, expect, it } from 'vitest';
import { BLOCK_LINES, blockCount, visibleBlocks } from './virtual-blocks';

describe('visibleBlocks', () => {
	const line = 20;
	const block = BLOCK_LINES * line;

	it('renders nothing for no lines', () => {
		expect(visibleBlocks(0, [], line, 0, 500)).toEqual({ first: 0, last: -1, before: 0, after: 0 });
	});

	it('renders only the blocks near the viewport of 100,000 lines', () => {
		const lines = 100_000;
		const window = visibleBlocks(lines, [], line, 500 * block, 600, 600);
		expect(window.last - window.first).toBeLessThanOrEqual(2);
		expect(window.first).toBe(499);
		expect(window.before).toBe(499 * block);
		expect(window.before + (window.last - window.first + 1) * block + window.after).toBe(lines * line);
	});

	it('uses measured heights where known, and a short last block', () => {
		const measured: (number | undefined)[] = [5000, undefined, 100];
		const lines = 2 * BLOCK_LINES + 5;
		expect(blockCount(lines)).toBe(3);
		const window = visibleBlocks(lines, measured, line, 5000 + block - 10, 10, 0);
		expect(window).toEqual({ first: 1, last: 1, before: 5000, after: 100 });
		expect(visibleBlocks(lines, [], line, 2 * block, 50, 0)).toEqual({
			first: 2,
			last: 2,
			before: 2 * block,
			after: 0
		});
	});

	it('shows the last block when scrolled past the end', () => {
		expect(visibleBlocks(150, [], line, 1e6, 500, 0)).toEqual({ first: 1, last: 1, before: block, after: 0 });
	});
});
