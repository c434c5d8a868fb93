/** Plain-text output for the CLI: aligned columns, short dates, nothing a terminal would execute. */

/**
 * What a terminal would act on instead of showing: C0 controls (ESC starts the sequences that
 * retitle a window, write the clipboard or fake a link; BEL ends them), DEL, C1 controls (U+009B
 * is a one-character CSI on some terminals), line and paragraph separators, and the bidi
 * controls that reorder the text around them.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

function escaped(char: string): string {
	const code = char.charCodeAt(0);
	if (char === '\n') return '\\n';
	if (char === '\t') return '\\t';
	if (char === '\r') return '\\r';
	return code < 0x100
		? `\\x${code.toString(16).padStart(2, '0')}`
		: `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text from the server made safe to print: every unprintable character shown as an escape
 * (`\x1b`, `\u202e`), so a name can neither drive the terminal nor pass for another name.
 * `multiLine` keeps line breaks and tabs, for text printed as several lines on purpose
 * (descriptions, messages); a CRLF there is printed as a line break.
 */
export function printable(text: string, { multiLine = false } = {}): string {
	const source = multiLine ? text.replace(/\r\n/g, '\n') : text;
	return source.replace(UNPRINTABLE, (char) =>
		multiLine && (char === '\n' || char === '\t') ? char : escaped(char)
	);
}

/** UNPRINTABLE less the C0 controls, which JSON.stringify escapes (its own line breaks are layout). */
const UNESCAPED_BY_JSON = /[\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but writes DEL, C1 and the bidi controls
 * as they are; here they become `\u` escapes too, which parse back to the same value.
 */
export function terminalJson(value: unknown): string {
	return JSON.stringify(value, null, 2).replace(
		UNESCAPED_BY_JSON,
		(char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
	);
}

/** Columns padded to their widest cell; the last column is not padded. Cells are made printable. */
export function table(header: string[], rawRows: string[][]): string {
	const rows = rawRows.map((row) => row.map((cell) => printable(cell)));
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

/**
 * A CSV text cell (RFC 4180) made inert for spreadsheets, as the server's exports are: a cell that
 * Excel, LibreOffice or Sheets would evaluate as a formula (starting with `=`, `+`, `-`, `@`, a tab
 * or a carriage return) gets a leading `'` and quotes; one holding `"`, `,` or a line break is
 * quoted.
 */
export function csvText(text: string): string {
	if (/^[=+\-@\t\r]/.test(text)) return `"'${text.replaceAll('"', '""')}"`;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV cell for a value: numbers and booleans as they are, text made inert, nothing as empty. */
export function csvCell(value: string | number | boolean | null | undefined): string {
	if (value === null || value === undefined) return '';
	return typeof value === 'string' ? csvText(value) : String(value);
}
