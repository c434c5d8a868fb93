/**
 * The experiment page's first screen: about a screenful of its first panels, as `MetricsPanel`
 * lays them out. Those are on screen when the page opens at its top, so their series are read
 * before the page is built and they draw without waiting for a frame in which their
 * IntersectionObservers see them: building every card (60 for a run with 60 metrics) and waiting
 * for that frame would hold them back. Every other panel reads its own series and draws once it
 * comes near the viewport.
 */
import { layoutPanels, type PanelDef } from '$lib/charts/panel-layout';
import { settingsOf, type PanelsState } from '$lib/charts/panel-state';

/** A panel card's height with the gap under it (MetricsPanel's 220 px charts). */
export const CARD_PITCH_PX = 320;
/** Where MetricsPanel's grid shows two panels a row (Tailwind's `lg`). */
const TWO_COLUMNS_FROM_PX = 1024;

export interface Viewport {
	width: number;
	height: number;
}

/** About a screenful of the first panels, in the order the page lays them out. */
export function firstScreenPanels(
	names: readonly string[],
	state: PanelsState,
	viewport: Viewport
): PanelDef[] {
	const columns = viewport.width >= TWO_COLUMNS_FROM_PX ? 2 : 1;
	const count = columns * Math.max(1, Math.floor(viewport.height / CARD_PITCH_PX));
	return layoutPanels(names, state)
		.filter((section) => section.open)
		.flatMap((section) => section.panels)
		.slice(0, count);
}

/** The metrics those panels draw on step or time (against another metric, POST /api/series reads them). */
export function firstScreenMetrics(
	names: readonly string[],
	state: PanelsState,
	viewport: Viewport
): string[] {
	const first = firstScreenPanels(names, state, viewport).filter(
		(panel) => typeof settingsOf(state, panel.id).x === 'string'
	);
	return [...new Set(first.flatMap((panel) => panel.metrics))];
}
