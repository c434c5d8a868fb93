/**
 * Which runs are ticked. Pure functions over an ordered list of ids, so the page keeps one
 * selection per workspace and shift-click ranges work on whatever order the table shows.
 */

/** Selected run ids, each with the name shown (for compare and confirmations). */
export type Selection = ReadonlyMap<string, string>;

export interface Row {
	id: string;
	name: string;
}

/**
 * A click on `row`'s checkbox. With shift held and an earlier click (`anchor`) still on the page,
 * every row between the two takes the clicked row's new state, as in a file manager.
 */
export function toggleRow(
	selection: Selection,
	rows: readonly Row[],
	row: Row,
	checked: boolean,
	anchor: string | undefined,
	shift: boolean
): Map<string, string> {
	const next = new Map(selection);
	const to = rows.findIndex((r) => r.id === row.id);
	const from = shift && anchor !== undefined ? rows.findIndex((r) => r.id === anchor) : -1;
	const range = from === -1 || to === -1 ? [row] : rows.slice(Math.min(from, to), Math.max(from, to) + 1);
	for (const r of range) {
		if (checked) next.set(r.id, r.name);
		else next.delete(r.id);
	}
	return next;
}

/** Ticks (or unticks) every row given. */
export function setRows(selection: Selection, rows: readonly Row[], checked: boolean): Map<string, string> {
	const next = new Map(selection);
	for (const row of rows) {
		if (checked) next.set(row.id, row.name);
		else next.delete(row.id);
	}
	return next;
}

/** The header checkbox: all rows shown ticked, some, or none. */
export function pageState(selection: Selection, rows: readonly Row[]): 'all' | 'some' | 'none' {
	const count = rows.filter((row) => selection.has(row.id)).length;
	if (count === 0) return 'none';
	return count === rows.length ? 'all' : 'some';
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;
const MAX_KEPT = 1000;

/** The selection kept for a workspace in this tab (sessionStorage), so switching back finds it. */
export function loadSelection(storage: StorageLike, workspaceId: string): Map<string, string> {
	try {
		const value: unknown = JSON.parse(storage.getItem(`tora.selection.${workspaceId}`) ?? '[]');
		if (!Array.isArray(value)) return new Map();
		return new Map(
			value.filter(
				(entry): entry is [string, string] =>
					Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string'
			)
		);
	} catch {
		return new Map();
	}
}

export function saveSelection(storage: StorageLike, workspaceId: string, selection: Selection): void {
	try {
		storage.setItem(`tora.selection.${workspaceId}`, JSON.stringify([...selection].slice(0, MAX_KEPT)));
	} catch {
		// A full quota only costs remembering the selection.
	}
}
