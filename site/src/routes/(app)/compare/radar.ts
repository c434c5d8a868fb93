/**
 * The radar chart's arithmetic: each axis normalised across the compared runs (min–max, so the
 * best and worst runs span the axis whatever the units), optionally flipped where lower is
 * better, and the polygon each run draws.
 */

/** The radius share the lowest value sits at, so a polygon never collapses into the centre. */
export const INNER = 0.15;

/**
 * Values mapped onto [0, 1] by min–max over the defined ones (1 = the largest, or with `flip`
 * the smallest). All equal: 0.5 each, as no run is better. Missing values stay undefined.
 */
export function normalise(values: (number | undefined)[], flip = false): (number | undefined)[] {
	const finite = values.filter((value): value is number => value !== undefined && Number.isFinite(value));
	if (!finite.length) return values.map(() => undefined);
	const lo = Math.min(...finite);
	const hi = Math.max(...finite);
	return values.map((value) => {
		if (value === undefined || !Number.isFinite(value)) return undefined;
		if (hi === lo) return 0.5;
		const t = (value - lo) / (hi - lo);
		return flip ? 1 - t : t;
	});
}

/** The corner of axis `index` of `count` at normalised value `t`: axis 0 points up, the rest clockwise. */
export function radarPoint(
	index: number,
	count: number,
	t: number,
	radius: number,
	center: [number, number]
) {
	const angle = (2 * Math.PI * index) / count - Math.PI / 2;
	const r = radius * (INNER + (1 - INNER) * t);
	return { x: center[0] + r * Math.cos(angle), y: center[1] + r * Math.sin(angle) };
}

/**
 * One run's polygon from its normalised values per axis. A missing value sits at the centre's
 * ring (the lowest) and is reported, so the chart can say the shape is partial.
 */
export function radarPolygon(
	normalised: (number | undefined)[],
	radius: number,
	center: [number, number]
): { points: { x: number; y: number }[]; missing: number } {
	let missing = 0;
	const points = normalised.map((t, index) => {
		if (t === undefined) missing++;
		return radarPoint(index, normalised.length, t ?? 0, radius, center);
	});
	return { points, missing };
}
