/**
 * One zoom shared by a page's charts: dragging across one chart zooms every chart on the same
 * x-axis (`key`, see `xKey`), a double-click on any of them zooms them all back out. Charts on
 * another x-axis keep theirs: a step range means nothing on a wall-time axis.
 */
export interface XZoom {
	key: string;
	min: number;
	max: number;
}

export type ZoomListener = (zoom: XZoom | null) => void;

export class ZoomSync {
	#zoom: XZoom | null = null;
	#listeners = new Set<ZoomListener>();

	get current(): XZoom | null {
		return this.#zoom;
	}

	/** The zoom on axis `key`, or null when that axis is zoomed out. */
	on(key: string): XZoom | null {
		return this.#zoom?.key === key ? this.#zoom : null;
	}

	set(zoom: XZoom): void {
		if (!(zoom.max > zoom.min)) return;
		this.#zoom = zoom;
		this.#notify();
	}

	reset(): void {
		if (this.#zoom === null) return;
		this.#zoom = null;
		this.#notify();
	}

	/** Calls `listener` on every change; returns the function that stops it. */
	subscribe(listener: ZoomListener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	#notify() {
		for (const listener of [...this.#listeners]) listener(this.#zoom);
	}
}
