/**
 * The script inlined into every snapshot file (bundled with uPlot into one IIFE by
 * scripts/write-snapshot-viewer.ts): reads the embedded data and draws one chart per metric, a
 * line per run in the run's colour on the site. uPlot gives each chart drag-to-zoom (over the
 * points the file holds), double-click to zoom out, and a legend with the values under the
 * cursor; the run legend above the charts hides or shows a run in all of them.
 */
import uPlot from 'uplot';
import { runColors } from '../../../site/src/lib/charts/run-colors';
import { formatValue } from '../../../site/src/lib/charts/format';
import type { SnapshotData } from '../src/snapshot/data';

const CHART_HEIGHT = 240;

/** A drawn chart and the run (index into `data.runs`) of each of its lines, in order. */
interface Chart {
	figure: HTMLElement;
	plot: uPlot;
	runs: number[];
}
const DATA_ID = 'tora-snapshot-data';

function element<K extends keyof HTMLElementTagNameMap>(
	tag: K,
	className?: string
): HTMLElementTagNameMap[K] {
	const node = document.createElement(tag);
	if (className) node.className = className;
	return node;
}

const dark = () => matchMedia('(prefers-color-scheme: dark)').matches;

function axes(): uPlot.Axis[] {
	const stroke = dark() ? '#a1a1aa' : '#52525b';
	const grid = { stroke: dark() ? '#27272a' : '#e4e4e7', width: 1 };
	return [
		{ stroke, grid, ticks: grid, label: 'step' },
		{ stroke, grid, ticks: grid, size: 60, values: (_u, splits) => splits.map((v) => formatValue(v)) }
	];
}

function draw(data: SnapshotData): void {
	const colors = runColors(data.runs.map((run) => run.id));
	const charts: Chart[] = [];
	const container = document.getElementById('charts')!;
	// The figure's content box: its width less the 8 px padding on each side (viewer.css).
	const width = (figure: HTMLElement) => Math.max(figure.clientWidth - 16, 200);

	for (const [metric, name] of data.metrics.entries()) {
		const lines = data.series.filter((s) => s.metric === metric);
		if (lines.length === 0) continue;
		const joined = uPlot.join(
			lines.map((s) => [s.x, s.y] as uPlot.AlignedData),
			lines.map(() => [0, 0] as uPlot.JoinNullMode[])
		);
		const figure = element('figure', 'chart');
		figure.dataset.metric = name;
		const caption = element('figcaption');
		caption.textContent = name;
		figure.append(caption);
		container.append(figure);
		charts.push({
			figure,
			runs: lines.map((s) => s.run),
			plot: new uPlot(
				{
					width: width(figure),
					height: CHART_HEIGHT,
					cursor: { drag: { x: true, y: false } },
					scales: { x: { time: false } },
					axes: axes(),
					series: [
						{ label: 'step', value: (_u, v) => (v === null ? '–' : String(v)) },
						...lines.map((s) => ({
							label: data.runs[s.run].name,
							stroke: colors.get(data.runs[s.run].id),
							width: 1.5,
							spanGaps: true,
							points: { show: false },
							value: (_u: uPlot, v: number | null) => formatValue(v)
						}))
					]
				},
				joined,
				figure
			)
		});
	}

	legend(data, colors, charts);
	for (const header of document.querySelectorAll<HTMLElement>('[data-run]')) {
		const color = colors.get(header.dataset.run ?? '');
		if (color) header.style.setProperty('--run-color', color);
	}
	addEventListener('resize', () => {
		for (const chart of charts) chart.plot.setSize({ width: width(chart.figure), height: CHART_HEIGHT });
	});
}

/** One toggle per run, for every chart at once (a chart's own legend toggles a line in it alone). */
function legend(data: SnapshotData, colors: Map<string, string>, charts: Chart[]): void {
	const list = document.getElementById('legend')!;
	for (const [index, run] of data.runs.entries()) {
		const button = element('button', 'run');
		button.type = 'button';
		button.setAttribute('aria-pressed', 'true');
		button.style.setProperty('--run-color', colors.get(run.id) ?? 'currentColor');
		button.textContent = run.name;
		button.addEventListener('click', () => {
			const show = button.getAttribute('aria-pressed') !== 'true';
			button.setAttribute('aria-pressed', String(show));
			for (const chart of charts) {
				const line = chart.runs.indexOf(index);
				if (line >= 0) chart.plot.setSeries(line + 1, { show });
			}
		});
		list.append(button);
	}
}

const source = document.getElementById(DATA_ID);
if (source?.textContent) {
	draw(JSON.parse(source.textContent) as SnapshotData);
	// Read by tests and the benchmark: the charts are on the page.
	document.documentElement.dataset.drawn = String(performance.now());
}
