import { describe, expect, it } from 'vitest';
import { loadSelection, pageState, saveSelection, setRows, toggleRow } from './selection';

const rows = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, name: `run ${id}` }));
const row = (id: string) => rows.find((r) => r.id === id)!;
const ids = (selection: Map<string, string>) => [...selection.keys()].sort();

describe('selection', () => {
	it('ticks one row without shift', () => {
		expect(ids(toggleRow(new Map(), rows, row('b'), true, 'a', false))).toEqual(['b']);
	});

	it('ticks the range between the anchor and a shift-clicked row, either direction', () => {
		expect(ids(toggleRow(new Map(), rows, row('d'), true, 'b', true))).toEqual(['b', 'c', 'd']);
		expect(ids(toggleRow(new Map(), rows, row('a'), true, 'c', true))).toEqual(['a', 'b', 'c']);
	});

	it('unticks a range with a shift-click that unticks', () => {
		const all = setRows(new Map(), rows, true);
		expect(ids(toggleRow(all, rows, row('d'), false, 'b', true))).toEqual(['a', 'e']);
	});

	it('falls back to one row when the anchor is no longer on the page', () => {
		expect(ids(toggleRow(new Map(), rows, row('c'), true, 'gone', true))).toEqual(['c']);
	});

	it('keeps rows ticked elsewhere (other pages, other filters)', () => {
		const kept = new Map([['z', 'run z']]);
		expect(ids(setRows(kept, rows.slice(0, 2), true))).toEqual(['a', 'b', 'z']);
		expect(pageState(kept, rows)).toBe('none');
		expect(pageState(setRows(kept, rows.slice(0, 2), true), rows)).toBe('some');
		expect(pageState(setRows(kept, rows, true), rows)).toBe('all');
	});

	it('is kept per workspace and survives junk', () => {
		const data = new Map<string, string>();
		const storage = {
			getItem: (k: string) => data.get(k) ?? null,
			setItem: (k: string, v: string) => void data.set(k, v)
		};
		saveSelection(storage, 'w1', new Map([['a', 'run a']]));
		expect([...loadSelection(storage, 'w1')]).toEqual([['a', 'run a']]);
		expect(loadSelection(storage, 'w2').size).toBe(0);
		data.set('tora.selection.w2', '[["x", "y"], [1, 2], "junk"]');
		expect([...loadSelection(storage, 'w2')]).toEqual([['x', 'y']]);
		data.set('tora.selection.w2', '{');
		expect(loadSelection(storage, 'w2').size).toBe(0);
	});
});
