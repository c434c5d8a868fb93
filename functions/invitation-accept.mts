import type { FunctionConfig } from './_lib/http.ts';
import { invitationResponse } from './_lib/invitation-response.ts';

/**
 * Accepting an invitation: the invitation and the new membership are written in one transaction,
 * gated on the invitation still being pending, so two concurrent accepts make one membership and
 * one 409.
 */
export default invitationResponse(true);

export const config: FunctionConfig = { path: '/api/invitations/:id/accept', method: ['POST'] };
