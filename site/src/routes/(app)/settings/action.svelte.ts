import { errorMessage } from '$lib/api';

/**
 * A form's action (save, create, invite): whether it is running, and the message of its last
 * failure, so every section disables its button and shows errors the same way.
 */
export class FormAction {
	running = $state(false);
	error = $state<string>();

	/** Runs `work`; a failure becomes `error` (the API's message), cleared when the next run starts. */
	async run(work: () => Promise<void>): Promise<void> {
		this.running = true;
		this.error = undefined;
		try {
			await work();
		} catch (e) {
			this.error = errorMessage(e);
		} finally {
			this.running = false;
		}
	}
}
