/** Colours readable on both the light and the dark background, in the order series get them. */
export const PALETTE = [
	'#ea580c',
	'#2563eb',
	'#16a34a',
	'#c026d3',
	'#0891b2',
	'#ca8a04',
	'#dc2626',
	'#7c3aed',
	'#0d9488',
	'#db2777'
];

/** The n-th palette colour, wrapping around. */
export function paletteColor(index: number): string {
	return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/**
 * Palette colours by name, handed out in the order names are first asked for and then kept. A
 * Map, so that any name ("__proto__", "constructor") is just a key.
 */
export function colorsByName(): (name: string) => string {
	const colors = new Map<string, string>();
	return (name) => {
		let color = colors.get(name);
		if (color === undefined) {
			color = paletteColor(colors.size);
			colors.set(name, color);
		}
		return color;
	};
}
