/**
 * P17 import: `tora import tensorboard` on a directory of 100 runs × 10 tags × 10,000 steps
 * (1,000 steps on the embedded PGlite; BENCH_P17_RUNS / BENCH_P17_STEPS change it), written here
 * as TF2 writes it: one event per scalar, half the tags as `simple_value`, half as rank-0 float
 * tensors, in one TFRecord file per run.
 *
 *   ours:     the real CLI (`node sdk/ts/bin/tora.mjs import tensorboard <dir> --json`, under
 *             /usr/bin/time -v for its peak RSS): points/s from its own clock (start-up excluded)
 *   baseline: our batch endpoint driven directly, same run: the same kind of entries (same
 *             batch size, same msg_id scheme, same number of batches in flight), bodies made
 *             before the clock starts, half before and half after the import
 *
 * The ratio is what reading, checking and decoding the files costs on top of the upload. A dry
 * run (`--dry-run`: read and decode, send nothing) shows the reader's own speed.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
	closeSync,
	copyFileSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	rmSync,
	writeFileSync,
	writeSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';
import { Http } from '../sdk/ts/src/http.ts';
import { maskedCrc32c } from '../sdk/ts/src/import/crc32c.ts';
import { pointId, seriesKey } from '../sdk/ts/src/import/ids.ts';
import { DEFAULT_UPLOAD, TIME_FIELD, type TimesIn } from '../sdk/ts/src/import/uploader.ts';

const BENCHMARK = 'P17 import';
const TAGS = 10;
const RSS_GOAL_MB = 150;
const REPO = join(import.meta.dirname, '..');
const SDK = join(REPO, 'sdk', 'ts');
const WALL = 1_700_000_000;

const tagName = (tag: number) => (tag < 5 ? `train/metric_${tag}` : `eval/metric_${tag}`);
const valueOf = (step: number, tag: number) => Math.fround(1 / (step + 1) + tag / 100);
const wallOf = (step: number, tag: number) => WALL + step * 0.1 + tag * 0.001;

/** Protocol-buffer bytes, written by hand for speed: 10 million events in a few seconds. */
class Bytes {
	buffer: Buffer;
	length = 0;

	constructor(capacity = 256) {
		this.buffer = Buffer.allocUnsafe(capacity);
	}

	reserve(count: number): void {
		if (this.length + count <= this.buffer.length) return;
		const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + count));
		this.buffer.copy(bigger, 0, 0, this.length);
		this.buffer = bigger;
	}

	byte(value: number): void {
		this.reserve(1);
		this.buffer[this.length++] = value;
	}

	varint(value: number): void {
		while (value >= 0x80) {
			this.byte((value % 0x80) | 0x80);
			value = Math.floor(value / 0x80);
		}
		this.byte(value);
	}

	bytes(value: Uint8Array): void {
		this.reserve(value.length);
		this.buffer.set(value, this.length);
		this.length += value.length;
	}
}

function message(field: number, body: Uint8Array): Buffer {
	const out = new Bytes();
	out.varint(field * 8 + 2);
	out.varint(body.length);
	out.bytes(body);
	return out.buffer.subarray(0, out.length);
}

const f32 = (value: number) => {
	const b = Buffer.allocUnsafe(4);
	b.writeFloatLE(value);
	return b;
};

/** One Summary.Value: `simple_value` for the first five tags, a rank-0 DT_FLOAT tensor for the rest. */
function summaryValue(tag: number, value: number, first: boolean): Buffer {
	const name = message(1, Buffer.from(tagName(tag)));
	if (tag < 5) return Buffer.concat([name, Buffer.from([0x15]), f32(value)]);
	const tensor = Buffer.concat([
		Buffer.from([0x08, 0x01]),
		message(2, new Uint8Array(0)),
		message(5, f32(value))
	]);
	const parts = [name, message(8, tensor)];
	if (first) parts.push(message(9, message(1, message(1, Buffer.from('scalars')))));
	return Buffer.concat(parts);
}

function appendRecord(out: Bytes, data: Uint8Array): void {
	out.reserve(16 + data.length);
	const b = out.buffer;
	const at = out.length;
	b.writeUInt32LE(data.length, at);
	b.writeUInt32LE(0, at + 4);
	b.writeUInt32LE(maskedCrc32c(b, at, at + 8), at + 8);
	b.set(data, at + 12);
	b.writeUInt32LE(maskedCrc32c(data), at + 12 + data.length);
	out.length += 16 + data.length;
}

function eventBytes(step: number, tag: number): Uint8Array {
	const out = new Bytes();
	out.byte(0x09);
	out.reserve(8);
	out.buffer.writeDoubleLE(wallOf(step, tag), out.length);
	out.length += 8;
	out.byte(0x10);
	out.varint(step);
	out.bytes(message(5, message(1, summaryValue(tag, valueOf(step, tag), step === 0))));
	return out.buffer.subarray(0, out.length);
}

/** Each tag's `summary` field with a zero value: every event after the first only patches its last 4 bytes. */
const SUMMARIES = Array.from({ length: TAGS }, (_, tag) =>
	message(5, message(1, summaryValue(tag, 0, false)))
);

/** appendRecord(out, eventBytes(step, tag)), written in place: the generator's hot path. */
function appendEvent(out: Bytes, step: number, tag: number): void {
	if (step === 0) return appendRecord(out, eventBytes(step, tag));
	const summary = SUMMARIES[tag];
	let varintLength = 1;
	for (let rest = step; rest >= 0x80; rest = Math.floor(rest / 0x80)) varintLength++;
	const dataLength = 10 + varintLength + summary.length;
	out.reserve(16 + dataLength);
	const b = out.buffer;
	const at = out.length;
	b.writeUInt32LE(dataLength, at);
	b.writeUInt32LE(0, at + 4);
	b.writeUInt32LE(maskedCrc32c(b, at, at + 8), at + 8);
	out.length = at + 12;
	out.byte(0x09);
	b.writeDoubleLE(wallOf(step, tag), out.length);
	out.length += 8;
	out.byte(0x10);
	out.varint(step);
	out.bytes(summary);
	b.writeFloatLE(valueOf(step, tag), out.length - 4);
	b.writeUInt32LE(maskedCrc32c(b, at + 12, out.length), out.length);
	out.length += 4;
}

/** The TensorBoard directory: one event file per run, written a few MB at a time. */
export function writeTree(dir: string, runs: number, steps: number): number {
	let bytes = 0;
	for (let run = 0; run < runs; run++) {
		const runDir = join(dir, `run-${String(run).padStart(3, '0')}`);
		mkdirSync(runDir);
		const fd = openSync(
			join(runDir, `events.out.tfevents.${WALL + run}.bench.${process.pid}.${run}.v2`),
			'w'
		);
		const out = new Bytes(1 << 23);
		const version = new Bytes();
		version.byte(0x09);
		version.reserve(8);
		version.buffer.writeDoubleLE(WALL, version.length);
		version.length += 8;
		version.bytes(message(3, Buffer.from('brain.Event:2')));
		appendRecord(out, version.buffer.subarray(0, version.length));
		for (let step = 0; step < steps; step++) {
			for (let tag = 0; tag < TAGS; tag++) appendEvent(out, step, tag);
			if (out.length > 1 << 22) {
				writeSync(fd, out.buffer, 0, out.length);
				bytes += out.length;
				out.length = 0;
			}
		}
		writeSync(fd, out.buffer, 0, out.length);
		bytes += out.length;
		closeSync(fd);
	}
	return bytes;
}

interface CliRun {
	summary: {
		points: { read: number; stored: number; duplicates: number };
		seconds: number;
		pointTimes?: boolean;
	};
	wallSeconds: number;
	maxRssMb: number;
}

/**
 * The CLI as the package ships it: the SDK compiled (its `build` script, into `dir`) next to a copy
 * of bin/tora.mjs, which then runs dist/cli.js. In the repository `npx tora` runs the TypeScript
 * through tsx instead, whose loader thread adds some 35 MB to any command.
 */
function packagedCli(dir: string): string {
	const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
	const config = join(SDK, 'tsconfig.build.json');
	const outDir = join(dir, 'dist');
	const built = spawnSync(process.execPath, [tsc, '-p', config, '--outDir', outDir], { encoding: 'utf8' });
	if (built.status !== 0) throw new Error(`building the SDK failed: ${built.stdout}${built.stderr}`);
	mkdirSync(join(dir, 'bin'));
	copyFileSync(join(SDK, 'bin', 'tora.mjs'), join(dir, 'bin', 'tora.mjs'));
	writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
	return join(dir, 'bin', 'tora.mjs');
}

/** The packaged CLI under /usr/bin/time -v: its JSON summary, wall time and peak RSS. */
function runCli(ctx: BenchContext, bin: string, key: string, args: string[]): Promise<CliRun> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn('/usr/bin/time', ['-v', process.execPath, bin, ...args, '--json'], {
			env: { ...process.env, TORA_BASE_URL: `${ctx.baseUrl}/api`, TORA_API_KEY: key },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
		child.on('error', reject);
		child.on('close', (code) => {
			const wallSeconds = (performance.now() - started) / 1000;
			const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
			if (code !== 0 || !rss)
				return reject(new Error(`tora ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
			resolve({ summary: JSON.parse(stdout), wallSeconds, maxRssMb: Number(rss[1]) / 1024 });
		});
	});
}

/**
 * Where the importer will put point times on this server: the `timestamp` field when the server
 * takes it, else the point's metadata (see uploader.ts).
 */
async function timesIn(http: Http): Promise<TimesIn> {
	const created = await http.request('POST', '/experiments', { name: 'p17 probe' });
	const { id } = (JSON.parse(created.text) as { data: { id: string } }).data;
	const entry = `{"name":"x","msg_id":"${pointId(seriesKey('probe', 'x'), 0, 0)}","value":1,"step":0,"metadata":null,"${TIME_FIELD}":${WALL * 1000}}`;
	const answer = await http.request('POST', `/experiments/${id}/logs/batch`, `{"logs":[${entry}]}`);
	return answer.status === 201 ? 'timestamp' : 'metadata';
}

/**
 * The baseline: the same entries the importer would send for `runs` runs (same batch size, msg_id
 * scheme and times), posted straight to the batch endpoint with as many batches in flight.
 */
async function driveBatchEndpoint(http: Http, label: string, runs: number, steps: number, times: TimesIn) {
	const bodies: Array<{ id: string; body: string }> = [];
	for (let run = 0; run < runs; run++) {
		const created = await http.request('POST', '/experiments', { name: `p17 baseline ${label} ${run}` });
		const { id } = (JSON.parse(created.text) as { data: { id: string } }).data;
		const keys = Array.from({ length: TAGS }, (_, tag) =>
			seriesKey(`baseline:${label}:${run}`, tagName(tag))
		);
		let entries: string[] = [];
		for (let step = 0; step < steps; step++) {
			for (let tag = 0; tag < TAGS; tag++) {
				const time = Math.round(wallOf(step, tag) * 1000);
				const end = times === 'timestamp' ? `null,"${TIME_FIELD}":${time}}` : `{"ts":${time}}}`;
				entries.push(
					`{"name":"${tagName(tag)}","msg_id":"${pointId(keys[tag], step, step * TAGS + tag)}","value":${valueOf(step, tag)},"step":${step},"metadata":${end}`
				);
				if (entries.length === DEFAULT_UPLOAD.maxEntries) {
					bodies.push({ id, body: `{"logs":[${entries.join(',')}]}` });
					entries = [];
				}
			}
		}
		if (entries.length) bodies.push({ id, body: `{"logs":[${entries.join(',')}]}` });
	}
	const started = performance.now();
	let next = 0;
	let stored = 0;
	const worker = async () => {
		while (next < bodies.length) {
			const { id, body } = bodies[next++];
			const answer = await http.request('POST', `/experiments/${id}/logs/batch`, body);
			if (answer.status !== 201)
				throw new Error(`baseline batch: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
			stored += (JSON.parse(answer.text) as { data: { stored: number } }).data.stored;
		}
	};
	await Promise.all(Array.from({ length: DEFAULT_UPLOAD.inFlight }, worker));
	return { points: stored, seconds: (performance.now() - started) / 1000 };
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const runs = Number(process.env.BENCH_P17_RUNS ?? 100);
	const steps = Number(process.env.BENCH_P17_STEPS ?? (ctx.dbKind === 'postgres' ? 10_000 : 1_000));
	// A tenth of the runs, in two halves around the import.
	const half = Math.max(1, Math.round(runs / 20));
	const points = runs * TAGS * steps;
	const shape = `${runs} runs × ${TAGS} tags × ${steps.toLocaleString('en')} steps`;
	const work = mkdtempSync(join(tmpdir(), 'tora-p17-'));
	const dir = join(work, 'tensorboard');
	mkdirSync(dir);
	try {
		const bin = packagedCli(join(work, 'cli'));
		const started = performance.now();
		const bytes = writeTree(dir, runs, steps);
		ctx.log(
			`P17 wrote ${shape} (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`
		);
		const { token } = await ctx.signIn();
		const key = await ctx.createApiKey(token);
		const http = new Http({ baseUrl: `${ctx.baseUrl}/api`, apiKey: key, timeoutMs: 300_000 });
		const times = await timesIn(http);

		const dry = await runCli(ctx, bin, key, ['import', 'tensorboard', dir, '--dry-run']);
		ctx.log(
			`P17 dry run: ${dry.summary.points.read} points in ${dry.summary.seconds.toFixed(1)} s, peak RSS ${dry.maxRssMb.toFixed(0)} MB`
		);
		const before = await driveBatchEndpoint(http, 'a', half, steps, times);
		ctx.log(`P17 baseline (first half): ${before.points} points in ${before.seconds.toFixed(1)} s`);
		const ours = await runCli(ctx, bin, key, ['import', 'tensorboard', dir]);
		const { read, stored } = ours.summary.points;
		if (read !== points || stored !== points)
			throw new Error(`the import read ${read} and stored ${stored} of ${points} points`);
		ctx.log(
			`P17 import: ${stored} points in ${ours.summary.seconds.toFixed(1)} s (process ${ours.wallSeconds.toFixed(1)} s), peak RSS ${ours.maxRssMb.toFixed(0)} MB`
		);
		const after = await driveBatchEndpoint(http, 'b', half, steps, times);
		ctx.log(`P17 baseline (second half): ${after.points} points in ${after.seconds.toFixed(1)} s`);

		const oursRate = stored / ours.summary.seconds;
		const baselineRate = (before.points + after.points) / (before.seconds + after.seconds);
		const busy = 'a shared 2-core machine, busy with other work';
		return [
			{
				benchmark: BENCHMARK,
				metric: `tora import tensorboard, ${shape}: points/s`,
				ours: Math.round(oursRate),
				baseline: Math.round(baselineRate),
				unit: 'points/s',
				note: `baseline: ${(before.points + after.points).toLocaleString('en')} points straight to logs/batch, ${DEFAULT_UPLOAD.inFlight} batches in flight; ${(bytes / 1e6).toFixed(0)} MB of event files; point times in ${times === 'timestamp' ? 'the timestamp field' : 'metadata (the server does not take timestamp)'}; CLI process ${ours.wallSeconds.toFixed(0)} s with start-up; ${busy}`
			},
			{
				benchmark: BENCHMARK,
				metric: `tora import tensorboard, ${shape}: CLI peak RSS`,
				ours: Math.round(ours.maxRssMb),
				baseline: null,
				unit: 'MB',
				goal: `≤ ${RSS_GOAL_MB} MB`,
				met: ours.maxRssMb <= RSS_GOAL_MB,
				note: 'maximum resident set size of the CLI as packaged (compiled, no tsx), /usr/bin/time -v'
			},
			{
				benchmark: BENCHMARK,
				metric: `dry run (read, CRC, decode; nothing sent): points/s`,
				ours: Math.round(dry.summary.points.read / dry.summary.seconds),
				baseline: null,
				unit: 'points/s',
				note: `peak RSS ${dry.maxRssMb.toFixed(0)} MB; ${busy}`
			}
		];
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

runIfMain(import.meta.url, run);
