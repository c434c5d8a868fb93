/**
 * Whether an action a component started is still running: its buttons read `active` to disable
 * themselves, so a slow request cannot be sent twice by a second click.
 */
export class Busy {
	active = $state(false);

	async run(action: () => Promise<void>): Promise<void> {
		this.active = true;
		try {
			await action();
		} finally {
			this.active = false;
		}
	}
}
