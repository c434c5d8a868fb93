/**
 * The one table every run prints, and the dated row set appended to bench/RESULTS.md with the
 * commit and database it measured.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../server/paths.ts';
import type { BenchRow } from './types.ts';

export const resultsFile = join(repoRoot, 'bench', 'RESULTS.md');

const HEADER = ['benchmark', 'metric', 'ours', 'baseline', 'ratio', 'unit', 'goal', 'met?', 'note'];

/**
 * ours / baseline, unless the benchmark chose its own ratio; null (shown as —) without a baseline
 * or where a ratio means nothing (a benchmark sets `ratio: NaN`, e.g. for error counts).
 */
export function ratioOf(row: BenchRow): number | null {
	const ratio = row.ratio ?? (row.baseline === null || row.baseline === 0 ? null : row.ours / row.baseline);
	return ratio === null || !Number.isFinite(ratio) ? null : ratio;
}

export function formatNumber(value: number | null): string {
	if (value === null || !Number.isFinite(value)) return '—';
	if (Number.isInteger(value)) return value.toLocaleString('en-US');
	const magnitude = Math.abs(value);
	if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
	if (magnitude >= 100) return value.toFixed(0);
	if (magnitude >= 10) return value.toFixed(1);
	return value.toFixed(2);
}

function cells(row: BenchRow): string[] {
	const ratio = ratioOf(row);
	return [
		row.benchmark,
		row.metric,
		formatNumber(row.ours),
		formatNumber(row.baseline),
		ratio === null ? '—' : `${ratio.toFixed(2)}×`,
		row.unit,
		row.goal ?? '',
		row.met === undefined ? '' : row.met ? 'yes' : 'NO',
		row.note ?? ''
	];
}

/** The table as aligned plain text for the terminal. */
export function textTable(rows: BenchRow[]): string {
	const table = [HEADER, ...rows.map(cells)];
	const widths = HEADER.map((_, column) => Math.max(...table.map((line) => line[column].length)));
	const numeric = new Set([2, 3, 4]);
	return table
		.map((line) =>
			line
				.map((cell, column) =>
					numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column])
				)
				.join('  ')
				.trimEnd()
		)
		.join('\n');
}

/** The table as Markdown (RESULTS.md, the README's Performance section). */
export function markdownTable(rows: BenchRow[]): string {
	const escape = (cell: string) => cell.replaceAll('|', '\\|');
	const lines = [
		`| ${HEADER.join(' | ')} |`,
		`| ${HEADER.map((_, column) => ([2, 3, 4].includes(column) ? '---:' : '---')).join(' | ')} |`,
		...rows.map((row) => `| ${cells(row).map(escape).join(' | ')} |`)
	];
	return lines.join('\n');
}

/** `abc1234` or `abc1234-dirty` (uncommitted changes in the tree that was measured). */
export function commitLabel(): string {
	try {
		const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
		const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: repoRoot }).toString().trim() !== '';
		return dirty ? `${commit}-dirty` : commit;
	} catch {
		return 'unknown';
	}
}

export interface RunInfo {
	database: string;
	/** What was run, e.g. `all` or `p1-api`. */
	selection: string;
}

export function appendResults(rows: BenchRow[], info: RunInfo): string {
	if (!existsSync(resultsFile)) {
		writeFileSync(
			resultsFile,
			'# Benchmark results\n\nAppended by `npm run bench` (and `npm run bench:<name>`), newest last. ' +
				'See [README.md](README.md) for what each row measures and how to read the ratios.\n'
		);
	}
	const heading =
		`## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — commit ${commitLabel()} — ${info.database}` +
		` — ${info.selection}`;
	const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}`;
	const section = `\n${heading}\n\n${machine}\n\n${markdownTable(rows)}\n`;
	appendFileSync(resultsFile, section);
	return section;
}
