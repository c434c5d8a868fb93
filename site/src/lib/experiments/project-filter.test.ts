import { describe, expect, it } from 'vitest';
import { parseQuery } from '$contracts/query/parse';
import { splitProject, withProject } from './project-filter';

describe('the project clause of a filter', () => {
	it('is added in front of the rest, which keeps its meaning in parentheses', () => {
		expect(withProject('', 'vision')).toBe('project = "vision"');
		expect(withProject('hp.lr < 1e-3 or tag = a', 'vision')).toBe(
			'project = "vision" and (hp.lr < 1e-3 or tag = a)'
		);
	});

	it('is replaced, and removed, without touching the rest', () => {
		const filter = withProject('status = failed', 'a "quoted" ü name');
		expect(splitProject(filter)).toEqual({ project: 'a "quoted" ü name', rest: 'status = failed' });
		expect(withProject(filter, 'nlp')).toBe('project = "nlp" and (status = failed)');
		expect(withProject(filter, undefined)).toBe('status = failed');
		expect(withProject('project = "x"', undefined)).toBe('');
	});

	it('reads a hand-written clause of the same form, and nothing else', () => {
		expect(splitProject('PROJECT = "vision"')).toEqual({ project: 'vision', rest: '' });
		expect(splitProject('project ~ "vis"').project).toBeUndefined();
		expect(splitProject('project = "a" or tag = b').project).toBeUndefined();
		expect(splitProject('tag = b and project = "a"').project).toBeUndefined();
	});

	it('always makes a query the grammar accepts', () => {
		for (const rest of ['', 'hp.lr < 1', 'name ~ ")"', 'not (tag = a or tag = b)']) {
			for (const name of ['vision', 'with "quotes"', 'back\\slash', 'ü ✓']) {
				const filter = withProject(rest, name);
				expect(() => parseQuery(filter)).not.toThrow();
				expect(splitProject(filter)).toEqual({ project: name, rest });
			}
		}
	});
});
