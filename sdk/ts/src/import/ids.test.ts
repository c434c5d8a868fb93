import { describe, expect, it } from 'vitest';
import { LogEntry } from '../../../../functions/_lib/contracts/logs.ts';
import { pointId, seriesKey } from './ids.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('msg_ids of imported points', () => {
	it('are UUIDv4-shaped, accepted by the server, and the same every time', () => {
		const key = seriesKey('tensorboard:events.out.tfevents.1.host', 'loss');
		const id = pointId(key, 10, 3);
		expect(id).toMatch(V4);
		expect(LogEntry.safeParse({ name: 'loss', msg_id: id, value: 1, step: 10, metadata: null }).success).toBe(
			true
		);
		expect(pointId(seriesKey('tensorboard:events.out.tfevents.1.host', 'loss'), 10, 3)).toBe(id);
	});

	it('differ for every (step, index) of a series, up to the largest step', () => {
		const key = seriesKey('mlflow:abc', 'val/loss');
		const seen = new Set<string>();
		const steps = [0, 1, 2, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
		const indexes = [0, 1, 1023, 1024, 2 ** 32, Number.MAX_SAFE_INTEGER];
		for (const step of steps) for (const index of indexes) seen.add(pointId(key, step, index));
		expect(seen.size).toBe(steps.length * indexes.length);
		for (let step = 0; step < 20_000; step++) seen.add(pointId(key, step, step % 7));
		expect(seen.size).toBe(steps.length * indexes.length + 20_000 - 2);
		expect([...seen].every((id) => V4.test(id))).toBe(true);
	});

	it('differ between series and sources', () => {
		const ids = new Set([
			pointId(seriesKey('a', 'loss'), 1, 0),
			pointId(seriesKey('a', 'acc'), 1, 0),
			pointId(seriesKey('b', 'loss'), 1, 0),
			// The separator keeps ("a", "bc") and ("ab", "c") apart.
			pointId(seriesKey('a', 'bc'), 1, 0),
			pointId(seriesKey('ab', 'c'), 1, 0)
		]);
		expect(ids.size).toBe(5);
	});
});
