/**
 * The compare page's curves as they are read: parts of `POST /api/series` answers, each for some
 * metrics of one request "base" (the request without its metrics: runs, x-axis, groups, band).
 * Only what no part holds yet is read, so "Show all" reads the metrics it adds and a panel moved
 * to another x-axis reads that panel alone; parts of a base no longer asked for are forgotten.
 * While runs are live, `refresh()` re-reads each request whole and its answer replaces the parts.
 */
import type { SeriesBatch } from '$contracts/series';
import type { SeriesBatchRequest } from '$lib/api/series';
import type { PanelLine } from '$lib/charts/panel-data';
import type { CurveRequest } from './curve-requests';

export interface CurvePart {
	id: number;
	base: string;
	metrics: readonly string[];
	batch?: SeriesBatch;
	error?: unknown;
	pending: boolean;
}

export type ReadBatch = (body: SeriesBatchRequest) => Promise<SeriesBatch>;

/** The request without its metrics, as text: parts of the same base can stand in for each other. */
export function baseOf(request: CurveRequest): string {
	const { metrics: _metrics, ...rest } = request.body;
	return JSON.stringify(rest);
}

/** The part that draws `metric` for `base`: the latest one that holds it (answered, failed or reading). */
export function partFor(parts: readonly CurvePart[], base: string, metric: string): CurvePart | undefined {
	for (let i = parts.length - 1; i >= 0; i--) {
		const part = parts[i];
		if (part.base === base && part.metrics.includes(metric)) return part;
	}
	return undefined;
}

const NO_LINES: PanelLine[] = [];

/**
 * Each requested panel's lines (`linesOf` turns a batch into lines by metric), and whether its
 * read has ended, so a panel without lines can say there are none rather than wait.
 */
export function panelCurves(
	requests: readonly CurveRequest[],
	parts: readonly CurvePart[],
	linesOf: (batch: SeriesBatch) => ReadonlyMap<string, PanelLine[]>
): Map<string, { lines: PanelLine[]; loaded: boolean }> {
	const curves = new Map<string, { lines: PanelLine[]; loaded: boolean }>();
	for (const request of requests) {
		const base = baseOf(request);
		for (const metric of request.metrics) {
			const part = partFor(parts, base, metric);
			curves.set(metric, {
				lines: (part?.batch && linesOf(part.batch).get(metric)) || NO_LINES,
				loaded: part !== undefined && !part.pending
			});
		}
	}
	return curves;
}

export class CurveCache {
	#parts: readonly CurvePart[] = [];
	#bases = new Set<string>();
	#nextId = 1;
	#refreshing = new Set<string>();

	constructor(
		private read: ReadBatch,
		/** Told every new list of parts (e.g. to keep it as Svelte state). */
		private onchange: (parts: readonly CurvePart[]) => void = () => undefined
	) {}

	get parts(): readonly CurvePart[] {
		return this.#parts;
	}

	/** Reads what `requests` need that no part holds or is reading; forgets parts of other bases. */
	sync(requests: readonly CurveRequest[]): void {
		this.#bases = new Set(requests.map(baseOf));
		let parts = this.#parts.filter((part) => this.#bases.has(part.base));
		const reads: [CurvePart, SeriesBatchRequest][] = [];
		for (const request of requests) {
			const base = baseOf(request);
			const held = new Set(parts.filter((part) => part.base === base).flatMap((part) => part.metrics));
			const missing = request.metrics.filter((metric) => !held.has(metric));
			if (missing.length === 0) continue;
			const part: CurvePart = { id: this.#nextId++, base, metrics: missing, pending: true };
			parts = [...parts, part];
			reads.push([part, { ...request.body, metrics: missing }]);
		}
		this.#set(parts);
		for (const [part, body] of reads) void this.#load(part, body);
	}

	/** Forgets the parts that failed, then reads their metrics again. */
	retry(requests: readonly CurveRequest[]): void {
		this.#set(this.#parts.filter((part) => part.error === undefined));
		this.sync(requests);
	}

	/**
	 * Re-reads each request whole (live runs grow); its answer replaces the answered parts it
	 * covers. A request whose base is still being read, or refreshed, waits for the next call.
	 */
	refresh(requests: readonly CurveRequest[]): void {
		for (const request of requests) {
			const base = baseOf(request);
			if (this.#refreshing.has(base) || this.#parts.some((part) => part.base === base && part.pending))
				continue;
			this.#refreshing.add(base);
			void this.read(request.body).then(
				(batch) => {
					this.#refreshing.delete(base);
					if (!this.#bases.has(base)) return;
					const covered = new Set(request.metrics);
					const kept = this.#parts.filter(
						(part) => part.base !== base || part.pending || part.metrics.some((m) => !covered.has(m))
					);
					this.#set([...kept, { id: this.#nextId++, base, metrics: request.metrics, batch, pending: false }]);
				},
				// A failed refresh keeps what is shown; the next one tries again.
				() => this.#refreshing.delete(base)
			);
		}
	}

	async #load(part: CurvePart, body: SeriesBatchRequest): Promise<void> {
		let done: CurvePart;
		try {
			done = { ...part, batch: await this.read(body), pending: false };
		} catch (error) {
			done = { ...part, error, pending: false };
		}
		// Forgotten meanwhile (another base is shown now): the answer is of no use.
		if (!this.#parts.some((p) => p.id === part.id)) return;
		this.#set(this.#parts.map((p) => (p.id === part.id ? done : p)));
	}

	#set(parts: readonly CurvePart[]) {
		this.#parts = parts;
		this.onchange(parts);
	}
}
