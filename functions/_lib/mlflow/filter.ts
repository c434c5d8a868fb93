/**
 * MLflow's search filter and order_by grammar (mlflow/utils/search_utils.py), parsed by hand into
 * clauses the search SQL compiles (runs.ts) or the experiment search evaluates (search-experiments):
 *
 *   filter   := clause ( AND clause )*
 *   clause   := entity "." key  op  value
 *   entity   := metrics | params | tags | attributes (and MLflow's singular/short spellings);
 *               a bare key is an attribute
 *   key      := identifier (letters, digits, _ . - / :) | `quoted` | "quoted"
 *   op       := = | != | < | <= | > | >= | LIKE | ILIKE | IN | NOT IN
 *   value    := number | 'text' | "text" | ( value, ... )
 *   order_by := entity "." key [ASC|DESC]
 *
 * OR, parentheses around clauses and IS NULL are not MLflow syntax either; anything unsupported
 * is INVALID_PARAMETER_VALUE with the position and what was expected.
 */
import { invalidParameter } from './errors.ts';

export type Entity = 'metric' | 'param' | 'tag' | 'attribute';
export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';
export type Value = number | string | (number | string)[];

export interface Clause {
	entity: Entity;
	key: string;
	op: Op;
	value: Value;
}

export interface OrderTerm {
	entity: Entity;
	key: string;
	descending: boolean;
}

const ENTITIES: Record<string, Entity> = {
	metric: 'metric',
	metrics: 'metric',
	param: 'param',
	params: 'param',
	parameter: 'param',
	parameters: 'param',
	tag: 'tag',
	tags: 'tag',
	attribute: 'attribute',
	attributes: 'attribute',
	attr: 'attribute',
	run: 'attribute'
};

type Token =
	| { kind: 'word'; text: string; at: number }
	| { kind: 'quoted'; text: string; quote: string; at: number }
	| { kind: 'number'; value: number; at: number }
	| { kind: 'op'; text: string; at: number }
	| { kind: 'punct'; text: string; at: number };

const MAX_TOKENS = 2000;

function tokenize(input: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < input.length) {
		const c = input[i];
		if (/\s/.test(c)) {
			i++;
			continue;
		}
		if (tokens.length > MAX_TOKENS)
			throw invalidParameter(`The filter is too long (over ${MAX_TOKENS} tokens).`);
		const at = i;
		if (c === "'" || c === '"' || c === '`') {
			let j = i + 1;
			let text = '';
			while (j < input.length && input[j] !== c) {
				// A doubled quote or a backslash escape stands for the quote itself.
				if (input[j] === '\\' && j + 1 < input.length) j++;
				text += input[j++];
			}
			if (j >= input.length)
				throw invalidParameter(`Unterminated ${c} string at position ${at} of the filter.`);
			tokens.push({ kind: 'quoted', text, quote: c, at });
			i = j + 1;
			continue;
		}
		const op = /^(<=|>=|!=|<>|==|=|<|>)/.exec(input.slice(i));
		if (op) {
			tokens.push({ kind: 'op', text: op[1] === '<>' ? '!=' : op[1] === '==' ? '=' : op[1], at });
			i += op[1].length;
			continue;
		}
		if (c === '(' || c === ')' || c === ',' || c === '.') {
			// A dot followed by a digit starts a number (.5); otherwise it separates entity and key.
			if (!(c === '.' && /\d/.test(input[i + 1] ?? ''))) {
				tokens.push({ kind: 'punct', text: c, at });
				i++;
				continue;
			}
		}
		const number = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(?![A-Za-z_])/.exec(input.slice(i));
		const previous = tokens[tokens.length - 1];
		if (number && !(previous?.kind === 'punct' && previous.text === '.')) {
			tokens.push({ kind: 'number', value: Number(number[0]), at });
			i += number[0].length;
			continue;
		}
		const word = /^[A-Za-z0-9_\-/:]+/.exec(input.slice(i));
		if (word) {
			tokens.push({ kind: 'word', text: word[0], at });
			i += word[0].length;
			continue;
		}
		throw invalidParameter(`Unexpected character "${c}" at position ${at} of the filter.`);
	}
	return tokens;
}

class Reader {
	private index = 0;
	constructor(
		private readonly tokens: Token[],
		private readonly what: string
	) {}
	peek(): Token | undefined {
		return this.tokens[this.index];
	}
	next(expected: string): Token {
		const token = this.tokens[this.index++];
		if (!token) throw invalidParameter(`The ${this.what} ended where ${expected} was expected.`);
		return token;
	}
	done(): boolean {
		return this.index >= this.tokens.length;
	}
	fail(token: Token, expected: string): never {
		throw invalidParameter(`Expected ${expected} at position ${token.at} of the ${this.what}.`);
	}
}

const isWord = (token: Token | undefined, text: string) =>
	token?.kind === 'word' && token.text.toUpperCase() === text;

/** `entity.key`, a quoted key after the dot, or a bare attribute key. */
function readIdentifier(reader: Reader): { entity: Entity; key: string } {
	const first = reader.next('an entity such as metrics.<key>');
	if (first.kind !== 'word' && first.kind !== 'quoted')
		reader.fail(first, 'metrics.<key>, params.<key>, tags.<key> or attributes.<key>');
	const dot = reader.peek();
	if (first.kind === 'word' && dot?.kind === 'punct' && dot.text === '.') {
		const entity = ENTITIES[first.text.toLowerCase()];
		if (entity) {
			reader.next('.');
			const keyParts: string[] = [];
			const key = reader.next('a key');
			if (key.kind !== 'word' && key.kind !== 'quoted') reader.fail(key, 'a key');
			keyParts.push(key.text);
			// Unquoted keys may hold dots (metrics.train.loss): read words joined by dots.
			while (
				key.kind === 'word' &&
				reader.peek()?.kind === 'punct' &&
				(reader.peek() as { text: string }).text === '.'
			) {
				reader.next('.');
				const more = reader.next('the rest of the key');
				if (more.kind !== 'word' && more.kind !== 'number') reader.fail(more, 'the rest of the key');
				keyParts.push(more.kind === 'word' ? more.text : String(more.value));
			}
			return { entity, key: keyParts.join('.') };
		}
	}
	if (first.kind === 'word' && !(dot?.kind === 'punct' && dot.text === '.'))
		return { entity: 'attribute', key: first.text };
	return reader.fail(first, 'metrics.<key>, params.<key>, tags.<key> or attributes.<key>');
}

function readScalar(reader: Reader): number | string {
	const token = reader.next('a value');
	if (token.kind === 'number') return token.value;
	if (token.kind === 'quoted' && token.quote !== '`') return token.text;
	return reader.fail(token, "a number or a quoted string ('text')");
}

function readOp(reader: Reader): Op {
	const token = reader.next('a comparison');
	if (token.kind === 'op') return token.text as Op;
	if (isWord(token, 'LIKE')) return 'LIKE';
	if (isWord(token, 'ILIKE')) return 'ILIKE';
	if (isWord(token, 'IN')) return 'IN';
	if (isWord(token, 'NOT') && isWord(reader.peek(), 'IN')) {
		reader.next('IN');
		return 'NOT IN';
	}
	return reader.fail(token, 'one of = != < <= > >= LIKE ILIKE IN NOT IN');
}

function readValue(reader: Reader, op: Op): Value {
	if (op !== 'IN' && op !== 'NOT IN') return readScalar(reader);
	const open = reader.next('(');
	if (open.kind !== 'punct' || open.text !== '(') reader.fail(open, "a list such as ('a', 'b')");
	const values: (number | string)[] = [readScalar(reader)];
	for (;;) {
		const token = reader.next(') or ,');
		if (token.kind === 'punct' && token.text === ')') return values;
		if (token.kind !== 'punct' || token.text !== ',') reader.fail(token, ') or ,');
		values.push(readScalar(reader));
		if (values.length > 1000) throw invalidParameter('An IN list may hold at most 1,000 values.');
	}
}

export function parseFilter(filter: string | undefined): Clause[] {
	if (!filter || !filter.trim()) return [];
	const reader = new Reader(tokenize(filter), 'filter');
	const clauses: Clause[] = [];
	for (;;) {
		const { entity, key } = readIdentifier(reader);
		const op = readOp(reader);
		clauses.push({ entity, key, op, value: readValue(reader, op) });
		if (reader.done()) return clauses;
		const joiner = reader.next('AND');
		if (isWord(joiner, 'OR'))
			throw invalidParameter('MLflow filters join clauses with AND only; OR is not supported.');
		if (!isWord(joiner, 'AND')) reader.fail(joiner, 'AND');
	}
}

export function parseOrderBy(terms: string[]): OrderTerm[] {
	return terms.map((term) => {
		const reader = new Reader(tokenize(term), 'order_by');
		const { entity, key } = readIdentifier(reader);
		let descending = false;
		const direction = reader.peek();
		if (direction) {
			reader.next('ASC or DESC');
			if (isWord(direction, 'DESC')) descending = true;
			else if (!isWord(direction, 'ASC')) reader.fail(direction, 'ASC or DESC');
		}
		if (!reader.done()) reader.fail(reader.next('the end'), 'the end of the order_by term');
		return { entity, key, descending };
	});
}

/** SQL LIKE semantics (% any run, _ one character), for filters evaluated in memory. */
export function likeMatches(text: string, pattern: string, caseInsensitive: boolean): boolean {
	const source = [...pattern]
		.map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
		.join('');
	return new RegExp(`^${source}$`, caseInsensitive ? 'isu' : 'su').test(text);
}
