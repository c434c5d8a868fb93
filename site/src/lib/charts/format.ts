/** A metric value in at most five significant digits; scientific notation when tiny or huge. */
export function formatValue(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '–';
	const abs = Math.abs(value);
	if (abs !== 0 && (abs >= 1e6 || abs < 1e-4)) return value.toExponential(2);
	return String(Number(value.toPrecision(5)));
}

/** `#rgb` or `#rrggbb` with an alpha channel; other colour syntaxes are returned unchanged. */
export function withAlpha(color: string, alpha: number): string {
	const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color)?.[1];
	if (!hex) return color;
	const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
	const a = Math.round(Math.min(Math.max(alpha, 0), 1) * 255);
	return `#${full}${a.toString(16).padStart(2, '0')}`;
}

/**
 * `text` in at most `max` characters, shortened in the middle ("train/very…/loss"), where run
 * and metric names differ least: their beginnings and ends tell them apart.
 */
export function middleEllipsis(text: string, max: number): string {
	const chars = [...text];
	if (chars.length <= max) return text;
	const keep = Math.max(max - 1, 2);
	const head = Math.ceil(keep / 2);
	return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
}
