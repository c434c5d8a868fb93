/**
 * `renderSnapshot(data)`: one self-contained HTML file. The tables are plain HTML (readable even
 * with scripts off); the charts are drawn by the viewer script inlined beside the data. Nothing in
 * the file is fetched: its Content-Security-Policy allows no source at all besides the inline
 * script and styles, so it opens the same from a disk, an email or an archive, years later.
 */
import { SNAPSHOT_DIGITS, SNAPSHOT_SIZE_GOAL_BYTES, type SnapshotData, type SnapshotRun } from './data.js';
import { VIEWER_SCRIPT, VIEWER_STYLE } from './viewer-bundle.js';

export const SNAPSHOT_CSP =
	"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

/** The id of the `<script type="application/json">` element the viewer reads. */
export const SNAPSHOT_DATA_ID = 'tora-snapshot-data';

const HTML_ESCAPES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;'
};

/** Text as HTML text or a quoted attribute value. */
export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON that can sit inside a `<script>` element: `<`, `>` and `&` as \u escapes, so no string in
 * it can close the element or open a comment, and the line separators JavaScript once refused.
 */
export function scriptJson(value: unknown): string {
	return JSON.stringify(value).replace(
		/[<>&\u2028\u2029]/g,
		(c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
	);
}

function runHeader(runs: SnapshotRun[]): string {
	return runs
		.map((run) => `<th scope="col" data-run="${escapeHtml(run.id)}">${escapeHtml(run.name)}</th>`)
		.join('');
}

/** Keys (hyperparameter or result names) × runs; an empty cell where a run has no value. */
function keyTable(
	label: string,
	runs: SnapshotRun[],
	entries: (run: SnapshotRun) => Array<[string, string | number | boolean]>
): string {
	const perRun = runs.map((run) => new Map(entries(run)));
	const keys = [...new Set(perRun.flatMap((values) => [...values.keys()]))].sort();
	if (keys.length === 0) return `<p class="empty">No ${label.toLowerCase()}s.</p>`;
	const rows = keys.map((key) => {
		const cells = perRun.map((values) => {
			const value = values.get(key);
			return `<td>${value === undefined ? '' : escapeHtml(String(value))}</td>`;
		});
		return `<tr><th scope="row">${escapeHtml(key)}</th>${cells.join('')}</tr>`;
	});
	return `<div class="table-wrap"><table><thead><tr><th scope="col">${escapeHtml(label)}</th>${runHeader(runs)}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function runsList(runs: SnapshotRun[]): string {
	const items = runs.map((run) => {
		const tags = run.tags.map((tag) => `<span class="tag">${escapeHtml(tag)}</span>`).join(' ');
		const description = run.description ? `<p>${escapeHtml(run.description)}</p>` : '';
		return `<li data-run="${escapeHtml(run.id)}"><span class="name">${escapeHtml(run.name)}</span> <span class="status">${escapeHtml(run.status)}</span> <time datetime="${escapeHtml(run.created_at)}">${escapeHtml(run.created_at.slice(0, 16).replace('T', ' '))} UTC</time> ${tags}<code>${escapeHtml(run.id)}</code>${description}</li>`;
	});
	return `<ul class="runs">${items.join('')}</ul>`;
}

function notes(runs: SnapshotRun[]): string {
	const written = runs.filter((run) => run.notes.trim() !== '');
	if (written.length === 0) return '<p class="empty">No notes.</p>';
	return written
		.map((run) => `<h3>${escapeHtml(run.name)}</h3><pre class="notes">${escapeHtml(run.notes)}</pre>`)
		.join('');
}

function formatBytes(bytes: number): string {
	return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function page(data: SnapshotData, size: string): string {
	const points = data.series.reduce((sum, s) => sum + s.x.length, 0);
	const taken = data.taken_at.slice(0, 16).replace('T', ' ');
	const bound = `${formatBytes(SNAPSHOT_SIZE_GOAL_BYTES)} for 10 metrics × 5 runs`;
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${SNAPSHOT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Tora snapshot v${data.version}">
<title>${escapeHtml(data.title)} · Tora snapshot</title>
<style>${VIEWER_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">A Tora snapshot taken ${escapeHtml(taken)} UTC · ${data.runs.length} run${data.runs.length === 1 ? '' : 's'} · ${data.metrics.length} metric${data.metrics.length === 1 ? '' : 's'}. Drag across a chart to zoom, double-click to zoom out; click a run in the legend to hide or show it.</p>
${data.reason ? `<p class="meta">${escapeHtml(data.reason)}</p>` : ''}
</header>
<main>
<section aria-labelledby="runs-heading"><h2 id="runs-heading">Runs</h2>${runsList(data.runs)}</section>
<section aria-labelledby="charts-heading"><h2 id="charts-heading">Metrics</h2>
<div id="legend" class="legend" role="group" aria-label="Runs shown in the charts"></div>
<div id="charts" class="charts">${data.metrics.length === 0 ? '<p class="empty">No metrics.</p>' : '<noscript>The charts need JavaScript.</noscript>'}</div>
</section>
<section aria-labelledby="hp-heading"><h2 id="hp-heading">Hyperparameters</h2>${keyTable('Hyperparameter', data.runs, (run) => run.hyperparams.map((h) => [h.key, h.value]))}</section>
<section aria-labelledby="results-heading"><h2 id="results-heading">Results</h2>${keyTable('Result', data.runs, (run) => run.results.map((r) => [r.name, r.value]))}</section>
<section aria-labelledby="notes-heading"><h2 id="notes-heading">Notes</h2>${notes(data.runs)}</section>
</main>
<footer><p id="snapshot-size">This file: ${size}, ${points.toLocaleString('en-US')} points, at most ${data.buckets} per series, values to ${SNAPSHOT_DIGITS} significant digits. Snapshots are bounded: at most ${bound}. It needs no network and no server.</p></footer>
<script type="application/json" id="${SNAPSHOT_DATA_ID}">${scriptJson(data)}</script>
<script>${VIEWER_SCRIPT}</script>
</body>
</html>
`;
}

/** The file name for a snapshot: its title made safe for any file system. */
export function snapshotFileName(data: SnapshotData): string {
	const stem = data.title
		.replace(/[^A-Za-z0-9._-]+/g, '-')
		.replace(/^[-.]+|-+$/g, '')
		.slice(0, 80);
	return `${stem || 'snapshot'}.html`;
}

/** The HTML file; its footer states its own size in bytes (UTF-8). */
export function renderSnapshot(data: SnapshotData): string {
	// The stated size is part of the file: settle it in a few rounds (the text changes by a digit at most).
	let size = '0 B';
	let html = page(data, size);
	for (let round = 0; round < 3; round++) {
		const next = formatBytes(new TextEncoder().encode(html).length);
		if (next === size) break;
		size = next;
		html = page(data, size);
	}
	return html;
}
