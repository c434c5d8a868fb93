import type { WorkspaceRole } from '../contracts/common.ts';
import type { Db } from '../db.ts';

export async function findRole(
	db: Db,
	workspaceId: string,
	userId: string
): Promise<WorkspaceRole | undefined> {
	const row = await db
		.selectFrom('workspace_members')
		.select('role')
		.where('workspace_id', '=', workspaceId)
		.where('user_id', '=', userId)
		.executeTakeFirst();
	return row?.role;
}
