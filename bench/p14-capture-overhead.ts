/**
 * P14 capture overhead: what the SDKs' automatic capture (run context, system metrics, console
 * tee) costs a training script, for the Python SDK and the TypeScript SDK. Two workloads each,
 * timed with capture on (ours) and off (baseline: TORA_CAPTURE_CONTEXT=0, TORA_CAPTURE_CONSOLE=0,
 * TORA_SYSTEM_METRICS_INTERVAL=0), same server, same driver:
 *   - a tight logging loop: `metric()` as fast as possible (console quiet);
 *   - a console flood: `print()` / `console.log()` as fast as possible (stdout to /dev/null, as
 *     under a scheduler).
 * Only the loop is timed (not start-up, the flush or shutdown). System metrics sample every second
 * (the default is 15 s) so they run during the loop. Each pair runs in the order off, on, on, off,
 * halves summed, so neither side gains from running later.
 *
 * The Python SDK sends from a thread while the loop runs. Node has one thread: the TypeScript
 * driver's loop yields to the event loop every YIELD_EVERY iterations (as a training loop's
 * awaits would), so the senders, the console tee's batches and the system sampler run during it;
 * the baseline yields the same way.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const BENCHMARK = 'P14 capture overhead';
const POINTS = Number(process.env.BENCH_P14_POINTS ?? 200_000);
const LINES = Number(process.env.BENCH_P14_LINES ?? 200_000);
const TS_POINTS = Number(process.env.BENCH_P14_TS_POINTS ?? 200_000);
const TS_LINES = Number(process.env.BENCH_P14_TS_LINES ?? 100_000);
const ROOT = join(import.meta.dirname, '..');
const SDK_DIR = join(ROOT, 'sdk', 'python');
const TS_SDK = join(ROOT, 'sdk', 'ts', 'src', 'index.ts');
const PYTHON = process.env.PYTHON ?? 'python3';
const YIELD_EVERY = 1000;

/** The driver: times the loop, then flushes and shuts down, and reports on stderr (stdout is the flood). */
const DRIVER = `
import json, sys, time, tora
mode, count = sys.argv[1], int(sys.argv[2])
client = tora.Tora.create_experiment("p14 " + mode, tags=["bench"])
time.sleep(0.5)  # let the context capture (git, packages) finish first: it is a one-off
start = time.perf_counter()
worst = 0.0
if mode == "loop":
    for step in range(count):
        t = time.perf_counter()
        client.metric("train/loss", 1.0 / (step + 1), step)
        worst = max(worst, time.perf_counter() - t)
else:
    for i in range(count):
        t = time.perf_counter()
        print("epoch 3 step %d loss 0.123456 acc 0.9876 lr 0.0003" % i)
        worst = max(worst, time.perf_counter() - t)
seconds = time.perf_counter() - start
client.flush(timeout=120)
stats = client.stats
client.shutdown()
out = {"seconds": seconds, "worst": worst, "sent": stats["sent"],
       "console_sent": stats.get("console_sent", 0), "not_captured": stats.get("console_not_captured", 0)}
print(json.dumps(out), file=sys.__stderr__)
`;

/**
 * The TypeScript driver (run by Node with tsx, on the SDK's sources): the same loop and the same
 * report on stderr, written once capture has stopped. Settings come in the environment.
 */
const TS_DRIVER = `
const { Tora } = await import(process.env.P14_SDK);
const mode = process.env.P14_MODE;
const count = Number(process.env.P14_COUNT);
const yieldEvery = Number(process.env.P14_YIELD_EVERY);
const run = await Tora.create({ name: 'p14 ts ' + mode, tags: ['bench'] });
await new Promise((resolve) => setTimeout(resolve, 500)); // the context capture is a one-off
const pause = () => new Promise((resolve) => setImmediate(resolve));
const start = performance.now();
let worst = 0;
for (let i = 0; i < count; i++) {
	const t = performance.now();
	if (mode === 'loop') run.metric('train/loss', 1 / (i + 1), i);
	else console.log('epoch 3 step ' + i + ' loss 0.123456 acc 0.9876 lr 0.0003');
	worst = Math.max(worst, performance.now() - t);
	if ((i + 1) % yieldEvery === 0) await pause();
}
const seconds = (performance.now() - start) / 1000;
const summary = await run.finish();
const out = {
	seconds,
	worst: worst / 1000,
	sent: summary.sent,
	console_sent: summary.console?.sent ?? 0,
	not_captured: summary.console?.droppedInFlood ?? 0
};
process.stderr.write(JSON.stringify(out) + '\\n');
`;

type Sdk = 'python' | 'ts';

interface DriverRun {
	seconds: number;
	worst: number;
	sent: number;
	console_sent: number;
	not_captured: number;
}

type Mode = 'loop' | 'flood';

function drive(ctx: BenchContext, key: string, sdk: Sdk, mode: Mode, capture: boolean, count: number) {
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PYTHONPATH: SDK_DIR,
		TORA_BASE_URL: `${ctx.baseUrl}/api`,
		TORA_API_KEY: key,
		TORA_SYSTEM_METRICS_INTERVAL: capture ? '1' : '0',
		TORA_CAPTURE_CONTEXT: capture ? '1' : '0',
		TORA_CAPTURE_CONSOLE: capture ? '1' : '0',
		P14_SDK: TS_SDK,
		P14_MODE: mode,
		P14_COUNT: String(count),
		P14_YIELD_EVERY: String(YIELD_EVERY)
	};
	const [command, args] =
		sdk === 'python'
			? [PYTHON, ['-c', DRIVER, mode, String(count)]]
			: [process.execPath, ['--import', 'tsx', '--input-type=module', '-e', TS_DRIVER]];
	return new Promise<DriverRun>((resolve, reject) => {
		const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
		child.on('close', (code) => {
			clearTimeout(timer);
			const last = stderr.trim().split('\n').pop() ?? '';
			if (code !== 0 || !last.startsWith('{')) {
				reject(new Error(`${sdk} driver ${mode} exited ${code}: ${stderr.slice(-2000)}`));
				return;
			}
			const run = JSON.parse(last) as DriverRun;
			ctx.log(
				`P14 ${sdk} ${mode} capture ${capture ? 'on' : 'off'}: ${count} in ${run.seconds.toFixed(3)} s, ` +
					`worst call ${(run.worst * 1000).toFixed(2)} ms, console lines sent ${run.console_sent}, not captured ${run.not_captured}`
			);
			resolve(run);
		});
	});
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	const { token } = await ctx.signIn();
	const key = await ctx.createApiKey(token);
	const rows: BenchRow[] = [];
	const workloads = [
		['python', 'loop', POINTS],
		['python', 'flood', LINES],
		['ts', 'loop', TS_POINTS],
		['ts', 'flood', TS_LINES]
	] as const;
	for (const sdk of ['python', 'ts'] as const) await drive(ctx, key, sdk, 'loop', true, 20_000); // warm-up, not measured
	for (const [sdk, mode, count] of workloads) {
		const zero = (): DriverRun => ({ seconds: 0, worst: 0, sent: 0, console_sent: 0, not_captured: 0 });
		const on = zero();
		const off = zero();
		for (const capture of [false, true, true, false]) {
			const half = await drive(ctx, key, sdk, mode, capture, count / 2);
			const sum = capture ? on : off;
			sum.seconds += half.seconds;
			sum.worst = Math.max(sum.worst, half.worst);
			sum.sent += half.sent;
			sum.console_sent += half.console_sent;
			sum.not_captured += half.not_captured;
		}
		rows.push(...workloadRows(sdk, mode, count, on, off));
	}
	return rows;
}

function workloadRows(sdk: Sdk, mode: Mode, count: number, on: DriverRun, off: DriverRun): BenchRow[] {
	const calls = sdk === 'python' ? ['metric()', 'print()'] : ['run.metric()', 'console.log()'];
	const what = `${sdk === 'python' ? 'Python' : 'TypeScript'} SDK, ${
		mode === 'loop'
			? `tight loop, ${count.toLocaleString('en')} ${calls[0]} calls`
			: `console flood, ${count.toLocaleString('en')} ${calls[1]} lines`
	}`;
	const tee =
		sdk === 'python'
			? 'context + system metrics every 1 s + console tee'
			: 'the same, yielding every 1,000 calls';
	return [
		{
			benchmark: BENCHMARK,
			metric: `${what}: wall time`,
			ours: on.seconds * 1000,
			baseline: off.seconds * 1000,
			unit: 'ms',
			note:
				mode === 'loop'
					? `capture on: ${tee}; baseline all off`
					: `capture on: ${on.console_sent.toLocaleString('en')} lines sent, ${on.not_captured.toLocaleString('en')} not captured (queue full)`
		},
		{
			benchmark: BENCHMARK,
			metric: `${what}: slowest single call`,
			ours: on.worst * 1000,
			baseline: off.worst * 1000,
			unit: 'ms',
			note: `the longest one call took (GC pauses${sdk === 'python' ? ' and the GIL' : ''} included)`
		}
	];
}

runIfMain(import.meta.url, run);
