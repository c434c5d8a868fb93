import { describe, expect, it } from 'vitest';
import { contrastRatio, deltaE, hexToLinear, linearToOklab, luminance, type Rgb } from './color-space';
import {
	groupColor,
	memberShade,
	metricColor,
	metricColors,
	RUN_PALETTE,
	runColor,
	runColors,
	stableHash
} from './run-colors';

/**
 * Colour-vision deficiency at full severity: Machado, Oliveira & Fernandes (2009), "A
 * Physiologically-based Model for Simulation of Color Vision Deficiency", the severity 1.0
 * matrices, applied to linear RGB.
 */
const SIMULATIONS: Record<string, Rgb[]> = {
	normal: [
		[1, 0, 0],
		[0, 1, 0],
		[0, 0, 1]
	],
	protanopia: [
		[0.152286, 1.052583, -0.204868],
		[0.114503, 0.786281, 0.099216],
		[-0.003882, -0.048116, 1.051998]
	],
	deuteranopia: [
		[0.367322, 0.860646, -0.227968],
		[0.280085, 0.672501, 0.047413],
		[-0.01182, 0.04294, 0.968881]
	],
	tritanopia: [
		[1.255528, -0.076749, -0.178779],
		[-0.078411, 0.930809, 0.147602],
		[0.004733, 0.691367, 0.3039]
	]
};

/** The smallest pairwise difference the palette keeps, per vision (see RUN_PALETTE's comment). */
const MIN_DELTA_E: Record<string, number> = {
	normal: 0.1,
	protanopia: 0.045,
	deuteranopia: 0.045,
	tritanopia: 0.045
};

function seenAs(hex: string, matrix: Rgb[]): Rgb {
	const rgb = hexToLinear(hex);
	const simulated = matrix.map((row) =>
		Math.min(1, Math.max(0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2]))
	) as Rgb;
	return linearToOklab(simulated);
}

function closestPair(colors: readonly string[], matrix: Rgb[]) {
	const labs = colors.map((hex) => seenAs(hex, matrix));
	let closest = { distance: Infinity, pair: ['', ''] };
	for (let i = 0; i < labs.length; i++) {
		for (let j = i + 1; j < labs.length; j++) {
			const distance = deltaE(labs[i], labs[j]);
			if (distance < closest.distance) closest = { distance, pair: [colors[i], colors[j]] };
		}
	}
	return closest;
}

describe('the run palette', () => {
	it('has at least 20 different colours', () => {
		expect(RUN_PALETTE.length).toBeGreaterThanOrEqual(20);
		expect(new Set(RUN_PALETTE.map((c) => c.toLowerCase())).size).toBe(RUN_PALETTE.length);
	});

	it('reads at 3:1 or more on white and on zinc-950', () => {
		for (const color of RUN_PALETTE) {
			expect(contrastRatio(color, '#ffffff'), color).toBeGreaterThanOrEqual(3);
			expect(contrastRatio(color, '#09090b'), color).toBeGreaterThanOrEqual(3);
		}
	});

	it('has no greys', () => {
		for (const color of RUN_PALETTE) {
			const [, a, b] = linearToOklab(hexToLinear(color));
			expect(Math.hypot(a, b), color).toBeGreaterThanOrEqual(0.09);
		}
	});

	for (const [vision, matrix] of Object.entries(SIMULATIONS)) {
		it(`keeps every pair apart under ${vision} (ΔE_OK ≥ ${MIN_DELTA_E[vision]})`, () => {
			const { distance, pair } = closestPair(RUN_PALETTE, matrix);
			expect(distance, pair.join(' vs ')).toBeGreaterThanOrEqual(MIN_DELTA_E[vision]);
		});
	}

	it('would fail a palette with two near-identical reds (the check can fail)', () => {
		const { distance } = closestPair(['#dc2626', '#e11d48', '#2563eb'], SIMULATIONS.deuteranopia);
		expect(distance).toBeLessThan(MIN_DELTA_E.deuteranopia);
	});
});

describe('stable colours', () => {
	it('hashes the same text to the same number, and different texts apart', () => {
		expect(stableHash('run')).toBe(stableHash('run'));
		expect(stableHash('')).toBe(0x811c9dc5);
		expect(stableHash('a')).not.toBe(stableHash('b'));
	});

	it('gives a run the same colour whatever else is shown, and ignores the id case', () => {
		const id = '6f1c2e1a-7d3b-4c55-9a0e-1f2b3c4d5e6f';
		expect(runColor(id)).toBe(runColor(id.toUpperCase()));
		expect(RUN_PALETTE).toContain(runColor(id));
	});

	it('colours metrics and groups by name, apart from runs of the same text', () => {
		expect(metricColor('train/loss')).toBe(metricColor('train/loss'));
		expect(RUN_PALETTE).toContain(groupColor('adam'));
		const names = Array.from({ length: 40 }, (_, i) => `metric_${i}`);
		// Spread over the palette, not stuck on a few colours.
		expect(new Set(names.map(metricColor)).size).toBeGreaterThan(12);
	});

	it('spreads 1,000 run ids evenly over the palette', () => {
		const counts = new Map<string, number>();
		for (let i = 0; i < 1000; i++) {
			const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
			counts.set(runColor(id), (counts.get(runColor(id)) ?? 0) + 1);
		}
		expect(counts.size).toBe(RUN_PALETTE.length);
		const expected = 1000 / RUN_PALETTE.length;
		for (const count of counts.values()) expect(Math.abs(count - expected)).toBeLessThan(expected * 0.6);
	});
});

describe('colours drawn together', () => {
	it('keeps own colours when they differ and moves only the later of two that collide', () => {
		const names = Array.from({ length: 60 }, (_, i) => `m${i}`);
		// Two names with the same own colour.
		const [first, second] = (() => {
			for (const a of names)
				for (const b of names) if (a < b && metricColor(a) === metricColor(b)) return [a, b];
			throw new Error('no collision among 60 names');
		})();
		const together = metricColors([second, first, 'other-name']);
		expect(together.get(first)).toBe(metricColor(first));
		expect(together.get(second)).not.toBe(metricColor(second));
		expect(new Set(together.values()).size).toBe(3);
		// The same set in another order gives the same colours.
		expect(metricColors([first, 'other-name', second])).toEqual(together);
	});

	it('gives up to 24 runs 24 different colours, then repeats', () => {
		const ids = Array.from({ length: 30 }, (_, i) => `id-${i}`);
		const colors = runColors(ids);
		expect(new Set(ids.slice(0, 24).map((id) => runColors(ids.slice(0, 24)).get(id))).size).toBe(24);
		expect(colors.size).toBe(30);
		for (const color of colors.values()) expect(RUN_PALETTE).toContain(color);
	});
});

describe('memberShade', () => {
	const base = '#235f9b';

	it('gives a lone member the group colour', () => {
		expect(memberShade(base, 0, 1)).toBe(base);
	});

	it('runs from darker to lighter shades of the same hue', () => {
		const shades = Array.from({ length: 5 }, (_, i) => memberShade(base, i, 5));
		const lightness = shades.map((s) => luminance(hexToLinear(s)));
		for (let i = 1; i < lightness.length; i++) expect(lightness[i]).toBeGreaterThan(lightness[i - 1]);
		const hue = (hex: string) => {
			const [, a, b] = linearToOklab(hexToLinear(hex));
			return Math.atan2(b, a);
		};
		for (const shade of shades) expect(Math.abs(hue(shade) - hue(base))).toBeLessThan(0.15);
		expect(new Set(shades).size).toBe(5);
	});

	it('stays a valid colour for bright and dark bases', () => {
		for (const color of ['#ff4b87', '#50640f', ...RUN_PALETTE]) {
			for (let i = 0; i < 8; i++) expect(memberShade(color, i, 8)).toMatch(/^#[0-9a-f]{6}$/);
		}
	});
});
