/**
 * The little colour science the charts need: `#rrggbb` ↔ linear sRGB ↔ OKLab (Björn Ottosson's
 * perceptual space, where Euclidean distance tracks how different two colours look), and WCAG
 * relative luminance and contrast.
 */

export type Rgb = [r: number, g: number, b: number];

/** `#rrggbb` (or `#rgb`) → linear sRGB channels in 0–1. */
export function hexToLinear(hex: string): Rgb {
	const digits = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex)?.[1];
	if (!digits) throw new Error(`not a hex colour: ${hex}`);
	const full = digits.length === 3 ? [...digits].map((c) => c + c).join('') : digits;
	return [0, 2, 4].map((at) => toLinear(parseInt(full.slice(at, at + 2), 16) / 255)) as Rgb;
}

/** Linear sRGB → `#rrggbb`, clamped into the gamut. */
export function linearToHex(rgb: Rgb): string {
	return `#${rgb
		.map((c) =>
			Math.round(fromLinear(Math.min(1, Math.max(0, c))) * 255)
				.toString(16)
				.padStart(2, '0')
		)
		.join('')}`;
}

function toLinear(c: number): number {
	return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function fromLinear(c: number): number {
	return c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055;
}

export function linearToOklab([r, g, b]: Rgb): Rgb {
	const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
	const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
	const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
	return [
		0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s,
		1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
		0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s
	];
}

export function oklabToLinear([L, a, b]: Rgb): Rgb {
	const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
	const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
	const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
	return [
		4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
		-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
		-0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s
	];
}

/** Euclidean distance in OKLab (ΔE_OK, on a 0–1 lightness scale: about 0.02 is just noticeable). */
export function deltaE(a: Rgb, b: Rgb): number {
	return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** WCAG 2 relative luminance of a linear sRGB colour. */
export function luminance([r, g, b]: Rgb): number {
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours (1–21). */
export function contrastRatio(a: string, b: string): number {
	const la = luminance(hexToLinear(a));
	const lb = luminance(hexToLinear(b));
	return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}
