/**
 * `npm run bench`: every `bench/pN-name.ts` in order, in one harness (one database, one server).
 * `npm run bench -- p1 p5` runs only the named ones (by prefix).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './lib/context.ts';
import { runBenchmarks, type NamedBenchmark } from './lib/main.ts';
import type { Benchmark } from './lib/types.ts';

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
	.filter((file) => /^p\d+-[\w-]+\.ts$/.test(file))
	.sort((a, b) => Number(/^p(\d+)/.exec(a)![1]) - Number(/^p(\d+)/.exec(b)![1]))
	.filter((file) => wanted.length === 0 || wanted.some((prefix) => file.startsWith(prefix)));

const benchmarks: NamedBenchmark[] = [];
for (const file of files) {
	const module = (await import(join(dir, file))) as { default?: Benchmark };
	if (typeof module.default !== 'function') throw new Error(`${file} has no default export run(ctx)`);
	benchmarks.push({ name: file.replace(/\.ts$/, ''), run: module.default });
}
if (benchmarks.length === 0) throw new Error(`no benchmark matches ${wanted.join(' ')}`);
log(`running ${benchmarks.map((b) => b.name).join(', ')}`);
const ok = await runBenchmarks(benchmarks, wanted.length ? wanted.join(' ') : 'all');
process.exit(ok ? 0 : 1);
