import { describe, expect, it } from 'vitest';
import { parseCpu, parseDiskstats, parseGpus, parseMeminfo, parseNetDev } from './system-metrics.js';

describe('system metric sources', () => {
	it('reads /proc/stat, /proc/meminfo, /proc/diskstats and /proc/net/dev', () => {
		expect(parseCpu('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n')).toEqual({ idle: 850, total: 1000 });
		expect(parseMeminfo('MemTotal:  1000 kB\nMemFree: 100 kB\nMemAvailable:  400 kB\n')).toEqual({
			total: 1_024_000,
			available: 409_600
		});
		const diskstats = [
			'   8       0 sda 10 0 200 0 5 0 100 0 0 0 0',
			'   8       1 sda1 10 0 200 0 5 0 100 0 0 0 0',
			'   7       0 loop0 1 0 999 0 1 0 999 0 0 0 0'
		].join('\n');
		expect(parseDiskstats(diskstats, new Set(['sda']))).toEqual({ read: 200 * 512, write: 100 * 512 });
		const netdev = [
			'Inter-|   Receive                                                |  Transmit',
			' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets',
			'    lo: 5000 1 0 0 0 0 0 0 5000 1 0 0 0 0 0 0',
			'  eth0: 1000 1 0 0 0 0 0 0 300 1 0 0 0 0 0 0'
		].join('\n');
		expect(parseNetDev(netdev)).toEqual({ recv: 1000, sent: 300 });
	});

	it('reads nvidia-smi CSV, leaving out what it does not report', () => {
		expect(parseGpus('87, 1024, 65, 210.5\n0, 10, [N/A], [N/A]\n')).toEqual([
			{ utilization: 87, memoryUsedBytes: 1024 * 1024 * 1024, temperature: 65, powerW: 210.5 },
			{ utilization: 0, memoryUsedBytes: 10 * 1024 * 1024, temperature: null, powerW: null }
		]);
	});
});
