/**
 * What a page of chart panels remembers: the settings every panel starts from, each panel's own
 * settings, panels of several metrics, their order, the metric search, which sections are open,
 * the full-screen panel and (grouped charts) the band. One plain JSON object (`PanelsState`, for
 * saved views) that also round-trips through a query string (`writePanels` / `readPanels`), where
 * only what differs from the defaults is written, so links stay short.
 *
 * Query parameters (values are URL-encoded by URLSearchParams):
 *
 * | param | value |
 * | --- | --- |
 * | `chart` | the defaults, as settings tokens (below) |
 * | `set` (repeated) | `<metric>;<tokens>`: one metric panel's own settings |
 * | `panel` (repeated) | `<id>;<tokens>;<metric,metric,...>` or `<id>;<tokens>;re:<pattern>`: a panel of several metrics |
 * | `order` | panel ids in the order the user put them |
 * | `find` | the metric search |
 * | `open`, `closed` | sections opened or closed by hand |
 * | `full` | the panel shown full screen |
 * | `band`, `members` | grouped charts: `minmax` or `stderr` (default ±1 std), `1` to draw members |
 *
 * Settings tokens, comma-separated, any subset: `step` `wall` `relative` `x:<metric>` (x-axis),
 * `log` `lin`, `auto` `clip` `y:<min>:<max>` (either side may be empty), `raw` `ema:<weight>`
 * `mean:<points>` (smoothing). Metric names cannot hold `,` `;` `:` or `+`, which keeps the
 * format unambiguous; a pattern comes last, so it may hold anything.
 */
import { isMetricName } from '$contracts/rules';
import { MAX_SMOOTHING } from './ema';
import { MAX_MEAN_WINDOW, type Smoothing } from './smoothing';
import type { YRange } from './y-range';

/** The x-axis: step, wall time (ms), seconds since the run's first point, or another metric. */
export type XAxis = 'step' | 'wall' | 'relative' | { metric: string };

export interface PanelSettings {
	x: XAxis;
	log: boolean;
	y: YRange;
	smoothing: Smoothing;
}

export const DEFAULT_SETTINGS: PanelSettings = {
	x: 'step',
	log: false,
	y: { kind: 'auto' },
	smoothing: { kind: 'ema', weight: 0.6 }
};

export interface CustomPanel {
	/** `+1`, `+2`, ...: never a metric name, which cannot hold a `+`. */
	id: string;
	/** Metrics picked by name; empty when `pattern` chooses them. */
	metrics: string[];
	/** A regular expression matched against whole metric names (`val/.*`), or null. */
	pattern: string | null;
	settings: Partial<PanelSettings>;
}

export type GroupBand = 'std' | 'minmax' | 'stderr';

export interface PanelsState {
	/** What every panel uses unless it says otherwise. */
	defaults: PanelSettings;
	/** Panels of several metrics, shown first. */
	custom: CustomPanel[];
	/** One-metric panels' own settings (only the fields that differ), by metric name. */
	overrides: { panel: string; settings: Partial<PanelSettings> }[];
	/** Panel ids in the order the user put them; panels not listed follow, by name. */
	order: string[];
	/** Words every shown metric's name contains (case-insensitive); empty shows all. */
	search: string;
	/** Sections opened or closed by hand; the others follow the default (the first few open). */
	sections: { id: string; open: boolean }[];
	fullscreen: string | null;
	band: GroupBand;
	members: boolean;
}

export const MAX_CUSTOM_PANELS = 20;
export const MAX_PANEL_METRICS = 20;
export const MAX_OVERRIDES = 200;
export const MAX_ORDER = 500;
export const MAX_SEARCH_LENGTH = 200;
/** As the API's `pattern` (POST /api/series). */
export const MAX_PATTERN_LENGTH = 200;

export const PANEL_PARAMS = [
	'chart',
	'set',
	'panel',
	'order',
	'find',
	'open',
	'closed',
	'full',
	'band',
	'members'
];

export function emptyPanels(): PanelsState {
	return {
		defaults: DEFAULT_SETTINGS,
		custom: [],
		overrides: [],
		order: [],
		search: '',
		sections: [],
		fullscreen: null,
		band: 'std',
		members: false
	};
}

// ---- settings ------------------------------------------------------------------------------

export function sameX(a: XAxis, b: XAxis): boolean {
	return typeof a === 'string' || typeof b === 'string' ? a === b : a.metric === b.metric;
}

function sameY(a: YRange, b: YRange): boolean {
	if (a.kind !== 'fixed' || b.kind !== 'fixed') return a.kind === b.kind;
	return a.min === b.min && a.max === b.max;
}

function sameSmoothing(a: Smoothing, b: Smoothing): boolean {
	if (a.kind === 'ema' && b.kind === 'ema') return a.weight === b.weight;
	if (a.kind === 'mean' && b.kind === 'mean') return a.window === b.window;
	return a.kind === b.kind;
}

/** The fields of `settings` that differ from `base`. */
export function settingsDiff(settings: PanelSettings, base: PanelSettings): Partial<PanelSettings> {
	const diff: Partial<PanelSettings> = {};
	if (!sameX(settings.x, base.x)) diff.x = settings.x;
	if (settings.log !== base.log) diff.log = settings.log;
	if (!sameY(settings.y, base.y)) diff.y = settings.y;
	if (!sameSmoothing(settings.smoothing, base.smoothing)) diff.smoothing = settings.smoothing;
	return diff;
}

/** A key naming an x-axis, e.g. for the panels whose zoom and crosshair move together. */
export function xKey(x: XAxis): string {
	return typeof x === 'string' ? x : `metric:${x.metric}`;
}

/** The settings panel `id` draws with. */
export function settingsOf(state: PanelsState, id: string): PanelSettings {
	const own = id.startsWith('+')
		? state.custom.find((panel) => panel.id === id)?.settings
		: state.overrides.find((o) => o.panel === id)?.settings;
	return { ...state.defaults, ...own };
}

/** The state with panel `id` drawn with `settings` (kept as the difference from the defaults). */
export function withSettings(state: PanelsState, id: string, settings: PanelSettings): PanelsState {
	const diff = settingsDiff(settings, state.defaults);
	if (id.startsWith('+')) {
		return {
			...state,
			custom: state.custom.map((panel) => (panel.id === id ? { ...panel, settings: diff } : panel))
		};
	}
	const others = state.overrides.filter((o) => o.panel !== id);
	const overrides = Object.keys(diff).length ? [...others, { panel: id, settings: diff }] : others;
	return { ...state, overrides: overrides.slice(-MAX_OVERRIDES) };
}

/**
 * New defaults for every panel. A panel keeps only the settings it set itself (the others follow
 * the new defaults); those that now equal the defaults are dropped.
 */
export function withDefaults(state: PanelsState, defaults: PanelSettings): PanelsState {
	const rebase = (own: Partial<PanelSettings>) => settingsDiff({ ...defaults, ...own }, defaults);
	return {
		...state,
		defaults,
		custom: state.custom.map((panel) => ({ ...panel, settings: rebase(panel.settings) })),
		overrides: state.overrides
			.map((o) => ({ panel: o.panel, settings: rebase(o.settings) }))
			.filter((o) => Object.keys(o.settings).length > 0)
	};
}

export function formatSettings(settings: Partial<PanelSettings>): string {
	const tokens: string[] = [];
	const { x, log, y, smoothing } = settings;
	if (x !== undefined) tokens.push(typeof x === 'string' ? x : `x:${x.metric}`);
	if (log !== undefined) tokens.push(log ? 'log' : 'lin');
	if (y !== undefined) {
		tokens.push(y.kind === 'fixed' ? `y:${y.min ?? ''}:${y.max ?? ''}` : y.kind);
	}
	if (smoothing !== undefined) {
		tokens.push(
			smoothing.kind === 'ema'
				? `ema:${smoothing.weight}`
				: smoothing.kind === 'mean'
					? `mean:${smoothing.window}`
					: 'raw'
		);
	}
	return tokens.join(',');
}

function parseBound(text: string): number | null {
	if (text.trim() === '') return null;
	const value = Number(text);
	return Number.isFinite(value) ? value : null;
}

/** Settings tokens back to settings; unknown or malformed tokens are left out. */
export function parseSettings(text: string): Partial<PanelSettings> {
	const settings: Partial<PanelSettings> = {};
	for (const token of text.split(',')) {
		if (token === 'step' || token === 'wall' || token === 'relative') settings.x = token;
		else if (token.startsWith('x:') && isMetricName(token.slice(2))) settings.x = { metric: token.slice(2) };
		else if (token === 'log' || token === 'lin') settings.log = token === 'log';
		else if (token === 'auto' || token === 'clip') settings.y = { kind: token };
		else if (token.startsWith('y:')) {
			const [min = '', max = ''] = token.slice(2).split(':');
			settings.y = { kind: 'fixed', min: parseBound(min), max: parseBound(max) };
		} else if (token === 'raw') settings.smoothing = { kind: 'none' };
		else if (token.startsWith('ema:')) {
			const weight = Number(token.slice(4));
			if (Number.isFinite(weight) && weight >= 0 && weight <= MAX_SMOOTHING) {
				settings.smoothing = { kind: 'ema', weight };
			}
		} else if (token.startsWith('mean:')) {
			const window = Number(token.slice(5));
			if (Number.isInteger(window) && window >= 1 && window <= MAX_MEAN_WINDOW) {
				settings.smoothing = { kind: 'mean', window };
			}
		}
	}
	return settings;
}

// ---- panels, order, sections --------------------------------------------------------------

/** A new panel of the given metrics (or a pattern), first among the custom panels' ids. */
export function addCustomPanel(
	state: PanelsState,
	chosen: { metrics: string[]; pattern: string | null }
): { state: PanelsState; id: string } {
	const used = new Set(state.custom.map((panel) => panel.id));
	let n = 1;
	while (used.has(`+${n}`)) n++;
	const panel: CustomPanel = {
		id: `+${n}`,
		metrics: chosen.pattern === null ? chosen.metrics.filter(isMetricName).slice(0, MAX_PANEL_METRICS) : [],
		pattern: chosen.pattern,
		settings: {}
	};
	return {
		state: { ...state, custom: [...state.custom, panel].slice(0, MAX_CUSTOM_PANELS) },
		id: panel.id
	};
}

export function removeCustomPanel(state: PanelsState, id: string): PanelsState {
	return {
		...state,
		custom: state.custom.filter((panel) => panel.id !== id),
		order: state.order.filter((other) => other !== id),
		fullscreen: state.fullscreen === id ? null : state.fullscreen
	};
}

/**
 * The state with panel `id` moved `by` places among `shown` (the panel ids of its section, in the
 * order they are shown). The whole section's order is written down, after the other sections'.
 */
export function movePanel(state: PanelsState, shown: readonly string[], id: string, by: number): PanelsState {
	const from = shown.indexOf(id);
	const to = Math.min(Math.max(from + by, 0), shown.length - 1);
	if (from < 0 || from === to) return state;
	const moved = [...shown];
	moved.splice(from, 1);
	moved.splice(to, 0, id);
	const inSection = new Set(shown);
	const order = [...state.order.filter((other) => !inSection.has(other)), ...moved];
	return { ...state, order: order.slice(-MAX_ORDER) };
}

/**
 * The state with section `id` opened or closed by hand. Opened sections are kept before closed
 * ones (each in the order they were toggled), as the URL lists them, so a state reads back equal.
 */
export function withSectionOpen(state: PanelsState, id: string, open: boolean): PanelsState {
	const sections = [...state.sections.filter((s) => s.id !== id), { id, open }];
	return { ...state, sections: [...sections.filter((s) => s.open), ...sections.filter((s) => !s.open)] };
}

// ---- query string ---------------------------------------------------------------------------

/** Writes `state` into `params` (replacing what was there of it); defaults are left out. */
export function writePanels(state: PanelsState, params: URLSearchParams): URLSearchParams {
	for (const name of PANEL_PARAMS) params.delete(name);
	const defaults = formatSettings(settingsDiff(state.defaults, DEFAULT_SETTINGS));
	if (defaults) params.set('chart', defaults);
	for (const { panel, settings } of state.overrides) {
		const tokens = formatSettings(settings);
		if (tokens) params.append('set', `${panel};${tokens}`);
	}
	for (const panel of state.custom) {
		const chosen = panel.pattern !== null ? `re:${panel.pattern}` : panel.metrics.join(',');
		params.append('panel', `${panel.id};${formatSettings(panel.settings)};${chosen}`);
	}
	if (state.order.length) params.set('order', state.order.join(','));
	if (state.search) params.set('find', state.search);
	const opened = state.sections.filter((s) => s.open).map((s) => s.id);
	const closed = state.sections.filter((s) => !s.open).map((s) => s.id);
	if (opened.length) params.set('open', opened.join(','));
	if (closed.length) params.set('closed', closed.join(','));
	if (state.fullscreen) params.set('full', state.fullscreen);
	if (state.band !== 'std') params.set('band', state.band);
	if (state.members) params.set('members', '1');
	return params;
}

/** Convenience: the state as its own query string (without `?`). */
export function encodePanels(state: PanelsState): string {
	return writePanels(state, new URLSearchParams()).toString();
}

const isPanelId = (id: string) => isMetricName(id) || /^\+\d{1,3}$/.test(id);
const isSectionId = (id: string) => id.length > 0 && id.length <= 101 && /^[^,]+$/.test(id);

/** Reads the state from a query string; anything malformed falls back to the default, never an error. */
export function readPanels(params: URLSearchParams): PanelsState {
	const state = emptyPanels();
	state.defaults = { ...DEFAULT_SETTINGS, ...parseSettings(params.get('chart') ?? '') };
	const seen = new Set<string>();
	for (const entry of params.getAll('set')) {
		const cut = entry.indexOf(';');
		const panel = entry.slice(0, cut);
		if (cut < 0 || !isMetricName(panel) || seen.has(panel)) continue;
		seen.add(panel);
		const settings = parseSettings(entry.slice(cut + 1));
		if (Object.keys(settings).length) state.overrides.push({ panel, settings });
	}
	state.overrides = state.overrides.slice(0, MAX_OVERRIDES);
	for (const entry of params.getAll('panel')) {
		const first = entry.indexOf(';');
		const second = entry.indexOf(';', first + 1);
		if (first < 0 || second < 0) continue;
		const id = entry.slice(0, first);
		if (!/^\+\d{1,3}$/.test(id) || state.custom.some((panel) => panel.id === id)) continue;
		const chosen = entry.slice(second + 1);
		const pattern = chosen.startsWith('re:') ? chosen.slice(3) : null;
		const metrics =
			pattern === null ? chosen.split(',').filter(isMetricName).slice(0, MAX_PANEL_METRICS) : [];
		if (pattern !== null ? !validPattern(pattern) : metrics.length === 0) continue;
		state.custom.push({ id, metrics, pattern, settings: parseSettings(entry.slice(first + 1, second)) });
	}
	state.custom = state.custom.slice(0, MAX_CUSTOM_PANELS);
	state.order = [...new Set((params.get('order') ?? '').split(',').filter(isPanelId))].slice(0, MAX_ORDER);
	state.search = (params.get('find') ?? '').slice(0, MAX_SEARCH_LENGTH);
	const sectionIds = (name: string) => (params.get(name) ?? '').split(',').filter(isSectionId);
	const open = sectionIds('open');
	const closed = sectionIds('closed').filter((id) => !open.includes(id));
	state.sections = [...open.map((id) => ({ id, open: true })), ...closed.map((id) => ({ id, open: false }))];
	const full = params.get('full');
	state.fullscreen = full && isPanelId(full) ? full : null;
	const band = params.get('band');
	state.band = band === 'minmax' || band === 'stderr' ? band : 'std';
	state.members = params.get('members') === '1';
	return state;
}

/** Convenience: the state from a query string (with or without `?`). */
export function decodePanels(search: string): PanelsState {
	return readPanels(new URLSearchParams(search));
}

/** Whether `pattern` compiles as a regular expression (the server checks the rest). */
export function validPattern(pattern: string): boolean {
	if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) return false;
	try {
		new RegExp(pattern, 'u');
		return true;
	} catch {
		return false;
	}
}

/** The names among `names` that `pattern` matches as a whole (as the API matches it). */
export function matchPattern(pattern: string, names: readonly string[]): string[] {
	if (!validPattern(pattern)) return [];
	const whole = new RegExp(`^(?:${pattern})$`, 'u');
	return names.filter((name) => whole.test(name));
}

// ---- plain JSON (saved views) ---------------------------------------------------------------

/**
 * The state from JSON kept elsewhere (a saved view): checked field by field, anything malformed
 * falls back to its default. It is read through the query-string form, so both accept the same.
 */
export function panelsFromJson(json: unknown): PanelsState {
	if (typeof json !== 'object' || json === null || Array.isArray(json)) return emptyPanels();
	const value = json as Record<string, unknown>;
	const params = new URLSearchParams();
	const settingsText = (s: unknown) => (isRecord(s) ? formatSettings(looseSettings(s)) : '');
	params.set('chart', settingsText(value.defaults));
	for (const o of arrayOf(value.overrides)) {
		if (isRecord(o) && typeof o.panel === 'string')
			params.append('set', `${o.panel};${settingsText(o.settings)}`);
	}
	for (const panel of arrayOf(value.custom)) {
		if (!isRecord(panel) || typeof panel.id !== 'string') continue;
		const chosen =
			typeof panel.pattern === 'string'
				? `re:${panel.pattern}`
				: arrayOf(panel.metrics)
						.filter((m): m is string => typeof m === 'string')
						.join(',');
		params.append('panel', `${panel.id};${settingsText(panel.settings)};${chosen}`);
	}
	const strings = (v: unknown) =>
		arrayOf(v).filter((s): s is string => typeof s === 'string' && !s.includes(','));
	params.set('order', strings(value.order).join(','));
	if (typeof value.search === 'string') params.set('find', value.search);
	const sections = arrayOf(value.sections).filter(isRecord);
	const sectionList = (open: boolean) =>
		strings(sections.filter((s) => s.open === open).map((s) => s.id)).join(',');
	params.set('open', sectionList(true));
	params.set('closed', sectionList(false));
	if (typeof value.fullscreen === 'string') params.set('full', value.fullscreen);
	if (typeof value.band === 'string') params.set('band', value.band);
	if (value.members === true) params.set('members', '1');
	return readPanels(params);
}

/** Settings from JSON: each field kept only when it has the right shape. */
function looseSettings(s: Record<string, unknown>): Partial<PanelSettings> {
	const out: Partial<PanelSettings> = {};
	if (s.x === 'step' || s.x === 'wall' || s.x === 'relative') out.x = s.x;
	else if (isRecord(s.x) && typeof s.x.metric === 'string') out.x = { metric: s.x.metric };
	if (typeof s.log === 'boolean') out.log = s.log;
	if (isRecord(s.y)) {
		const bound = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
		if (s.y.kind === 'auto' || s.y.kind === 'clip') out.y = { kind: s.y.kind };
		else if (s.y.kind === 'fixed') out.y = { kind: 'fixed', min: bound(s.y.min), max: bound(s.y.max) };
	}
	if (isRecord(s.smoothing)) {
		const { kind, weight, window } = s.smoothing;
		if (kind === 'none') out.smoothing = { kind };
		else if (kind === 'ema' && typeof weight === 'number') out.smoothing = { kind, weight };
		else if (kind === 'mean' && typeof window === 'number') out.smoothing = { kind, window };
	}
	// Through the tokens and back, so the same bounds apply as for a link.
	return parseSettings(formatSettings(out));
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): unknown[] {
	return Array.isArray(value) ? value : [];
}
