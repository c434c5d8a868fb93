/**
 * Which lines of a long console to put in the page. Lines wrap, so their heights differ: they are
 * grouped in blocks of BLOCK_LINES, a block's height is measured once it has been shown (and
 * estimated from the line height before), and only the blocks in or near the viewport are rendered.
 */

export const BLOCK_LINES = 100;

export interface BlockWindow {
	/** Blocks to render, `first` to `last` inclusive (`last < first`: none). */
	first: number;
	last: number;
	/** Space above the first block and below the last, in pixels. */
	before: number;
	after: number;
}

export function blockCount(lines: number): number {
	return Math.ceil(lines / BLOCK_LINES);
}

/** The height of block `index`: measured, or its line count times `lineHeight`. */
export function blockHeight(
	index: number,
	lines: number,
	measured: ArrayLike<number | undefined>,
	lineHeight: number
) {
	return measured[index] ?? Math.min(BLOCK_LINES, lines - index * BLOCK_LINES) * lineHeight;
}

/** The blocks that cover `[scrollTop, scrollTop + viewport]`, plus `overscan` pixels each side. */
export function visibleBlocks(
	lines: number,
	measured: ArrayLike<number | undefined>,
	lineHeight: number,
	scrollTop: number,
	viewport: number,
	overscan = viewport
): BlockWindow {
	const count = blockCount(lines);
	const top = Math.max(0, scrollTop - overscan);
	const bottom = scrollTop + viewport + overscan;
	let first = -1;
	let last = -1;
	let before = 0;
	let after = 0;
	let y = 0;
	for (let i = 0; i < count; i++) {
		const height = blockHeight(i, lines, measured, lineHeight);
		if (y + height <= top) before += height;
		else if (y < bottom) {
			if (first === -1) first = i;
			last = i;
		} else after += height;
		y += height;
	}
	if (count === 0) return { first: 0, last: -1, before: 0, after: 0 };
	if (first === -1) {
		// Scrolled past the end (the lines were just cut by a filter): show the last block.
		const height = blockHeight(count - 1, lines, measured, lineHeight);
		return { first: count - 1, last: count - 1, before: y - height, after: 0 };
	}
	return { first, last, before, after };
}
