import type { Config } from '@netlify/functions';
import { InvitationParams } from './_lib/contracts/invitations.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { answerInvitation, INVITEE } from './_lib/invitation-response.ts';

export const config: Config = { path: '/api/invitations/:id/decline', method: ['POST'] };

/** Declining an invitation; it stays on record as declined. */
export default endpoint(config, 'Invitations', {
	POST: method({
		access: 'session',
		params: InvitationParams,
		docs: { who: INVITEE, success: '200 `Invitation`' },
		handle: answerInvitation('decline')
	})
});
