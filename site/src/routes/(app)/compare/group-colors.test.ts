import { describe, expect, it } from 'vitest';
import { deltaE, hexToLinear, linearToOklab } from '$lib/charts/color-space';
import { groupColor, memberShade, runColor } from '$lib/charts/run-colors';
import { compareRunColors, distinctGroupColors, MIN_GROUP_DISTANCE } from './group-colors';

const distance = (a: string, b: string) =>
	deltaE(linearToOklab(hexToLinear(a)), linearToOklab(hexToLinear(b)));

describe('distinctGroupColors', () => {
	it('keeps apart groups whose own colours are alike (three magentas in a sweep over optimizers)', () => {
		const labels = ['adafactor', 'adamw', 'lion', 'sgd-momentum'];
		const colors = distinctGroupColors(labels);
		const list = labels.map((label) => colors.get(label)!);
		for (let i = 0; i < list.length; i++) {
			for (let j = i + 1; j < list.length; j++) {
				expect(distance(list[i], list[j]), `${labels[i]} / ${labels[j]}`).toBeGreaterThanOrEqual(
					MIN_GROUP_DISTANCE
				);
			}
		}
		// The first group (by label) always keeps its own colour.
		expect(colors.get('adafactor')).toBe(groupColor('adafactor'));
	});

	it('answers the same whatever order the labels come in', () => {
		const a = distinctGroupColors(['b', 'a', 'c', 'd', 'e']);
		const b = distinctGroupColors(['e', 'd', 'c', 'b', 'a']);
		expect([...a].sort()).toEqual([...b].sort());
	});

	it('keeps a group its own colour when nothing near it is taken', () => {
		expect(distinctGroupColors(['adam']).get('adam')).toBe(groupColor('adam'));
	});
});

describe('compareRunColors', () => {
	const A = '00000000-0000-4000-8000-00000000000a';
	const B = '00000000-0000-4000-8000-00000000000b';
	const C = '00000000-0000-4000-8000-00000000000c';

	it('gives each run its own colour when nothing is grouped: the colour every page gives it', () => {
		expect(compareRunColors([A, B], undefined, new Map())).toEqual(
			new Map([
				[A, runColor(A)],
				[B, runColor(B)]
			])
		);
	});

	it('gives a group’s members shades of the group’s colour', () => {
		const groups = [
			{ label: 'adam', runIds: [A, C] },
			{ label: 'sgd', runIds: [B] }
		];
		const colors = compareRunColors([A, B, C], groups, new Map([['adam', '#235f9b']]));
		expect(colors.get(A)).toBe(memberShade('#235f9b', 0, 2));
		expect(colors.get(C)).toBe(memberShade('#235f9b', 1, 2));
		// A group of one is drawn in the group's colour itself (sgd has none given: its own).
		expect(colors.get(B)).toBe(groupColor('sgd'));
	});
});
