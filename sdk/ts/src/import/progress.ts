/**
 * Progress on stderr while an import runs, and the summary at its end. On a terminal a bar is
 * redrawn in place a few times a second (by the bytes of the source read); otherwise a plain
 * line per finished run, and one every 10 s while a long run is read, so a log shows progress
 * without control characters. The display reads ImportStats on a timer: the importers never pay
 * for it per point.
 */
import { formatBytes, printable } from '../cli-format.js';
import type { ImportStats, RunOutcome } from './stats.js';

const REDRAW_MS = 200;
const PLAIN_EVERY_MS = 10_000;
const BAR = 24;

export interface Output {
	write(text: string): unknown;
	isTTY?: boolean;
}

const count = (value: number) => value.toLocaleString('en-US');

export class ImportProgress {
	private timer: ReturnType<typeof setInterval> | undefined;
	private lastLine = 0;

	constructor(
		private readonly out: Output,
		private readonly stats: ImportStats,
		private readonly now: () => number = Date.now
	) {}

	private get tty(): boolean {
		return Boolean(this.out.isTTY);
	}

	start(): void {
		this.lastLine = this.now();
		this.timer = setInterval(() => this.tick(), this.tty ? REDRAW_MS : 1000);
		this.timer.unref();
		if (this.tty) this.draw();
	}

	runDone(run: RunOutcome): void {
		if (this.tty) return this.draw();
		const { runsDone, runsFound } = this.stats;
		let remark = '';
		if (run.experimentId && !run.created) remark = ' (imported before: only missing points added)';
		else if (!run.experimentId && run.points === 0) remark = ' (nothing to import)';
		this.line(
			`run ${count(runsDone)}/${count(runsFound)} ${JSON.stringify(printable(run.name))}: ${count(run.points)} points${remark}`
		);
	}

	stop(): void {
		clearInterval(this.timer);
		if (this.tty) {
			this.draw();
			this.out.write('\n');
		}
	}

	private tick(): void {
		if (this.tty) this.draw();
		else if (this.now() - this.lastLine >= PLAIN_EVERY_MS) this.line(this.status());
	}

	private line(text: string): void {
		this.lastLine = this.now();
		this.out.write(`tora import: ${text}\n`);
	}

	private draw(): void {
		const { bytesDone, bytesTotal } = this.stats;
		const fraction = bytesTotal > 0 ? Math.min(1, bytesDone / bytesTotal) : 0;
		const filled = Math.round(fraction * BAR);
		const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
		this.out.write(`\rtora import ${bar} ${this.status()}\x1b[K`);
	}

	private status(): string {
		const s = this.stats;
		const seconds = Math.max(0.001, (this.now() - s.started) / 1000);
		const parts = [
			`${count(s.runsDone)}/${count(s.runsFound)} runs`,
			`${count(s.pointsRead)} points (${count(Math.round(s.pointsRead / seconds))}/s)`,
			`${formatBytes(s.bytesDone)} of ${formatBytes(s.bytesTotal)}`
		];
		const skipped = s.skippedTotal;
		if (skipped) parts.push(`${count(skipped)} skipped`);
		return parts.join(' · ');
	}
}

/** The summary printed at the end (stdout), every reason for a skip named. */
export function summary(stats: ImportStats, target: string, dryRun: boolean): string {
	const s = stats;
	const seconds = (Date.now() - s.started) / 1000;
	const rate = Math.round(s.pointsRead / Math.max(seconds, 0.001));
	const lines = dryRun
		? [
				`Read ${count(s.runsDone)} of ${count(s.runsFound)} runs (dry run: nothing sent): ${count(s.pointsRead)} points in ${seconds.toFixed(1)} s (${count(rate)} points/s).`
			]
		: [
				`Imported ${count(s.runsDone)} of ${count(s.runsFound)} runs into ${printable(target)} (${count(s.runsCreated)} new, ${count(s.runsExisting)} already there).`,
				`Points: ${count(s.pointsRead)} read, ${count(s.pointsStored)} stored, ${count(s.pointsDuplicate)} already there; ${seconds.toFixed(1)} s (${count(rate)} points/s).`
			];
	const section = (title: string, entries: Map<string, number>) => {
		if (entries.size === 0) return;
		lines.push(title);
		const sorted = [...entries].sort((a, b) => b[1] - a[1]);
		const width = Math.max(...sorted.map(([, n]) => count(n).length));
		for (const [reason, n] of sorted) lines.push(`  ${count(n).padStart(width)}  ${printable(reason)}`);
	};
	section('Skipped (not imported):', s.skipped);
	section('Ignored (nothing in Tora holds them):', s.ignored);
	if (s.renamedCount) {
		const examples = [...s.renamed]
			.slice(0, 3)
			.map(([from, to]) => `${JSON.stringify(printable(from))} → ${to}`)
			.join(', ');
		lines.push(
			`Renamed ${count(s.renamedCount)} series to fit metric names (letters, digits, _ - . /), e.g. ${examples}.`
		);
	}
	for (const note of s.notes) lines.push(`Note: ${printable(note)}`);
	return lines.join('\n');
}
