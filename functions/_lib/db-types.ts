/**
 * Kysely's view of the schema in supabase/migrations (the only source of schema truth).
 * int8 columns are parsed to JS numbers by db.ts; steps and counts stay below 2^53.
 */
import type { ColumnType, Generated } from 'kysely';
import type { WorkspaceRole } from './contracts/common.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
export type Json = unknown;

export interface ProfilesTable {
	id: string;
	email: string;
	display_name: string | null;
	created_at: CreatedAt;
}

export interface WorkspacesTable {
	id: Generated<string>;
	name: string;
	description: Generated<string>;
	personal_owner_id: string | null;
	created_by: string | null;
	created_at: CreatedAt;
	updated_at: Timestamp;
}

export interface WorkspaceMembersTable {
	workspace_id: string;
	user_id: string;
	role: WorkspaceRole;
	joined_at: CreatedAt;
}

export interface InvitationsTable {
	id: Generated<string>;
	workspace_id: string;
	email: string;
	role: Exclude<WorkspaceRole, 'owner'>;
	status: Generated<'pending' | 'accepted' | 'declined' | 'revoked'>;
	invited_by: string | null;
	created_at: CreatedAt;
	responded_at: NullableTimestamp;
}

export interface ApiKeysTable {
	id: Generated<string>;
	user_id: string;
	workspace_id: string | null;
	name: string;
	prefix: string;
	key_hash: Uint8Array;
	created_at: CreatedAt;
	last_used_at: NullableTimestamp;
	revoked_at: NullableTimestamp;
	/** Null: never expires. */
	expires_at: NullableTimestamp;
}

export interface ExperimentsTable {
	id: Generated<string>;
	workspace_id: string;
	name: string;
	description: Generated<string>;
	tags: ColumnType<string[], string[] | undefined, string[]>;
	hyperparams: ColumnType<Json, Json | undefined, Json>;
	status: Generated<'running' | 'finished' | 'failed'>;
	created_by: string | null;
	created_at: CreatedAt;
	updated_at: Timestamp;
	/** Its metric_series rows, kept by triggers: read only. */
	metric_count: ColumnType<number, never, never>;
	/** Its results rows, kept by triggers: read only. */
	result_count: ColumnType<number, never, never>;
}

export interface ExperimentReferencesTable {
	experiment_id: string;
	referenced_id: string;
	created_at: CreatedAt;
}

export interface MetricSeriesTable {
	id: ColumnType<number, never, never>;
	experiment_id: string;
	name: string;
	point_count: Generated<number>;
	first_step: number | null;
	last_step: number | null;
	min_value: number | null;
	max_value: number | null;
	last_value: number | null;
	first_logged_at: NullableTimestamp;
	last_logged_at: NullableTimestamp;
}

export interface MetricPointsTable {
	series_id: number;
	step: number;
	msg_id: string;
	value: number;
	logged_at: CreatedAt;
	metadata: Json | null;
}

export interface MetricAutoStepMessagesTable {
	series_id: number;
	msg_id: string;
	step: number;
}

export interface ResultsTable {
	experiment_id: string;
	name: string;
	value: number;
	msg_id: string | null;
	logged_at: Timestamp;
}

export interface ResultMessagesTable {
	experiment_id: string;
	msg_id: string;
	name: string;
	value: number;
	logged_at: CreatedAt;
}

export interface MetricRollupsTable {
	series_id: number;
	level: number;
	bucket: number;
	point_count: number;
	min_value: number;
	max_value: number;
	last_step: number;
	last_value: number;
	last_logged_at: Date;
}

export interface SchemaMigrationsTable {
	version: string;
	name: string | null;
	statements: string[] | null;
}

export interface Database {
	profiles: ProfilesTable;
	workspaces: WorkspacesTable;
	workspace_members: WorkspaceMembersTable;
	invitations: InvitationsTable;
	api_keys: ApiKeysTable;
	experiments: ExperimentsTable;
	experiment_references: ExperimentReferencesTable;
	metric_series: MetricSeriesTable;
	metric_points: MetricPointsTable;
	metric_auto_step_messages: MetricAutoStepMessagesTable;
	metric_rollups: MetricRollupsTable;
	results: ResultsTable;
	result_messages: ResultMessagesTable;
	'supabase_migrations.schema_migrations': SchemaMigrationsTable;
}
