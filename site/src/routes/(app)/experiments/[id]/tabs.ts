/** The experiment page's sections, in tab order; `charts` (the default) is left out of URLs. */
export const EXPERIMENT_TABS = [
	{ id: 'charts', label: 'Charts' },
	{ id: 'logs', label: 'Logs' },
	{ id: 'environment', label: 'Environment' },
	{ id: 'notes', label: 'Notes' }
] as const;

export type ExperimentTab = (typeof EXPERIMENT_TABS)[number]['id'];

export function tabFromUrl(url: URL): ExperimentTab {
	const asked = url.searchParams.get('tab');
	return EXPERIMENT_TABS.find((tab) => tab.id === asked)?.id ?? 'charts';
}
