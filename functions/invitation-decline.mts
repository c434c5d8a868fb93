import type { FunctionConfig } from './_lib/http.ts';
import { invitationResponse } from './_lib/invitation-response.ts';

/** Declining an invitation; it stays on record as declined. */
export default invitationResponse(false);

export const config: FunctionConfig = { path: '/api/invitations/:id/decline', method: ['POST'] };
