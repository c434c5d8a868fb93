import { describe, expect, it } from 'vitest';
import { latestOnly, linkCandidates } from './references';

describe('linkCandidates', () => {
	it('leaves out the run itself and runs it already references', () => {
		const results = [{ id: 'self' }, { id: 'a' }, { id: 'b' }, { id: 'c' }];
		expect(linkCandidates(results, 'self', [{ id: 'b' }]).map((run) => run.id)).toEqual(['a', 'c']);
	});
});

describe('latestOnly', () => {
	it('marks replies to superseded searches as stale, whatever order they arrive in', async () => {
		const pending = new Map<string, (value: string) => void>();
		const search = latestOnly((text: string) => new Promise<string>((resolve) => pending.set(text, resolve)));
		const first = search('re');
		const second = search('resnet');
		pending.get('resnet')!('new');
		pending.get('re')!('old');
		expect(await second).toEqual({ current: true, value: 'new' });
		expect(await first).toEqual({ current: false, value: 'old' });
	});
});
