/**
 * `tora import tensorboard <dir>`: every directory that holds `events.out.tfevents.*` files is a
 * run (as in TensorBoard), named by its path relative to `<dir>`; its files are read in name order
 * (the name starts with the writer's start time), record by record, and every scalar becomes a
 * point of the metric named by its tag, at the event's step, with the event's wall time.
 *
 * The import key is `tensorboard:<the run's first event file name>`: a writer names its file by
 * its start time, host and process, so the key stays the same when the directory is moved or
 * imported from another level, and two runs that happen to share a relative path never merge.
 */
import { opendir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { EventDecoder } from './event.js';
import { experimentName, importKey } from './fields.js';
import { ProtobufError } from './protobuf.js';
import { readRecords, type RecordIssue } from './tfrecord.js';
import type { ImportStats } from './stats.js';
import type { RunSpec, RunWriter, SeriesHandle } from './uploader.js';

const EVENT_FILE = /^events\.out\.tfevents\./;
/** Values per event told apart in msg_ids (a summary rarely holds more than a handful). */
const VALUES_PER_EVENT = 1024;
const TWO_63 = 2 ** 63;

export interface TensorBoardRun {
	/** Relative to the imported directory ('.' for the directory itself). */
	relative: string;
	files: Array<{ path: string; name: string; size: number }>;
}

/** The runs under `root` (a directory, or one event file), in path order. */
export async function findRuns(root: string, stats: ImportStats): Promise<TensorBoardRun[]> {
	const info = await stat(root);
	if (!info.isDirectory()) {
		stats.bytesTotal += info.size;
		return [
			{
				relative: basename(resolve(root, '..')),
				files: [{ path: root, name: basename(root), size: info.size }]
			}
		];
	}
	const runs: TensorBoardRun[] = [];
	await walk(root, root, runs, stats);
	return runs;
}

async function walk(root: string, dir: string, runs: TensorBoardRun[], stats: ImportStats): Promise<void> {
	const files: TensorBoardRun['files'] = [];
	const subdirs: string[] = [];
	for await (const entry of await opendir(dir)) {
		// Symbolic links are not followed: a link back up the tree would never end.
		if (entry.isDirectory()) subdirs.push(entry.name);
		else if (entry.isFile() && EVENT_FILE.test(entry.name)) {
			const path = join(dir, entry.name);
			const { size } = await stat(path);
			files.push({ path, name: entry.name, size });
			stats.bytesTotal += size;
		}
	}
	if (files.length) {
		files.sort((a, b) => compare(a.name, b.name));
		runs.push({ relative: relative(root, dir) || '.', files });
	}
	subdirs.sort(compare);
	for (const name of subdirs) await walk(root, join(dir, name), runs, stats);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** How a run is described to the server. */
export function runSpec(run: TensorBoardRun, root: string): RunSpec {
	const name = run.relative === '.' ? basename(resolve(root)) : run.relative;
	return {
		key: importKey('tensorboard', run.files[0].name),
		name: experimentName(name),
		project: null,
		description: `Imported from TensorBoard event files (${run.relative === '.' ? name : run.relative}).`,
		status: 'finished'
	};
}

const ISSUE_REASONS: Record<RecordIssue['kind'], string> = {
	'bad-data-crc': 'records with a bad CRC',
	'corrupt-region':
		'corrupt stretches of an event file (a length with a bad CRC), skipped to the next good record',
	truncated: 'records cut off at the end of an event file',
	oversized: 'records over 64 MB (not scalars), skipped unread',
	'not-tfrecord': 'files named like event files that are not TFRecord files'
};

/** Streams the run's scalars into `writer`. */
export async function readRun(run: TensorBoardRun, writer: RunWriter, stats: ImportStats): Promise<void> {
	const onIssue = (issue: RecordIssue) => stats.skip(ISSUE_REASONS[issue.kind]);
	const onBytes = (bytes: number) => (stats.bytesDone += bytes);
	for (const file of run.files) {
		const decoder = new EventDecoder();
		const handles = new Map<string, SeriesHandle>();
		let record = -1;
		await readRecords(file.path, { onIssue, onBytes }, (bytes, start, end) => {
			record++;
			let event;
			try {
				event = decoder.decode(bytes, start, end);
			} catch (error) {
				if (!(error instanceof ProtobufError)) throw error;
				stats.skip('records that are not Event messages');
				return;
			}
			for (const kind of event.ignored) stats.ignore(kind);
			// int64 steps below zero arrive as numbers at or above 2^63.
			const step = event.step >= TWO_63 ? -1 : event.step;
			const timeMs = event.wallTime === null ? null : event.wallTime * 1000;
			// A full batch waits for a slot: the promise is passed back, so the next record waits too.
			let wait: Promise<void> | undefined;
			for (let i = 0; i < event.scalarCount; i++) {
				const scalar = event.scalars[i];
				if (scalar.index >= VALUES_PER_EVENT) {
					stats.skip(`values beyond the first ${VALUES_PER_EVENT} of one event`);
					continue;
				}
				let handle = handles.get(scalar.tag);
				if (!handle) {
					// Series are told apart per file: two writers' points at one step are both kept.
					handle = writer.handle(scalar.tag, `${file.name}\0${scalar.tag}`);
					handles.set(scalar.tag, handle);
				}
				const index = record * VALUES_PER_EVENT + scalar.index;
				const text = scalar.float32 && Number.isFinite(scalar.value) ? float32Text(scalar.value) : undefined;
				wait = writer.add(handle, step, scalar.value, timeMs, index, text) ?? wait;
			}
			return wait;
		});
	}
}

/**
 * A float32 as JSON number text: the fewest significant digits (7, 8 or 9; nine always do) that
 * read back as the same float32, so a loss logged as 0.1 and stored as a float32 arrives as
 * 0.1000000 (the double 0.1), not 0.10000000149011612. toPrecision's text is valid JSON as it is,
 * which spares converting the number to text a second time.
 */
export function float32Text(value: number): string {
	for (let digits = 7; digits < 9; digits++) {
		const text = value.toPrecision(digits);
		if (Math.fround(Number(text)) === value) return text;
	}
	return value.toPrecision(9);
}

/** The number float32Text() writes. */
export const float32Decimal = (value: number) =>
	Number.isFinite(value) ? Number(float32Text(value)) : value;
