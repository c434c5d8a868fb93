/**
 * A component fetched on demand (a dynamic import, its own chunk), so that a page's first paint
 * does not wait for code it does not show yet. `current` is undefined until `load()` has it.
 */
export class Lazy<T> {
	current = $state.raw<T>();
	#importer: () => Promise<{ default: T }>;
	#loading: Promise<void> | undefined;

	constructor(importer: () => Promise<{ default: T }>) {
		this.#importer = importer;
	}

	/** Starts the fetch once; a failed one (offline, a new deployment) is tried again at the next call. */
	load(): void {
		if (this.#loading) return;
		this.#loading = this.#importer().then(
			(module) => {
				this.current = module.default;
			},
			() => {
				this.#loading = undefined;
			}
		);
	}
}
