/**
 * One colour per compared experiment (up to 20), in the order the experiments were asked for.
 * Tableau 10 then its lighter partners: distinguishable on white and on zinc-950 alike.
 */
export const EXPERIMENT_COLORS = [
	'#4e79a7',
	'#f28e2b',
	'#e15759',
	'#76b7b2',
	'#59a14f',
	'#edc948',
	'#b07aa1',
	'#ff9da7',
	'#9c755f',
	'#bab0ac',
	'#1f77b4',
	'#d62728',
	'#2ca02c',
	'#9467bd',
	'#8c564b',
	'#e377c2',
	'#17becf',
	'#bcbd22',
	'#ff7f0e',
	'#7f7f7f'
] as const;

export function experimentColor(index: number): string {
	return EXPERIMENT_COLORS[index % EXPERIMENT_COLORS.length];
}
