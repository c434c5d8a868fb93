/**
 * What an import did, counted as it goes: runs, points read and what the server made of them,
 * and every record or value that was not imported, by reason. The progress display reads it, and
 * the summary at the end prints it.
 */

export interface RunOutcome {
	name: string;
	key: string;
	experimentId: string | null;
	/** false: the workspace already had the run (an earlier import), so only missing points were added. */
	created: boolean;
	points: number;
}

export class ImportStats {
	/** Runs found in the source. */
	runsFound = 0;
	runsDone = 0;
	runsCreated = 0;
	runsExisting = 0;
	/** Points read from the source and handed to the server (or counted, on a dry run). */
	pointsRead = 0;
	/** The server's answers: newly stored, and already there (an earlier import's). */
	pointsStored = 0;
	pointsDuplicate = 0;
	/** Bytes of the source read so far, and in all (for progress). */
	bytesDone = 0;
	bytesTotal = 0;
	/** Records or points that were not imported, by reason. */
	readonly skipped = new Map<string, number>();
	/** Source data that has no place in Tora (images, histograms...), by kind. */
	readonly ignored = new Map<string, number>();
	/** Source names changed to fit the server's rules (source → metric name), the first 20. */
	readonly renamed = new Map<string, string>();
	renamedCount = 0;
	/** One-off remarks (a server that does not keep point times...). */
	readonly notes: string[] = [];
	readonly runs: RunOutcome[] = [];
	readonly started = Date.now();

	skip(reason: string, count = 1): void {
		this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + count);
	}

	ignore(kind: string, count = 1): void {
		this.ignored.set(kind, (this.ignored.get(kind) ?? 0) + count);
	}

	rename(from: string, to: string): void {
		this.renamedCount++;
		if (this.renamed.size < 20) this.renamed.set(from, to);
	}

	note(message: string): void {
		if (!this.notes.includes(message)) this.notes.push(message);
	}

	get skippedTotal(): number {
		let total = 0;
		for (const count of this.skipped.values()) total += count;
		return total;
	}

	toJSON() {
		const seconds = (Date.now() - this.started) / 1000;
		return {
			runs: {
				found: this.runsFound,
				imported: this.runsDone,
				created: this.runsCreated,
				existing: this.runsExisting
			},
			points: {
				read: this.pointsRead,
				stored: this.pointsStored,
				duplicates: this.pointsDuplicate
			},
			skipped: Object.fromEntries(this.skipped),
			ignored: Object.fromEntries(this.ignored),
			renamed: { count: this.renamedCount, examples: Object.fromEntries(this.renamed) },
			notes: this.notes,
			seconds,
			experiments: this.runs
		};
	}
}
