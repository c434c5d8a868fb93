/**
 * Autocomplete for the query bar: given the text, the cursor and the workspace's keys, what could
 * go at the cursor. Deliberately forgiving — it reads only the tokens before the cursor, so it
 * helps while the query is still half-written and does not parse.
 */
import { formatKey, RUN_FIELDS, RUN_STATUSES, type RunField } from '$contracts/query/ast';

export interface WorkspaceKeys {
	hyperparams: string[];
	metrics: string[];
	results: string[];
	tags: string[];
}

export interface Suggestion {
	/** What the list shows. */
	label: string;
	/** What replaces the word at the cursor. */
	insert: string;
	/** A short note: the key's kind, a field's meaning. */
	detail?: string;
}

export type SuggestionContext =
	| { kind: 'key' }
	| { kind: 'operator'; key: string }
	| { kind: 'value'; key: string }
	| { kind: 'connective' };

export interface Suggestions {
	context: SuggestionContext;
	/** The word being completed: text[from, to) is replaced by a suggestion's `insert`. */
	from: number;
	to: number;
	items: Suggestion[];
}

const MAX_SUGGESTIONS = 50;
const OPERATORS = ['<=', '>=', '!=', '=', '<', '>', '~'];
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'has']);
const WORD_END = /[\s()=,!<>~"']/;

interface Token {
	kind: 'word' | 'string' | 'op' | '(' | ')' | ',';
	text: string;
	start: number;
	end: number;
}

/** A lenient lexer: an unclosed string runs to the end instead of failing. */
function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		const start = i;
		if (/\s/.test(c)) {
			i++;
		} else if (c === '(' || c === ')' || c === ',') {
			tokens.push({ kind: c, text: c, start, end: ++i });
		} else if (c === '"' || c === "'") {
			i++;
			while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
			i = Math.min(text.length, i + 1);
			tokens.push({ kind: 'string', text: text.slice(start, i), start, end: i });
		} else {
			const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
			if (op || c === '!') {
				i += op ? op.length : 1;
				tokens.push({ kind: 'op', text: text.slice(start, i), start, end: i });
				continue;
			}
			// A key may quote its name: metric."val/loss".min is one word.
			while (i < text.length) {
				if (text[i] === '"' && text[i - 1] === '.') {
					i++;
					while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
					i = Math.min(text.length, i + 1);
				} else if (WORD_END.test(text[i])) break;
				else i++;
			}
			tokens.push({ kind: 'word', text: text.slice(start, i), start, end: i });
		}
	}
	return tokens;
}

const isKeyword = (token: Token | undefined, word: string) =>
	token?.kind === 'word' && token.text.toLowerCase() === word;

/** Where the cursor is in the grammar, judged from the tokens before the word being typed. */
function contextBefore(tokens: Token[]): SuggestionContext {
	const last = tokens.at(-1);
	if (
		!last ||
		last.kind === '(' ||
		(last.kind === 'word' && ['and', 'or', 'not', 'has'].includes(last.text.toLowerCase()))
	) {
		// `x in (` and `x in (a,` take values, not keys.
		const list = openListKey(tokens);
		return list ? { kind: 'value', key: list } : { kind: 'key' };
	}
	if (last.kind === ',') {
		const list = openListKey(tokens);
		return list ? { kind: 'value', key: list } : { kind: 'connective' };
	}
	if (last.kind === 'op') {
		const key = tokens.at(-2);
		return key?.kind === 'word' ? { kind: 'value', key: key.text } : { kind: 'key' };
	}
	if (last.kind === 'word' && !KEYWORDS.has(last.text.toLowerCase())) {
		const before = tokens.at(-2);
		const startsClause =
			!before ||
			before.kind === '(' ||
			(before.kind === 'word' && ['and', 'or', 'not'].includes(before.text.toLowerCase()));
		if (startsClause) return { kind: 'operator', key: last.text };
	}
	return { kind: 'connective' };
}

/** The key of the `in (` list the tokens end inside, if they do. */
function openListKey(tokens: Token[]): string | undefined {
	for (let i = tokens.length - 1; i >= 0; i--) {
		const token = tokens[i];
		if (token.kind === ')') return undefined;
		if (token.kind === '(') {
			if (!isKeyword(tokens[i - 1], 'in')) return undefined;
			const keyIndex = isKeyword(tokens[i - 2], 'not') ? i - 3 : i - 2;
			const key = tokens[keyIndex];
			return key?.kind === 'word' ? key.text : undefined;
		}
	}
	return undefined;
}

const FIELD_DETAILS: Record<RunField, string> = {
	name: 'text',
	description: 'text',
	notes: 'markdown notes',
	tag: 'tags',
	status: 'running, finished, failed, crashed',
	created: 'date: 2026-11-01, -7d',
	updated: 'date: 2026-11-01, -7d',
	duration: 'duration: 90s, 1h30m',
	creator: "creator's email",
	project: 'project name',
	'git.commit': 'git commit at start',
	'git.branch': 'git branch',
	'git.remote': 'git remote URL',
	'git.dirty': 'true: uncommitted changes',
	host: 'machine name',
	os: 'operating system',
	runtime: 'e.g. "python 3.11.7"',
	cwd: 'working directory',
	command: 'command line',
	gpu: 'GPU names (like tags)',
	cpus: 'CPU count',
	memory: 'memory in bytes'
};

/** Every key the workspace offers, in the order the list shows them. */
export function allKeys(keys: WorkspaceKeys): Suggestion[] {
	return [
		...RUN_FIELDS.map((field) => ({ label: field, insert: field, detail: FIELD_DETAILS[field] })),
		...keys.hyperparams.map((name) => {
			const key = formatKey({ kind: 'hp', name });
			return { label: key, insert: key, detail: 'hyperparameter' };
		}),
		...keys.metrics.flatMap((name) =>
			(['last', 'min', 'max'] as const).map((aggregate) => {
				const key = formatKey({ kind: 'metric', name, aggregate });
				return { label: key, insert: key, detail: `metric, ${aggregate} value` };
			})
		),
		...keys.results.map((name) => {
			const key = formatKey({ kind: 'result', name });
			return { label: key, insert: key, detail: 'result' };
		})
	];
}

/** Text compared while matching: case and quotes do not matter (`hp.b` finds `hp."batch size"`). */
const plain = (text: string) => text.toLowerCase().replace(/["']/g, '');

/** Prefix matches first, then matches anywhere. */
function rank(items: Suggestion[], typed: string): Suggestion[] {
	const needle = plain(typed);
	if (!needle) return items.slice(0, MAX_SUGGESTIONS);
	const prefix = items.filter((item) => plain(item.label).startsWith(needle));
	const inside = items.filter(
		(item) => !plain(item.label).startsWith(needle) && plain(item.label).includes(needle)
	);
	return [...prefix, ...inside].filter((item) => item.insert !== typed).slice(0, MAX_SUGGESTIONS);
}

/** A value as the query language writes it: numbers and booleans bare, text quoted. */
export function valueLiteral(value: string | number | boolean): string {
	return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Keys whose values are worth fetching from the server (`api.keys.values`). */
export function fetchesValues(key: string): boolean {
	return key === 'tag' || key.startsWith('hp.');
}

/**
 * What the bar offers at `cursor`. `values` are the known values of the key left of the cursor
 * (`status` needs none: its values are fixed), fetched by the caller when `context.kind` is
 * `value` and `fetchesValues(context.key)`.
 */
export function suggest(
	text: string,
	cursor: number,
	keys: WorkspaceKeys,
	values: readonly (string | number | boolean)[] = []
): Suggestions {
	const tokens = tokenize(text.slice(0, cursor));
	// The word under the cursor (if the cursor touches one) is what gets completed.
	const current = tokens.at(-1);
	const typing = current && current.end === cursor && (current.kind === 'word' || current.kind === 'string');
	const before = typing ? tokens.slice(0, -1) : tokens;
	const from = typing ? current.start : cursor;
	let to = cursor;
	// Replace the rest of the word too when completing in the middle of one.
	while (to < text.length && !WORD_END.test(text[to])) to++;
	const typed = typing ? current.text : '';
	const context = contextBefore(before);

	let items: Suggestion[];
	switch (context.kind) {
		case 'key':
			items = rank(allKeys(keys), typed);
			break;
		case 'operator':
			items = rank(
				['=', '!=', '<', '<=', '>', '>=', '~', 'in (', 'not in ('].map((op) => ({ label: op, insert: op })),
				typed
			);
			break;
		case 'value': {
			const known: (string | number | boolean)[] =
				context.key.toLowerCase() === 'status' ? [...RUN_STATUSES] : [...values];
			items = rank(
				known.map((value) => ({ label: String(value), insert: valueLiteral(value) })),
				typed
			);
			break;
		}
		case 'connective':
			items = rank(
				['and', 'or'].map((word) => ({ label: word, insert: word })),
				typed
			);
			break;
	}
	return { context, from, to, items };
}

/** The text with a suggestion applied, and where the cursor goes (after a separating space). */
export function applySuggestion(
	text: string,
	suggestions: Pick<Suggestions, 'from' | 'to'>,
	item: Suggestion
): { text: string; cursor: number } {
	const head = text.slice(0, suggestions.from) + item.insert;
	const tail = text.slice(suggestions.to);
	const spacer = item.insert.endsWith('(') || tail.startsWith(' ') ? '' : ' ';
	return { text: head + spacer + tail, cursor: head.length + (spacer ? 1 : tail.startsWith(' ') ? 1 : 0) };
}
