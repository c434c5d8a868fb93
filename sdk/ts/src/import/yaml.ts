/**
 * A reader for flat YAML mappings — MLflow's `meta.yaml` files, written by PyYAML's `safe_dump` —
 * and nothing more: top-level `key: scalar` lines, where a scalar is plain, 'single-quoted' or
 * "double-quoted", possibly folded onto indented continuation lines. Nested mappings and lists
 * (`tags: []`, indented blocks) are skipped; a key seen twice keeps its last value.
 */

export type YamlScalar = string | number | boolean | null;

export function parseFlatYaml(text: string): Map<string, YamlScalar> {
	const values = new Map<string, YamlScalar>();
	const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i];
		const match = /^([A-Za-z_][\w.-]*):(?:[ \t]+(.*))?$/.exec(line);
		if (!match) continue;
		let raw = (match[2] ?? '').trimEnd();
		// A long scalar continues on lines indented under its key.
		while (i + 1 < lines.length && /^[ \t]+\S/.test(lines[i + 1]) && !/^[ \t]*- /.test(lines[i + 1])) {
			raw += `\n${lines[++i].trim()}`;
		}
		const value = scalar(raw);
		if (value !== undefined) values.set(match[1], value);
	}
	return values;
}

/** undefined: not a scalar (a nested block, a list, a comment). */
function scalar(raw: string): YamlScalar | undefined {
	if (raw.startsWith("'")) return singleQuoted(raw);
	if (raw.startsWith('"')) return doubleQuoted(raw);
	const text = raw.replace(/\s+#.*$/, '');
	if (text.startsWith('[') || text.startsWith('{') || text.startsWith('#') || text === '|' || text === '>')
		return undefined;
	const folded = fold(text);
	if (folded === '' || folded === '~' || folded === 'null' || folded === 'Null' || folded === 'NULL')
		return null;
	if (/^(true|True|TRUE)$/.test(folded)) return true;
	if (/^(false|False|FALSE)$/.test(folded)) return false;
	if (/^[-+]?\d+$/.test(folded)) return Number(folded);
	if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(folded)) return Number(folded);
	return folded;
}

/** Line breaks inside a flow scalar read as one space; an empty line as a newline. */
function fold(text: string): string {
	return text
		.split('\n')
		.map((part) => part.trim())
		.reduce((joined, part, index) => {
			if (index === 0) return part;
			if (part === '') return `${joined}\n`;
			return joined.endsWith('\n') ? joined + part : `${joined} ${part}`;
		}, '');
}

function singleQuoted(raw: string): string {
	const end = raw.lastIndexOf("'");
	const body = end > 0 ? raw.slice(1, end) : raw.slice(1);
	return fold(body).replaceAll("''", "'");
}

const ESCAPES: Record<string, string> = {
	'0': '\0',
	a: '\x07',
	b: '\b',
	t: '\t',
	'\t': '\t',
	n: '\n',
	v: '\v',
	f: '\f',
	r: '\r',
	e: '\x1b',
	' ': ' ',
	'"': '"',
	'/': '/',
	'\\': '\\',
	N: '\u0085',
	_: '\u00a0',
	L: '\u2028',
	P: '\u2029'
};

function doubleQuoted(raw: string): string {
	const end = raw.lastIndexOf('"');
	// A backslash at the end of a line continues it without a space.
	const body = (end > 0 ? raw.slice(1, end) : raw.slice(1)).replace(/\\\n\s*/g, '');
	const folded = fold(body);
	return folded.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, escape: string) => {
		if (escape.length > 1) return String.fromCodePoint(Number.parseInt(escape.slice(1), 16));
		return ESCAPES[escape] ?? escape;
	});
}
