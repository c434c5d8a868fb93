import { InvitationParams } from './contracts/invitations.ts';
import type { Inputs } from './endpoint.ts';
import { json } from './http.ts';
import { membershipError } from './membership-errors.ts';
import { respondToInvitation } from './repositories/invitation.repository.ts';

/** What the accept and decline methods receive: a session and the invitation's id. */
type AnswerInputs = Inputs<'session', typeof InvitationParams, undefined, undefined>;

/** Only the invitee answers: the invitation must be addressed to the caller's email. */
export const INVITEE = 'the invitee, session';

/**
 * The invitee's answer to an invitation addressed to their email (accept or decline; the two
 * functions declare their own method and share this handler). Someone else's invitation is a
 * 404; one that is no longer pending is a 409.
 */
export function answerInvitation(answer: 'accept' | 'decline') {
	return async ({ db, principal, params }: AnswerInputs): Promise<Response> => {
		const response = await respondToInvitation(db, {
			invitationId: params.id,
			userId: principal.userId,
			email: principal.email,
			accept: answer === 'accept'
		});
		if (response.kind !== 'ok') throw membershipError(response);
		return json(response.invitation);
	};
}
