import { describe, expect, it } from 'vitest';
import { applySuggestion, suggest, valueLiteral, type WorkspaceKeys } from './query-suggest';

const keys: WorkspaceKeys = {
	hyperparams: ['lr', 'optimizer', 'batch size'],
	metrics: ['val/loss', 'acc.top1'],
	results: ['accuracy'],
	tags: ['baseline']
};

/** Suggestions with the cursor where `|` is. */
function at(textWithCursor: string, values: (string | number | boolean)[] = []) {
	const cursor = textWithCursor.indexOf('|');
	const text = textWithCursor.replace('|', '');
	return { text, result: suggest(text, cursor, keys, values) };
}
const labels = (textWithCursor: string, values?: (string | number | boolean)[]) =>
	at(textWithCursor, values).result.items.map((item) => item.label);

describe('suggest', () => {
	it('offers every key on an empty bar, fields first', () => {
		const { result } = at('|');
		expect(result.context).toEqual({ kind: 'key' });
		expect(result.items[0].label).toBe('name');
		expect(result.items.map((i) => i.label)).toContain('hp.lr');
		expect(result.items.map((i) => i.label)).toContain('metric.val/loss.min');
		expect(result.items.map((i) => i.label)).toContain('result.accuracy');
	});

	it('completes a partly typed key, prefix matches before inner ones', () => {
		expect(labels('hp.o|')).toEqual(['hp.optimizer']);
		expect(labels('acc|').slice(0, 1)).toEqual(['metric.acc.top1.last']);
		expect(labels('metric.val|')).toEqual([
			'metric.val/loss.last',
			'metric.val/loss.min',
			'metric.val/loss.max'
		]);
		expect(labels('hp.b|')).toEqual(['hp."batch size"']);
		const { result } = at('status = finished and hp.l|');
		expect(result.context).toEqual({ kind: 'key' });
		expect(result.items.map((i) => i.label)).toEqual(['hp.lr']);
		expect(result.from).toBe('status = finished and '.length);
	});

	it('offers operators after a key and connectives after a value', () => {
		expect(at('hp.lr |').result.context).toEqual({ kind: 'operator', key: 'hp.lr' });
		expect(labels('hp.lr |')).toContain('<');
		expect(labels('hp.lr < 0.1 |')).toEqual(['and', 'or']);
		expect(labels('has hp.lr |')).toEqual(['and', 'or']);
	});

	it('offers the values of the key left of the operator', () => {
		const { result } = at('status = |');
		expect(result.context).toEqual({ kind: 'value', key: 'status' });
		expect(result.items.map((i) => i.label)).toEqual(['running', 'finished', 'failed', 'crashed']);
		expect(labels('status = cr|')).toEqual(['crashed']);
		expect(at('hp.optimizer = |', ['adam', 'sgd']).result.context).toEqual({
			kind: 'value',
			key: 'hp.optimizer'
		});
		expect(labels('hp.optimizer = "s|', ['adam', 'sgd'])).toEqual(['sgd']);
	});

	it('knows it is inside an in (...) list', () => {
		expect(at('tag in ("a", |', ['a', 'b']).result.context).toEqual({ kind: 'value', key: 'tag' });
		expect(at('tag not in (|', ['a']).result.context).toEqual({ kind: 'value', key: 'tag' });
		expect(at('(|').result.context).toEqual({ kind: 'key' });
	});

	it('completes the word under a cursor in the middle of the text', () => {
		const { text, result } = at('hp.l| < 0.1');
		expect(result.from).toBe(0);
		expect(result.to).toBe(4);
		expect(applySuggestion(text, result, result.items[0]).text).toBe('hp.lr < 0.1');
	});
});

describe('applySuggestion', () => {
	it('replaces the typed word and adds a space after it', () => {
		const { text, result } = at('status = fin|');
		const applied = applySuggestion(text, result, { label: 'finished', insert: 'finished' });
		expect(applied).toEqual({ text: 'status = finished ', cursor: 'status = finished '.length });
	});

	it('quotes text values, leaves numbers and booleans bare', () => {
		expect(valueLiteral('adam')).toBe('"adam"');
		expect(valueLiteral('say "hi"')).toBe('"say \\"hi\\""');
		expect(valueLiteral(0.001)).toBe('0.001');
		expect(valueLiteral(true)).toBe('true');
	});
});
