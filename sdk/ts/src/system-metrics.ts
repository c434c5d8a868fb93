/**
 * System metrics, sampled on a timer and logged as ordinary series named `system/...` (through the
 * client's sender: batched, idempotent, spooled like any metric).
 *
 * Linux: /proc/stat (machine CPU), /proc/meminfo, /proc/diskstats (whole disks), /proc/net/dev
 * (every interface but loopback). Elsewhere the machine CPU, disk and network series are left out
 * and memory comes from os.totalmem()/os.freemem(). The process's CPU and RSS come from Node itself.
 * GPUs: `nvidia-smi --query-gpu` in a subprocess with a timeout; no tool, no GPU series, no error.
 * The first sample is taken one interval after start (rates need two readings).
 */
import { readdir, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import { runCapped } from './subprocess.js';

export const DEFAULT_SYSTEM_METRICS_INTERVAL_MS = 15_000;
export const MIN_SYSTEM_METRICS_INTERVAL_MS = 1_000;
const GPU_TIMEOUT_MS = 5_000;

export type Emit = (name: string, value: number) => void;

interface CpuTimes {
	idle: number;
	total: number;
}

interface Reading {
	at: number;
	cpu: CpuTimes | null;
	processCpuMicros: number;
	disk: { read: number; write: number } | null;
	net: { sent: number; recv: number } | null;
}

async function text(path: string): Promise<string | null> {
	try {
		return await readFile(path, 'utf8');
	} catch {
		return null;
	}
}

/** The first `cpu` line of /proc/stat: idle (idle + iowait) and total jiffies. */
export function parseCpu(stat: string): CpuTimes | null {
	const line = stat.split('\n').find((l) => l.startsWith('cpu '));
	if (!line) return null;
	const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
	if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return null;
	return { idle: fields[3] + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
}

/** Bytes from /proc/meminfo (values are in kB). */
export function parseMeminfo(meminfo: string): { total: number; available: number } | null {
	const value = (key: string) => {
		const match = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(meminfo);
		return match ? Number(match[1]) * 1024 : null;
	};
	const total = value('MemTotal');
	const available = value('MemAvailable') ?? value('MemFree');
	return total === null || available === null ? null : { total, available };
}

/** Bytes read and written by the devices named in `disks` (sectors are 512 bytes in diskstats). */
export function parseDiskstats(diskstats: string, disks: Set<string>): { read: number; write: number } {
	let read = 0;
	let write = 0;
	for (const line of diskstats.split('\n')) {
		const fields = line.trim().split(/\s+/);
		if (fields.length < 10 || !disks.has(fields[2])) continue;
		read += Number(fields[5]) * 512;
		write += Number(fields[9]) * 512;
	}
	return { read, write };
}

/** Bytes received and sent by every interface but loopback. */
export function parseNetDev(netdev: string): { sent: number; recv: number } {
	let sent = 0;
	let recv = 0;
	for (const line of netdev.split('\n').slice(2)) {
		const [name, rest] = line.split(':');
		if (!rest || name.trim() === 'lo') continue;
		const fields = rest.trim().split(/\s+/).map(Number);
		recv += fields[0] || 0;
		sent += fields[8] || 0;
	}
	return { sent, recv };
}

/** Whole disks (not partitions, loop or RAM devices): the entries of /sys/block. */
async function wholeDisks(): Promise<Set<string>> {
	try {
		return new Set((await readdir('/sys/block')).filter((name) => !/^(loop|ram|zram)/.test(name)));
	} catch {
		return new Set();
	}
}

export interface GpuSample {
	utilization: number | null;
	memoryUsedBytes: number | null;
	temperature: number | null;
	powerW: number | null;
}

/** `nvidia-smi --format=csv,noheader,nounits` lines; `[N/A]` and the like become null. */
export function parseGpus(output: string): GpuSample[] {
	const number = (raw: string | undefined) => {
		const value = Number(raw?.trim());
		return raw !== undefined && raw.trim() !== '' && Number.isFinite(value) ? value : null;
	};
	return output
		.split('\n')
		.filter((line) => line.trim())
		.map((line) => {
			const [utilization, memory, temperature, power] = line.split(',');
			const mib = number(memory);
			return {
				utilization: number(utilization),
				memoryUsedBytes: mib === null ? null : Math.round(mib * 1024 * 1024),
				temperature: number(temperature),
				powerW: number(power)
			};
		});
}

export class SystemMetrics {
	private timer: ReturnType<typeof setInterval> | null = null;
	private last: Reading | null = null;
	private sampling = false;
	private gpuAvailable = true;
	private disks: Promise<Set<string>>;
	/** Samples taken (for tests and diagnostics). */
	samples = 0;

	constructor(
		private readonly emit: Emit,
		intervalMs: number
	) {
		this.disks = wholeDisks();
		void this.read().then((reading) => {
			this.last ??= reading;
		});
		this.timer = setInterval(() => void this.sample(), intervalMs);
		// Sampling must never keep a finished script alive.
		this.timer.unref?.();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
	}

	private async read(): Promise<Reading> {
		const [stat, diskstats, netdev, disks] = await Promise.all([
			text('/proc/stat'),
			text('/proc/diskstats'),
			text('/proc/net/dev'),
			this.disks
		]);
		const usage = process.cpuUsage();
		return {
			at: performance.now(),
			cpu: stat ? parseCpu(stat) : null,
			processCpuMicros: usage.user + usage.system,
			disk: diskstats ? parseDiskstats(diskstats, disks) : null,
			net: netdev ? parseNetDev(netdev) : null
		};
	}

	/** One sample; never throws (a failing source is left out). */
	private async sample(): Promise<void> {
		if (this.sampling || !this.timer) return;
		this.sampling = true;
		try {
			const [reading, meminfo, gpus] = await Promise.all([this.read(), text('/proc/meminfo'), this.gpus()]);
			if (!this.timer) return; // stopped meanwhile
			const last = this.last;
			this.last = reading;
			this.samples++;
			const seconds = last ? (reading.at - last.at) / 1000 : 0;
			if (last && seconds > 0) {
				if (reading.cpu && last.cpu && reading.cpu.total > last.cpu.total) {
					const busy = 1 - (reading.cpu.idle - last.cpu.idle) / (reading.cpu.total - last.cpu.total);
					this.emit('system/cpu_percent', round(100 * busy));
				}
				// Of one core, as top shows it: a process using four cores reads 400.
				const cpuSeconds = (reading.processCpuMicros - last.processCpuMicros) / 1e6;
				this.emit('system/process_cpu_percent', round((100 * cpuSeconds) / seconds));
				if (reading.disk && last.disk) {
					this.emit('system/disk_read_bytes_per_s', rate(reading.disk.read - last.disk.read, seconds));
					this.emit('system/disk_write_bytes_per_s', rate(reading.disk.write - last.disk.write, seconds));
				}
				if (reading.net && last.net) {
					this.emit('system/net_sent_bytes_per_s', rate(reading.net.sent - last.net.sent, seconds));
					this.emit('system/net_recv_bytes_per_s', rate(reading.net.recv - last.net.recv, seconds));
				}
			}
			const memory = (meminfo && parseMeminfo(meminfo)) || { total: os.totalmem(), available: os.freemem() };
			this.emit('system/memory_used_bytes', memory.total - memory.available);
			this.emit('system/memory_available_bytes', memory.available);
			this.emit('system/process_rss_bytes', process.memoryUsage.rss());
			gpus.forEach((gpu, index) => {
				const prefix = `system/gpu${index}`;
				if (gpu.utilization !== null) this.emit(`${prefix}/utilization_percent`, gpu.utilization);
				if (gpu.memoryUsedBytes !== null) this.emit(`${prefix}/memory_used_bytes`, gpu.memoryUsedBytes);
				if (gpu.temperature !== null) this.emit(`${prefix}/temperature_c`, gpu.temperature);
				if (gpu.powerW !== null) this.emit(`${prefix}/power_w`, gpu.powerW);
			});
		} catch {
			// A source that failed in an unexpected way: the next sample tries again.
		} finally {
			this.sampling = false;
		}
	}

	private async gpus(): Promise<GpuSample[]> {
		if (!this.gpuAvailable) return [];
		const result = await runCapped(
			'nvidia-smi',
			['--query-gpu=utilization.gpu,memory.used,temperature.gpu,power.draw', '--format=csv,noheader,nounits'],
			{ timeoutMs: GPU_TIMEOUT_MS, maxBytes: 64 * 1024 }
		);
		// Not installed: never ask again. A failure or a timeout: try again next time.
		if (result === null) this.gpuAvailable = false;
		if (!result || result.code !== 0) return [];
		return parseGpus(result.stdout.toString('utf8'));
	}
}

function round(value: number): number {
	return Math.round(value * 100) / 100;
}

function rate(delta: number, seconds: number): number {
	// Counters reset (a device removed): no negative rates.
	return Math.max(0, Math.round(delta / seconds));
}
