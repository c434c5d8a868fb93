/** Plain-text output for the CLI: aligned columns, short dates. */

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
	const widths = header.map((title, column) =>
		Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length))
	);
	return [header, ...rows]
		.map((row) =>
			row
				.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
				.join('  ')
				.trimEnd()
		)
		.join('\n');
}

/** `2030-01-02 03:04` in UTC, so output is the same on every machine. */
export function shortDate(iso: string | null | undefined): string {
	if (!iso) return '';
	const date = new Date(iso);
	return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace('T', ' ');
}

export function formatNumber(value: number | null | undefined): string {
	if (value === null || value === undefined) return '';
	return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
