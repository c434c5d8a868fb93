import { describe, expect, it } from 'vitest';
import { VersionedReads, type Clock } from './versioned-reads';

/** A clock the test moves by hand, and reads it answers by hand. */
function setup(minInterval = 2000) {
	let time = 0;
	const timers: { at: number; run: () => void }[] = [];
	const clock: Clock = {
		now: () => time,
		later: (run, ms) => void timers.push({ at: time + ms, run })
	};
	const reads: { key: string; version: string; done: () => void; fail: () => void }[] = [];
	const reader = new VersionedReads(
		(key, version) =>
			new Promise<void>((resolve, reject) =>
				reads.push({ key, version, done: resolve, fail: () => reject(new Error('down')) })
			),
		minInterval,
		clock
	);
	const advance = async (ms: number) => {
		time += ms;
		const due = timers.filter((t) => t.at <= time);
		timers.splice(0, timers.length, ...timers.filter((t) => t.at > time));
		for (const timer of due) timer.run();
		await settle();
	};
	return { reader, reads, advance };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('VersionedReads', () => {
	it('reads once per version, and not again for the same one', async () => {
		const { reader, reads, advance } = setup();
		reader.want('a', '1');
		reader.want('a', '1');
		expect(reads.map((r) => r.version)).toEqual(['1']);
		reads[0].done();
		await advance(5000);
		reader.want('a', '1');
		expect(reads).toHaveLength(1);
		reader.want('a', '2');
		expect(reads.map((r) => r.version)).toEqual(['1', '2']);
	});

	it('collapses versions asked for during a read into one read of the latest', async () => {
		const { reader, reads, advance } = setup(0);
		reader.want('a', '1');
		reader.want('a', '2');
		reader.want('a', '3');
		expect(reads).toHaveLength(1);
		reads[0].done();
		await advance(0);
		expect(reads.map((r) => r.version)).toEqual(['1', '3']);
	});

	it('starts at most one read a key every interval', async () => {
		const { reader, reads, advance } = setup(2000);
		reader.want('a', '1');
		reads[0].done();
		await advance(500);
		reader.want('a', '2');
		expect(reads).toHaveLength(1);
		await advance(1000);
		reader.want('a', '3');
		expect(reads).toHaveLength(1);
		await advance(500);
		expect(reads.map((r) => r.version)).toEqual(['1', '3']);
		// Other keys have their own pace.
		reader.want('b', '1');
		expect(reads).toHaveLength(3);
	});

	it('reads again after a failure when a new version is asked for', async () => {
		const { reader, reads, advance } = setup(0);
		reader.want('a', '1');
		reads[0].fail();
		await advance(0);
		reader.want('a', '2');
		expect(reads.map((r) => r.version)).toEqual(['1', '2']);
	});
});
