/**
 * CSV cells (RFC 4180) for exports that people open in spreadsheets. Numbers are written as they
 * are; text is made inert, because Excel, LibreOffice and Google Sheets evaluate a cell that starts
 * with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula: a metric named
 * `-2+3` would show 1, and `-HYPERLINK(...)` would be a link. OWASP's recipe: such a cell gets a
 * leading single quote and is quoted.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text cell: inert if it could start a formula, quoted when it must be. */
export function csvText(text: string): string {
	if (FORMULA_START.test(text)) return quoted(`'${text}`);
	return NEEDS_QUOTES.test(text) ? quoted(text) : text;
}

function quoted(text: string): string {
	return `"${text.replaceAll('"', '""')}"`;
}

/** One CSV line (CRLF-terminated) of cells that are already encoded. */
export const csvLine = (cells: string[]): string => `${cells.join(',')}\r\n`;
