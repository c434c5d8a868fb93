import type { Experiment, ExperimentDetail } from '../contracts/experiments.ts';
import type { Db } from '../db.ts';
import { readContextSummary, readNotes } from './run-context.repository.ts';

/** The single-read shape: the experiment plus its markdown notes and captured context summary. */
export async function withDetail(db: Db, experiment: Experiment): Promise<ExperimentDetail> {
	const [notes, context] = await Promise.all([
		readNotes(db, experiment.id),
		readContextSummary(db, experiment.id)
	]);
	return { ...experiment, notes, context };
}
