/**
 * A seeded pseudo-random generator, so an analysis gives the same answer for the same input on
 * every machine and every run (Math.random cannot be seeded). Mulberry32: a 32-bit state, one
 * multiply-xorshift step per number; plenty for bootstrap samples and shuffles, not for secrets.
 */

export interface Random {
	/** A float in [0, 1). */
	next(): number;
	/** An integer in [0, n). */
	below(n: number): number;
}

export function createRandom(seed: number): Random {
	let state = seed >>> 0;
	const next = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return { next, below: (n) => Math.floor(next() * n) };
}

/** 0..n−1 in a random order (Fisher–Yates). */
export function permutation(n: number, random: Random): Int32Array {
	const order = new Int32Array(n);
	for (let i = 0; i < n; i++) order[i] = i;
	shuffle(order, random);
	return order;
}

/** Shuffles in place (Fisher–Yates): every order equally likely. */
export function shuffle(items: { length: number; [index: number]: number }, random: Random): void {
	for (let i = items.length - 1; i > 0; i--) {
		const j = random.below(i + 1);
		const swap = items[i];
		items[i] = items[j];
		items[j] = swap;
	}
}

/**
 * A different seed for each named use of one seed (fitting, permuting), so the streams do not
 * repeat each other. FNV-1a over the label, mixed with the seed.
 */
export function deriveSeed(seed: number, label: string): number {
	let hash = 0x811c9dc5 ^ seed;
	for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
	return hash >>> 0;
}
