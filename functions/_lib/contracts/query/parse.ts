/**
 * Query text → typed tree. A hand-written recursive-descent parser over a small lexer: every
 * error carries the 1-based column it was found at, and every literal is checked against its
 * key's type here, so nothing ill-typed reaches a compiler. Bounded by QUERY_LIMITS.
 *
 *   query      := or?
 *   or         := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := 'not' unary | '(' or ')' | 'has' key | key tail
 *   tail       := op value | 'in' list | 'not' 'in' list
 *   list       := '(' value (',' value)* ')'
 *   key        := field | 'hp.' name | 'result.' name | 'metric.' name ('.' aggregate)?
 *   name       := bare | "quoted"
 */
import {
	METRIC_AGGREGATES,
	QUERY_LIMITS,
	QuerySyntaxError,
	formatKey,
	isContextField,
	LIST_FIELDS,
	RUN_FIELDS,
	RUN_STATUSES,
	type ComparisonOperator,
	type Expr,
	type Key,
	type Literal,
	type MetricAggregate,
	type RunField
} from './ast.ts';

interface Token {
	kind: 'word' | 'string' | 'op' | '(' | ')' | ',' | 'end';
	text: string;
	/** The string's value (escapes resolved) for `string` tokens; the text otherwise. */
	value: string;
	/** 0-based offsets in the query text. */
	start: number;
	end: number;
}

const OPERATORS = ['<=', '>=', '!=', '=', '<', '>', '~'] as const;
/** Characters that end a bare word. */
const WORD_END = /[\s()=,!<>~"']/;

function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (/\s/.test(c)) {
			i++;
			continue;
		}
		const start = i;
		if (c === '(' || c === ')' || c === ',') {
			tokens.push({ kind: c, text: c, value: c, start, end: ++i });
			continue;
		}
		const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
		if (op) {
			i += op.length;
			tokens.push({ kind: 'op', text: op, value: op, start, end: i });
			continue;
		}
		if (c === '!') throw new QuerySyntaxError(start + 1, "'!' must be followed by '=' (or use 'not')");
		if (c === '"' || c === "'") {
			const { value, end } = readString(text, i);
			tokens.push({ kind: 'string', text: text.slice(start, end), value, start, end });
			i = end;
			continue;
		}
		while (i < text.length && !WORD_END.test(text[i])) i++;
		const word = text.slice(start, i);
		tokens.push({ kind: 'word', text: word, value: word, start, end: i });
	}
	tokens.push({ kind: 'end', text: '', value: '', start: text.length, end: text.length });
	return tokens;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" };

function readString(text: string, open: number): { value: string; end: number } {
	const quote = text[open];
	let value = '';
	for (let i = open + 1; i < text.length; i++) {
		const c = text[i];
		if (c === quote) return { value, end: i + 1 };
		if (c === '\\') {
			const escaped = ESCAPES[text[i + 1]];
			if (escaped === undefined) {
				throw new QuerySyntaxError(
					i + 1,
					`unknown escape '\\${text[i + 1] ?? ''}' (use \\\\, \\${quote}, \\n or \\t)`
				);
			}
			value += escaped;
			i++;
		} else value += c;
	}
	throw new QuerySyntaxError(open + 1, `string is not closed: add ${quote}`);
}

export interface ParseOptions {
	/** "Now" for relative dates (`-7d`), in ms since the epoch. */
	now?: number;
}

/**
 * Parses query text. Empty (or blank) text is no filter: `undefined`. Throws QuerySyntaxError
 * with the column of the first problem.
 */
export function parseQuery(text: string, options: ParseOptions = {}): Expr | undefined {
	if (text.length > QUERY_LIMITS.length) {
		throw new QuerySyntaxError(
			QUERY_LIMITS.length + 1,
			`a query is at most ${QUERY_LIMITS.length} characters`
		);
	}
	const parser = new Parser(tokenize(text), options.now ?? Date.now());
	return parser.query();
}

/** A sort or column key on its own (`metric."val/loss".min`). */
export function parseKey(text: string): Key {
	const parser = new Parser(tokenize(text), Date.now());
	return parser.keyOnly();
}

/** A key runs can be ordered by: any key but `tag` (a run has several). */
export function parseSortKey(text: string): Key {
	const key = parseKey(text);
	if (key.kind === 'field' && LIST_FIELDS.includes(key.field)) {
		throw new QuerySyntaxError(1, `runs cannot be sorted by ${key.field}; filter by it instead`);
	}
	return key;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'has']);
const isKeyword = (token: Token, word: string) => token.kind === 'word' && token.text.toLowerCase() === word;
/** A literal: a string, or a bare word that is not a keyword (quote a tag named "and"). */
const isValue = (token: Token) =>
	token.kind === 'string' || (token.kind === 'word' && !KEYWORDS.has(token.text.toLowerCase()));

class Parser {
	private position = 0;
	private depth = 0;
	private clauses = 0;

	constructor(
		private readonly tokens: Token[],
		private readonly now: number
	) {}

	query(): Expr | undefined {
		if (this.peek().kind === 'end') return undefined;
		const expr = this.or();
		const next = this.peek();
		if (next.kind !== 'end') {
			const hint =
				next.kind === ')' ? "unmatched ')'" : `expected 'and', 'or' or the end, found ${describe(next)}`;
			throw this.error(next, hint);
		}
		return expr;
	}

	keyOnly(): Key {
		const key = this.key();
		const next = this.peek();
		if (next.kind !== 'end') throw this.error(next, `unexpected ${describe(next)} after the key`);
		return key;
	}

	private or(): Expr {
		const items = [this.and()];
		while (isKeyword(this.peek(), 'or')) {
			this.next();
			items.push(this.and());
		}
		return items.length === 1 ? items[0] : { kind: 'or', items };
	}

	private and(): Expr {
		const items = [this.unary()];
		while (isKeyword(this.peek(), 'and')) {
			this.next();
			items.push(this.unary());
		}
		return items.length === 1 ? items[0] : { kind: 'and', items };
	}

	private unary(): Expr {
		const token = this.peek();
		if (isKeyword(token, 'not')) {
			this.next();
			return this.nested(token, () => ({ kind: 'not', item: this.unary() }));
		}
		if (token.kind === '(') {
			this.next();
			const expr = this.nested(token, () => this.or());
			this.expect(')', "expected ')' to close the '(' at col " + (token.start + 1));
			return expr;
		}
		this.countClause(token);
		if (isKeyword(token, 'has')) {
			this.next();
			const key = this.key();
			if (key.kind === 'field' && key.field !== 'project' && !isContextField(key.field))
				throw this.error(
					token,
					"'has' applies to hp.<name>, result.<name>, metric.<name>, project and the context keys (git.commit, host, ...)"
				);
			return { kind: 'has', key };
		}
		return this.comparison();
	}

	private comparison(): Expr {
		const key = this.key();
		const type = keyType(key);
		const operator = this.peek();
		if (isKeyword(operator, 'in') || (isKeyword(operator, 'not') && isKeyword(this.peek(1), 'in'))) {
			const negated = isKeyword(operator, 'not');
			this.next();
			if (negated) this.next();
			if (!ALLOWS_IN.has(type)) throw this.error(operator, `'in' does not apply to ${formatKey(key)}`);
			return { kind: 'in', key, negated, values: this.list(key, type) };
		}
		if (operator.kind !== 'op') {
			throw this.error(
				operator,
				`expected an operator after '${formatKey(key)}' (=, !=, <, <=, >, >=, ~, in, not in), found ${describe(operator)}`
			);
		}
		this.next();
		const op = operator.text as ComparisonOperator;
		const valueToken = this.peek();
		if (!isValue(valueToken)) throw this.error(valueToken, `expected a value after '${op}'`);
		this.next();
		const value = literalFor(key, type, valueToken, this.now, (message) => this.error(valueToken, message));
		checkOperator(op, type, value, (message) => this.error(operator, message), formatKey(key));
		return { kind: 'compare', key, op, value };
	}

	private list(key: Key, type: KeyType): Literal[] {
		this.expect('(', "expected '(' to open the list of values");
		const values: Literal[] = [];
		for (;;) {
			const token = this.peek();
			if (!isValue(token)) throw this.error(token, 'expected a value in the list');
			this.next();
			values.push(literalFor(key, type, token, this.now, (message) => this.error(token, message)));
			if (values.length > QUERY_LIMITS.listValues) {
				throw this.error(token, `a list holds at most ${QUERY_LIMITS.listValues} values`);
			}
			const separator = this.next();
			if (separator.kind === ')') return values;
			if (separator.kind !== ',') throw this.error(separator, "expected ',' or ')' in the list");
		}
	}

	/** Adjacent words and strings make one key: `metric."val/loss".min`. */
	private key(): Key {
		const first = this.peek();
		if (first.kind !== 'word' || KEYWORDS.has(first.text.toLowerCase())) {
			throw this.error(
				first,
				`expected a key (name, tag, status, hp.<name>, metric.<name>.min, ...), found ${describe(first)}`
			);
		}
		const parts: Token[] = [this.next()];
		while (
			(this.peek().kind === 'word' || this.peek().kind === 'string') &&
			this.peek().start === parts.at(-1)!.end
		) {
			parts.push(this.next());
		}
		return resolveKey(parts, (token, message) => this.error(token, message));
	}

	private nested<T>(token: Token, parse: () => T): T {
		if (++this.depth > QUERY_LIMITS.depth) {
			throw this.error(token, `a query nests at most ${QUERY_LIMITS.depth} levels of parentheses and 'not'`);
		}
		const result = parse();
		this.depth--;
		return result;
	}

	private countClause(token: Token): void {
		if (++this.clauses > QUERY_LIMITS.clauses) {
			throw this.error(token, `a query holds at most ${QUERY_LIMITS.clauses} conditions`);
		}
	}

	private expect(kind: Token['kind'], message: string): Token {
		const token = this.peek();
		if (token.kind !== kind) throw this.error(token, `${message}, found ${describe(token)}`);
		return this.next();
	}

	private peek(ahead = 0): Token {
		return this.tokens[Math.min(this.position + ahead, this.tokens.length - 1)];
	}

	private next(): Token {
		const token = this.peek();
		if (token.kind !== 'end') this.position++;
		return token;
	}

	private error(token: Token, message: string): QuerySyntaxError {
		return new QuerySyntaxError(token.start + 1, message);
	}
}

function describe(token: Token): string {
	return token.kind === 'end' ? 'the end of the query' : `'${token.text}'`;
}

const KNOWN_KEYS = `${RUN_FIELDS.join(', ')}, hp.<name>, result.<name>, metric.<name>.<${METRIC_AGGREGATES.join('|')}>`;

function resolveKey(parts: Token[], fail: (token: Token, message: string) => QuerySyntaxError): Key {
	const [first, ...rest] = parts;
	// Fields with a dot of their own (`git.commit`) before the `hp.`/`result.`/`metric.` prefixes.
	if (!rest.length && (RUN_FIELDS as readonly string[]).includes(first.text)) {
		return { kind: 'field', field: first.text as RunField };
	}
	const dot = first.text.indexOf('.');
	const prefix = dot === -1 ? first.text : first.text.slice(0, dot);
	if (dot === -1) {
		if (rest.length || !(RUN_FIELDS as readonly string[]).includes(prefix)) {
			throw fail(first, `unknown key '${parts.map((p) => p.text).join('')}'; keys are ${KNOWN_KEYS}`);
		}
		return { kind: 'field', field: prefix as RunField };
	}
	if (prefix !== 'hp' && prefix !== 'result' && prefix !== 'metric') {
		throw fail(first, `unknown key '${prefix}'; keys are ${KNOWN_KEYS}`);
	}
	const bare = first.text.slice(dot + 1);
	let name: string;
	let aggregateText: string | undefined;
	if (bare === '') {
		// `metric."val/loss".min`: a quoted name, then for metrics an optional `.aggregate`.
		const [quoted, suffix, ...extra] = rest;
		if (quoted?.kind !== 'string' || quoted.value === '')
			throw fail(first, `expected a name after '${prefix}.'`);
		name = quoted.value;
		if (suffix) {
			if (prefix !== 'metric' || suffix.kind !== 'word' || !suffix.text.startsWith('.') || extra.length) {
				throw fail(suffix, `unexpected '${suffix.text}' after the quoted name`);
			}
			aggregateText = suffix.text.slice(1);
		}
	} else {
		if (rest.length)
			throw fail(rest[0], `quote the whole name: ${prefix}."${bare}${rest.map((p) => p.value).join('')}"`);
		name = bare;
		if (prefix === 'metric') {
			const lastDot = bare.lastIndexOf('.');
			const candidate = lastDot === -1 ? undefined : bare.slice(lastDot + 1);
			if (candidate !== undefined && (METRIC_AGGREGATES as readonly string[]).includes(candidate)) {
				name = bare.slice(0, lastDot);
				aggregateText = candidate;
			}
		}
	}
	if (name === '') throw fail(first, `expected a name after '${prefix}.'`);
	if (prefix === 'hp') return { kind: 'hp', name };
	if (prefix === 'result') return { kind: 'result', name };
	const aggregate = aggregateText ?? 'last';
	if (!(METRIC_AGGREGATES as readonly string[]).includes(aggregate)) {
		throw fail(parts.at(-1)!, `unknown aggregate '${aggregate}'; use ${METRIC_AGGREGATES.join(', ')}`);
	}
	return { kind: 'metric', name, aggregate: aggregate as MetricAggregate };
}

type KeyType = 'text' | 'tag' | 'status' | 'date' | 'duration' | 'number' | 'boolean' | 'hp';

function keyType(key: Key): KeyType {
	if (key.kind === 'hp') return 'hp';
	if (key.kind !== 'field') return 'number';
	switch (key.field) {
		case 'tag':
		case 'gpu':
			return 'tag';
		case 'cpus':
		case 'memory':
			return 'number';
		case 'git.dirty':
			return 'boolean';
		case 'status':
			return 'status';
		case 'created':
		case 'updated':
			return 'date';
		case 'duration':
			return 'duration';
		default:
			return 'text';
	}
}

const ALLOWS_IN = new Set<KeyType>(['text', 'tag', 'status', 'number', 'boolean', 'hp']);
const ORDERING: ComparisonOperator[] = ['<', '<=', '>', '>='];

function checkOperator(
	op: ComparisonOperator,
	type: KeyType,
	value: Literal,
	fail: (message: string) => QuerySyntaxError,
	key: string
): void {
	if (op === '~' && !(type === 'text' || type === 'tag' || (type === 'hp' && value.type === 'string'))) {
		throw fail(
			type === 'hp'
				? `'~' compares text: quote the value, as in ${key} ~ "adam"`
				: `'~' (contains) does not apply to ${key}`
		);
	}
	if (ORDERING.includes(op)) {
		const ordered =
			type === 'date' ||
			type === 'duration' ||
			type === 'number' ||
			(type === 'hp' && value.type === 'number');
		if (!ordered) {
			throw fail(
				type === 'hp'
					? `'${op}' compares numbers; ${key} is compared with a ${value.type}`
					: `'${op}' does not apply to ${key}; use = or !=`
			);
		}
	}
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function literalFor(
	key: Key,
	type: KeyType,
	token: Token,
	now: number,
	fail: (message: string) => QuerySyntaxError
): Literal {
	const text = token.value;
	const quoted = token.kind === 'string';
	switch (type) {
		case 'text':
		case 'tag':
			return {
				type: 'string',
				value: key.kind === 'field' && key.field === 'creator' ? text.toLowerCase() : text
			};
		case 'status': {
			const status = text.toLowerCase();
			if (!(RUN_STATUSES as readonly string[]).includes(status)) {
				throw fail(`status is one of ${RUN_STATUSES.join(', ')}, not '${text}'`);
			}
			return { type: 'string', value: status };
		}
		case 'number': {
			const number = NUMBER.test(text) ? Number(text) : NaN;
			if (!Number.isFinite(number)) throw fail(`expected a number, found '${text}'`);
			return { type: 'number', value: number };
		}
		case 'boolean':
			if (!quoted && (text === 'true' || text === 'false'))
				return { type: 'boolean', value: text === 'true' };
			throw fail(`expected true or false, found '${text}'`);
		case 'date':
			return dateLiteral(text, now, fail);
		case 'duration':
			return { type: 'number', value: durationSeconds(text, fail) };
		case 'hp':
			if (quoted) return { type: 'string', value: text };
			if (NUMBER.test(text) && Number.isFinite(Number(text))) return { type: 'number', value: Number(text) };
			if (text === 'true' || text === 'false') return { type: 'boolean', value: text === 'true' };
			return { type: 'string', value: text };
	}
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^((\d+(\.\d+)?)(ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** `90s`, `2h`, `1h30m`, `1.5d`, or a bare number of seconds. */
function durationSeconds(text: string, fail: (message: string) => QuerySyntaxError): number {
	if (NUMBER.test(text) && Number(text) >= 0) return Number(text);
	if (!DURATION.test(text)) throw fail(`expected a duration such as 90s, 30m, 2h or 1h30m, found '${text}'`);
	let seconds = 0;
	for (const [, amount, unit] of text.matchAll(DURATION_PART)) seconds += Number(amount) * UNIT_SECONDS[unit];
	return seconds;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const RELATIVE = /^-((\d+(\.\d+)?)(ms|s|m|h|d|w))+$/;
const DAY_MS = 86_400_000;

/** `2026-11-01` (a UTC day), `2026-11-01T12:00Z`, `-7d` / `-2h30m` (before now), `now`. */
function dateLiteral(text: string, now: number, fail: (message: string) => QuerySyntaxError): Literal {
	if (text === 'now') return { type: 'instant', value: now };
	if (RELATIVE.test(text))
		return { type: 'instant', value: now - durationSeconds(text.slice(1), fail) * 1000 };
	const day = DAY.exec(text);
	if (day) {
		const start = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
		if (new Date(start).toISOString().slice(0, 10) !== text) throw fail(`'${text}' is not a calendar date`);
		return { type: 'day', start, end: start + DAY_MS };
	}
	if (DATE_TIME.test(text)) {
		const instant = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`);
		if (Number.isFinite(instant)) return { type: 'instant', value: instant };
	}
	throw fail(`expected a date such as 2026-11-01, 2026-11-01T12:00Z or -7d, found '${text}'`);
}
