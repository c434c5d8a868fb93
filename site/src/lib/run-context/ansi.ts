/**
 * Console lines keep the ANSI colours the run printed. They are parsed here into plain segments
 * (text plus a colour and weight) that the page renders as text nodes, so nothing a run prints can
 * become markup. SGR sequences (`ESC [ … m`) set the style; every other escape sequence and
 * control character is dropped.
 */

export interface AnsiStyle {
	/** CSS colours (`#rrggbb`), or null for the console's own. */
	fg: string | null;
	bg: string | null;
	bold: boolean;
}

export interface AnsiSegment extends AnsiStyle {
	text: string;
}

/** The 16 basic colours, readable on the console's dark background (VS Code's terminal palette). */
const BASIC = [
	'#000000',
	'#cd3131',
	'#0dbc79',
	'#e5e510',
	'#2472c8',
	'#bc3fbc',
	'#11a8cd',
	'#e5e5e5',
	'#666666',
	'#f14c4c',
	'#23d18b',
	'#f5f543',
	'#3b8eea',
	'#d670d6',
	'#29b8db',
	'#ffffff'
];

const CUBE = [0, 95, 135, 175, 215, 255];

function hex(r: number, g: number, b: number): string {
	return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** One of the 256 xterm colours: 16 basic, a 6×6×6 cube, 24 greys. */
export function color256(n: number): string {
	if (n < 16) return BASIC[n];
	if (n < 232) {
		const i = n - 16;
		return hex(CUBE[Math.floor(i / 36)], CUBE[Math.floor(i / 6) % 6], CUBE[i % 6]);
	}
	const grey = 8 + 10 * (n - 232);
	return hex(grey, grey, grey);
}

const PLAIN: AnsiStyle = { fg: null, bg: null, bold: false };

const byte = (value: number | undefined): value is number =>
	value !== undefined && Number.isInteger(value) && value >= 0 && value <= 255;

/**
 * The colour a `38`/`48` extension names, read from `params` at `at` (just after the 38/48), and
 * how many parameters it used. A malformed one uses the rest, so its numbers are not misread as
 * other attributes.
 */
function extendedColor(params: number[], at: number): { color: string | null; used: number } {
	const mode = params[at];
	if (mode === 5) {
		const n = params[at + 1];
		return byte(n) ? { color: color256(n), used: 2 } : { color: null, used: params.length };
	}
	if (mode === 2) {
		const [r, g, b] = params.slice(at + 1, at + 4);
		return byte(r) && byte(g) && byte(b)
			? { color: hex(r, g, b), used: 4 }
			: { color: null, used: params.length };
	}
	return { color: null, used: params.length };
}

/** The style after one SGR sequence's parameters (empty: a reset). */
export function applySgr(style: AnsiStyle, params: number[]): AnsiStyle {
	if (params.length === 0) return PLAIN;
	let next = { ...style };
	for (let i = 0; i < params.length; i++) {
		const p = params[i];
		if (p === 0) next = { ...PLAIN };
		else if (p === 1) next.bold = true;
		else if (p === 22) next.bold = false;
		else if (p >= 30 && p <= 37) next.fg = BASIC[p - 30];
		else if (p >= 90 && p <= 97) next.fg = BASIC[p - 90 + 8];
		else if (p === 39) next.fg = null;
		else if (p >= 40 && p <= 47) next.bg = BASIC[p - 40];
		else if (p >= 100 && p <= 107) next.bg = BASIC[p - 100 + 8];
		else if (p === 49) next.bg = null;
		else if (p === 38 || p === 48) {
			const { color, used } = extendedColor(params, i + 1);
			if (color) next[p === 38 ? 'fg' : 'bg'] = color;
			i += used;
		}
		// Italic, underline, blink and the rest are left out: the console shows colour and weight.
	}
	return next;
}

// CSI (ESC [ params intermediates final), OSC (ESC ] … BEL or ESC \), other two-byte escapes, a lone
// ESC, a carriage return, or a run of other control characters (tab and newline are kept as text).
const SEQUENCE =
	// eslint-disable-next-line no-control-regex -- escape and control characters are what this matches
	/\u001b\[([0-?]*)([ -/]*)([@-~]?)|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]?|\r|[\u0000-\u0008\u000b\u000c\u000e-\u001a\u001c-\u001f\u007f\u009b]+/g;

/**
 * A printed line as styled segments, empty ones left out. A carriage return starts the line over,
 * as a terminal would show a progress bar: only the text after the last one is kept.
 */
export function parseAnsi(line: string, initial: AnsiStyle = PLAIN): AnsiSegment[] {
	const segments: AnsiSegment[] = [];
	let style = initial;
	// Set by a carriage return; the next text then replaces what came before (`abc\r` alone keeps abc).
	let returned = false;
	const push = (text: string) => {
		if (!text) return;
		if (returned) segments.length = 0;
		returned = false;
		const last = segments.at(-1);
		if (last && last.fg === style.fg && last.bg === style.bg && last.bold === style.bold) last.text += text;
		else segments.push({ text, ...style });
	};
	let at = 0;
	for (const match of line.matchAll(SEQUENCE)) {
		push(line.slice(at, match.index));
		at = match.index + match[0].length;
		const [sequence, params, intermediates, final] = match;
		if (sequence === '\r') returned = true;
		else if (final === 'm' && !intermediates && /^[0-9;:]*$/.test(params)) {
			style = applySgr(
				style,
				params === '' ? [] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)))
			);
		}
	}
	push(line.slice(at));
	return segments;
}

/** The line's text without any escape sequence: for search matches and downloads. */
export function stripAnsi(line: string): string {
	return parseAnsi(line)
		.map((segment) => segment.text)
		.join('');
}

export interface MarkedSegment extends AnsiSegment {
	/** Part of a search match. */
	mark: boolean;
}

/** The segments cut where `query` (case-insensitive) matches, so the matches can be highlighted. */
export function markMatches(segments: AnsiSegment[], query: string): MarkedSegment[] {
	const text = segments.map((segment) => segment.text).join('');
	const ranges: [number, number][] = [];
	if (query) {
		const pattern = new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
		for (const match of text.matchAll(pattern)) ranges.push([match.index, match.index + match[0].length]);
	}
	const marked: MarkedSegment[] = [];
	let start = 0;
	for (const segment of segments) {
		const end = start + segment.text.length;
		// The cut points inside this segment: its ends and every range edge between them.
		const cuts = [start, end, ...ranges.flat().filter((edge) => edge > start && edge < end)].sort(
			(a, b) => a - b
		);
		for (let i = 0; i < cuts.length - 1; i++) {
			const [from, to] = [cuts[i], cuts[i + 1]];
			if (from === to) continue;
			const mark = ranges.some(([a, b]) => a <= from && to <= b);
			marked.push({ ...segment, text: text.slice(from, to), mark });
		}
		start = end;
	}
	return marked;
}
