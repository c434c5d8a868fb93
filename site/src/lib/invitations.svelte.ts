import type { Invitation } from '$contracts/invitations';
import { api } from './api';

/**
 * Pending invitations addressed to the signed-in user, shared by the header badge and the
 * settings page so that answering one updates both.
 */
class InvitationStore {
	/** Null until the first successful load (and after sign-out). */
	pending = $state<Invitation[] | null>(null);
	count = $derived(this.pending?.length ?? 0);

	#refresh: Promise<Invitation[]> | null = null;

	/** Concurrent callers (navigation, the settings page) share one request. */
	refresh(): Promise<Invitation[]> {
		this.#refresh ??= api.invitations
			.received()
			.then((list) => (this.pending = list))
			.finally(() => {
				this.#refresh = null;
			});
		return this.#refresh;
	}

	/** Accepts, then reloads the list; the caller reloads its workspaces. */
	async accept(id: string): Promise<Invitation> {
		return this.#answer(id, 'accept');
	}

	async decline(id: string): Promise<Invitation> {
		return this.#answer(id, 'decline');
	}

	clear() {
		this.pending = null;
	}

	async #answer(id: string, action: 'accept' | 'decline'): Promise<Invitation> {
		try {
			return await api.invitations[action](id);
		} finally {
			// Also after a 409 (revoked meanwhile, answered in another tab): the list is stale.
			await this.refresh().catch(() => undefined);
		}
	}
}

export const invitations = new InvitationStore();
