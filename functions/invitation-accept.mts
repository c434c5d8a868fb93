import type { Config } from '@netlify/functions';
import { InvitationParams } from './_lib/contracts/invitations.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { answerInvitation, INVITEE } from './_lib/invitation-response.ts';

export const config: Config = { path: '/api/invitations/:id/accept', method: ['POST'] };

/**
 * Accepting an invitation: the invitation and the new membership are written in one transaction,
 * gated on the invitation still being pending, so two concurrent accepts make one membership and
 * one 409.
 */
export default endpoint(config, 'Invitations', {
	POST: method({
		access: 'session',
		params: InvitationParams,
		docs: { who: INVITEE, success: '200 `Invitation`; membership created atomically' },
		handle: answerInvitation('accept')
	})
});
