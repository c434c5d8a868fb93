import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type PanelSettings } from '$lib/charts/panel-state';
import { curveRequests } from './curve-requests';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

const own: Record<string, Partial<PanelSettings>> = {
	'val/loss': { x: { metric: 'tokens' }, log: true },
	acc: { x: 'wall' },
	'val/acc': { x: { metric: 'tokens' } },
	lr: { log: true, smoothing: { kind: 'none' } }
};
const settingsOf = (metric: string): PanelSettings => ({ ...DEFAULT_SETTINGS, ...own[metric] });

describe('curveRequests', () => {
	it('reads the panels on each x-axis in one request, in the order they are shown', () => {
		const requests = curveRequests(['loss', 'val/loss', 'acc', 'lr', 'val/acc'], settingsOf, {
			experimentIds: [A, B],
			buckets: 300,
			band: 'std'
		});
		expect(requests.map((r) => [r.axis, r.metrics])).toEqual([
			['step', ['loss', 'lr']],
			['metric:tokens', ['val/loss', 'val/acc']],
			['wall', ['acc']]
		]);
		expect(requests[1].body).toEqual({
			experimentIds: [A, B],
			metrics: ['val/loss', 'val/acc'],
			buckets: 300,
			x: { metric: 'tokens' },
			band: 'std'
		});
		expect(JSON.parse(requests[1].text)).toEqual(requests[1].body);
	});

	it('asks for groups (and their members when wanted) when grouped', () => {
		const [request] = curveRequests(['loss'], settingsOf, {
			experimentIds: [A],
			buckets: 100,
			band: 'minmax',
			groupBy: 'hp.optimizer',
			members: true
		});
		expect(request.body).toMatchObject({ groupBy: 'hp.optimizer', members: true, band: 'minmax' });
	});

	it('asks for nothing without runs or panels', () => {
		expect(curveRequests(['loss'], settingsOf, { experimentIds: [], buckets: 100, band: 'std' })).toEqual([]);
		expect(curveRequests([], settingsOf, { experimentIds: [A], buckets: 100, band: 'std' })).toEqual([]);
	});

	it('leaves smoothing, scale and range out of the request: the browser applies them', () => {
		const [request] = curveRequests(['lr'], settingsOf, { experimentIds: [A], buckets: 100, band: 'std' });
		expect(request.text).toBe(
			curveRequests(['lr'], () => DEFAULT_SETTINGS, { experimentIds: [A], buckets: 100, band: 'std' })[0].text
		);
	});
});
