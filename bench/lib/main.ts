/**
 * Running benchmarks in one harness: each in turn, a failure recorded as a row (the others still
 * run), then the table printed and appended to RESULTS.md. `runIfMain` makes a benchmark module
 * runnable on its own (`npx tsx bench/p1-api.ts`).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHarness, log } from './context.ts';
import { appendResults, textTable } from './report.ts';
import type { Benchmark, BenchRow } from './types.ts';

export interface NamedBenchmark {
	/** The file's name without `.ts`, e.g. `p1-api`. */
	name: string;
	run: Benchmark;
}

/** Runs the benchmarks, prints and records the table; resolves to false if any of them failed. */
export async function runBenchmarks(benchmarks: NamedBenchmark[], selection: string): Promise<boolean> {
	const started = Date.now();
	const harness = await createHarness();
	// Ctrl-C or a kill still stops the server and drops the database, and starts nothing new.
	let interrupted = false;
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			interrupted = true;
			log(`${signal}: cleaning up`);
			void harness.close().finally(() => process.exit(130));
		});
	}
	const rows: BenchRow[] = [];
	let ok = true;
	try {
		for (const benchmark of benchmarks) {
			if (interrupted) break;
			log(`── ${benchmark.name}`);
			const benchStarted = Date.now();
			try {
				rows.push(...(await withTimeout(benchmark.run(harness.ctx), benchmark.name)));
			} catch (error) {
				ok = false;
				log(
					`${benchmark.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
				);
				log(`server output (last lines):\n${harness.serverOutput().split('\n').slice(-30).join('\n')}`);
				rows.push({
					benchmark: benchmark.name,
					metric: 'FAILED',
					ours: Number.NaN,
					baseline: null,
					unit: '',
					met: false,
					note: error instanceof Error ? error.message.split('\n')[0] : String(error)
				});
			}
			log(`${benchmark.name} took ${((Date.now() - benchStarted) / 1000).toFixed(1)} s`);
		}
	} finally {
		await harness.close();
	}
	console.log(`\n${textTable(rows)}\n`);
	appendResults(rows, { database: harness.dbDescription, selection });
	log(`appended to bench/RESULTS.md; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
	return ok;
}

const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 300);

/**
 * Keeps one stuck benchmark from eating the whole run's time budget. Its work cannot be cancelled
 * and may go on in the background, so the rows after a timeout can be disturbed: the log says so.
 */
function withTimeout<T>(work: Promise<T>, name: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			log(`${name} timed out; anything it still runs may disturb the benchmarks after it`);
			reject(new Error(`timed out after ${TIMEOUT_S} s (BENCH_TIMEOUT_S)`));
		}, TIMEOUT_S * 1000);
	});
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `run` in its own harness when the calling module is the process's entry point. */
export function runIfMain(moduleUrl: string, run: Benchmark): void {
	const entry = process.argv[1];
	if (!entry || realpathSync(entry) !== realpathSync(fileURLToPath(moduleUrl))) return;
	const name = fileURLToPath(moduleUrl).split('/').pop()!.replace(/\.ts$/, '');
	runBenchmarks([{ name, run }], name).then(
		(ok) => process.exit(ok ? 0 : 1),
		(error) => {
			log(`could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
			process.exit(1);
		}
	);
}
