/**
 * Which panels a page shows, in which sections and order: one panel per metric, in sections by
 * the name's prefix (`train/`, `val/`, others, names without a prefix, `system/` last), the
 * user's panels of several metrics first, filtered by the metric search. Only the first few
 * sections start open, so a run with 60 metrics is not one long scroll.
 */
import { matchPattern, type CustomPanel, type PanelsState } from './panel-state';

export interface PanelDef {
	/** The metric's name, or a custom panel's `+n`. */
	id: string;
	title: string;
	/** The metrics it draws (a pattern's matches among the known names). */
	metrics: string[];
	custom: CustomPanel | null;
}

export interface Section {
	/** `train/`, `(custom)`, `(other)`: what `PanelsState.sections` names. */
	id: string;
	title: string;
	panels: PanelDef[];
	open: boolean;
}

export const CUSTOM_SECTION = '(custom)';
export const OTHER_SECTION = '(other)';
/** Sections open until the user says otherwise. */
export const OPEN_SECTIONS = 3;

export function prefixOf(name: string): string {
	const slash = name.indexOf('/');
	return slash > 0 ? name.slice(0, slash + 1) : '';
}

function sectionRank(prefix: string): number {
	if (prefix === 'train/') return 0;
	if (prefix === 'val/') return 1;
	if (prefix === 'system/') return 4;
	return prefix === '' ? 3 : 2;
}

/** Whether `text` holds every word of the search (case-insensitive). */
export function matchesSearch(text: string, search: string): boolean {
	const words = search.toLowerCase().split(/\s+/).filter(Boolean);
	const haystack = text.toLowerCase();
	return words.every((word) => haystack.includes(word));
}

export function customTitle(panel: CustomPanel): string {
	return panel.pattern !== null ? `/${panel.pattern}/` : panel.metrics.join(', ');
}

/** The sections of panels for `names` (every metric the page knows) as `state` arranges them. */
export function layoutPanels(
	names: readonly string[],
	state: PanelsState,
	openByDefault = OPEN_SECTIONS
): Section[] {
	const searching = state.search.trim() !== '';
	const rank = new Map(state.order.map((id, index) => [id, index]));
	const byOrder = (a: PanelDef, b: PanelDef) =>
		(rank.get(a.id) ?? Infinity) - (rank.get(b.id) ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

	const sections: Omit<Section, 'open'>[] = [];
	const custom = state.custom
		.map((panel): PanelDef => {
			const metrics = panel.pattern !== null ? matchPattern(panel.pattern, names) : panel.metrics;
			return { id: panel.id, title: customTitle(panel), metrics, custom: panel };
		})
		.filter((panel) => !searching || panel.metrics.some((m) => matchesSearch(m, state.search)));
	if (custom.length) {
		sections.push({ id: CUSTOM_SECTION, title: 'Custom panels', panels: custom.sort(byOrder) });
	}

	const byPrefix = new Map<string, PanelDef[]>();
	for (const name of [...new Set(names)]) {
		if (searching && !matchesSearch(name, state.search)) continue;
		const prefix = prefixOf(name);
		let list = byPrefix.get(prefix);
		if (!list) byPrefix.set(prefix, (list = []));
		list.push({ id: name, title: name, metrics: [name], custom: null });
	}
	const prefixes = [...byPrefix.keys()].sort(
		(a, b) => sectionRank(a) - sectionRank(b) || (a < b ? -1 : a > b ? 1 : 0)
	);
	for (const prefix of prefixes) {
		sections.push({
			id: prefix || OTHER_SECTION,
			title: prefix ? prefix.slice(0, -1) : 'Other',
			panels: byPrefix.get(prefix)!.sort(byOrder)
		});
	}

	const toggled = new Map(state.sections.map((s) => [s.id, s.open]));
	return sections.map((section, index) => ({
		...section,
		// A search opens every section it finds something in.
		open: searching || (toggled.get(section.id) ?? index < openByDefault)
	}));
}
