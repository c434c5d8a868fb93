import { describe, expect, it } from 'vitest';
import { collectSnapshot, type SnapshotExperimentRead, type SnapshotSeriesRequest } from './collect.js';
import { SNAPSHOT_SIZE_GOAL_BYTES, snapshotBuckets, MAX_SNAPSHOT_POINTS, type SnapshotData } from './data.js';
import { escapeHtml, renderSnapshot, scriptJson, SNAPSHOT_CSP, SNAPSHOT_DATA_ID } from './render.js';

const HOSTILE = '</script><script>alert(1)</script>';

/** A plausible training curve: `points` steps of a decaying loss with noise. */
function curve(points: number, seed: number): { x: number[]; y: number[] } {
	const x = Array.from({ length: points }, (_, i) => i * 10);
	const y = x.map((step, i) => Math.exp(-step / 4000) + 0.01 * Math.sin(i * 12.9898 + seed) + 1 / 3);
	return { x, y };
}

function experiment(index: number, metrics: string[], overrides: Partial<SnapshotExperimentRead> = {}) {
	return {
		id: `0190e0c0-0000-7000-8000-${String(index).padStart(12, '0')}`,
		name: `run-${index}`,
		status: 'finished',
		created_at: '2026-12-07T10:00:00.000Z',
		description: 'baseline',
		tags: ['paper'],
		hyperparams: [
			{ key: 'lr', value: 0.001 * (index + 1) },
			{ key: 'optimizer', value: 'adam' }
		],
		results: [{ name: 'accuracy', value: 0.9 + index / 100 }],
		metrics: metrics.map((name) => ({ name, count: 100_000 })),
		notes: 'Tried **warmup**.',
		...overrides
	} satisfies SnapshotExperimentRead;
}

/** An API stand-in answering as the server does, with `points` per series (capped at the buckets asked). */
function fakeSource(experiments: SnapshotExperimentRead[], points = 1000) {
	const requests: SnapshotSeriesRequest[] = [];
	return {
		requests,
		source: {
			experiment: async (id: string) => experiments.find((e) => e.id === id)!,
			series: async (body: SnapshotSeriesRequest) => {
				requests.push(body);
				const series = body.experimentIds.flatMap((id, run) =>
					body.metrics.map((metric, m) => ({
						experiment_id: id,
						metric,
						...curve(Math.min(points, body.buckets), run * 31 + m)
					}))
				);
				return { buckets: body.buckets, truncated: false, series };
			}
		}
	};
}

const METRICS = Array.from({ length: 10 }, (_, i) => `train/metric_${i}`);

async function tenByFive(): Promise<SnapshotData> {
	const runs = Array.from({ length: 5 }, (_, i) => experiment(i, METRICS));
	return collectSnapshot(
		fakeSource(runs).source,
		runs.map((r) => r.id)
	);
}

/** The JSON the viewer reads, parsed back. */
function embedded(html: string): SnapshotData {
	const match = new RegExp(
		`<script type="application/json" id="${SNAPSHOT_DATA_ID}">(.*?)</script>`,
		's'
	).exec(html);
	return JSON.parse(match![1]) as SnapshotData;
}

describe('renderSnapshot', () => {
	it('makes every user string text: names, tags, hyperparameters, results, notes, the title', async () => {
		const hostile = experiment(1, ['loss'], {
			name: HOSTILE,
			description: `<img src=x onerror=alert(1)>`,
			tags: [`"><svg onload=alert(1)>`],
			hyperparams: [{ key: HOSTILE, value: `<b>${HOSTILE}</b>` }],
			results: [{ name: `<i>${HOSTILE}`, value: 1 }],
			notes: `<!-- ${HOSTILE} \u2028 & <style>`
		});
		const data = await collectSnapshot(fakeSource([hostile]).source, [hostile.id]);
		const html = renderSnapshot(data);
		// The only script elements are the data and the viewer, and the only tags are ours.
		expect(html.match(/<script/gi)).toHaveLength(2);
		expect(html).not.toContain('<img');
		expect(html).not.toContain('<svg');
		expect(html).not.toContain('<b>');
		expect(html).not.toContain('<!--');
		expect(html).toContain(`<h1>${escapeHtml(HOSTILE)} </h1>`.replace(' <', '<'));
		expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
		// The embedded JSON reads back to exactly what was given.
		const back = embedded(html);
		expect(back.runs[0].name).toBe(HOSTILE);
		expect(back.runs[0].notes).toBe(hostile.notes);
		expect(back.runs[0].hyperparams[0]).toEqual({ key: HOSTILE, value: `<b>${HOSTILE}</b>` });
	});

	it('embeds JSON with <, >, & and line separators escaped', () => {
		expect(scriptJson({ a: '</script>&\u2028' })).toBe('{"a":"\\u003c/script\\u003e\\u0026\\u2028"}');
	});

	it('fetches nothing: a strict CSP and no URL anywhere in the file', async () => {
		const html = renderSnapshot(await tenByFive());
		expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${SNAPSHOT_CSP}">`);
		expect(html).not.toMatch(/https?:|\/\/[a-z]|\bsrc=|\bhref=|@import|url\(/i);
	});

	it('keeps 10 metrics × 5 runs at 1,000 points each under 2 MB, and says how big it is', async () => {
		const data = await tenByFive();
		expect(data.buckets).toBe(1000);
		expect(data.series).toHaveLength(50);
		expect(data.series.every((s) => s.x.length === 1000)).toBe(true);
		const html = renderSnapshot(data);
		const bytes = new TextEncoder().encode(html).length;
		expect(bytes).toBeLessThanOrEqual(SNAPSHOT_SIZE_GOAL_BYTES);
		const stated = /This file: ([\d.]+) (KB|MB)/.exec(html)!;
		const statedBytes = Number(stated[1]) * (stated[2] === 'KB' ? 1024 : 1024 * 1024);
		expect(Math.abs(statedBytes - bytes) / bytes).toBeLessThan(0.01);
		expect(html).toContain('50,000 points, at most 1000 per series');
	});

	it('asks for fewer points per series as runs × metrics grow, so any snapshot stays bounded', async () => {
		expect(snapshotBuckets(50)).toBe(1000);
		expect(snapshotBuckets(100 * 50) * 100 * 50).toBeLessThanOrEqual(MAX_SNAPSHOT_POINTS);
		const runs = Array.from({ length: 40 }, (_, i) => experiment(i, METRICS));
		const { source, requests } = fakeSource(runs);
		const data = await collectSnapshot(
			source,
			runs.map((r) => r.id)
		);
		expect(requests[0].buckets).toBe(250);
		expect(data.series.reduce((sum, s) => sum + s.x.length, 0)).toBeLessThanOrEqual(MAX_SNAPSHOT_POINTS);
	});

	it('keeps the first 50 metrics by name and says so', async () => {
		const many = Array.from({ length: 60 }, (_, i) => `m${String(i).padStart(2, '0')}`);
		const run = experiment(0, many);
		const data = await collectSnapshot(fakeSource([run]).source, [run.id]);
		expect(data.metrics).toHaveLength(50);
		expect(data.truncated).toBe(true);
		expect(renderSnapshot(data)).toContain('the first 50 of 60 metrics (by name)');
	});

	it('shows a run without metrics, results or notes', async () => {
		const run = experiment(0, [], { hyperparams: [], results: [], notes: '' });
		const html = renderSnapshot(await collectSnapshot(fakeSource([run]).source, [run.id]));
		expect(html).toContain('No metrics.');
		expect(html).toContain('No results.');
		expect(html).toContain('No notes.');
	});
});
