/**
 * Compile-time only (never built or shipped): the client's wire types must stay compatible with
 * the server's zod contracts. `npx tsc -p sdk/ts/tsconfig.json --noEmit` fails if they drift.
 */
import type { input } from 'zod';
import type { Me } from '../../../functions/_lib/contracts/auth.ts';
import type { Envelope, ErrorEnvelope } from '../../../functions/_lib/contracts/common.ts';
import type {
	CreateExperimentBody,
	Experiment,
	ExperimentPage,
	UpdateExperimentBody
} from '../../../functions/_lib/contracts/experiments.ts';
import type { LogBatchResult, LogEntry } from '../../../functions/_lib/contracts/logs.ts';
import type { Project } from '../../../functions/_lib/contracts/projects.ts';
import type { Workspace } from '../../../functions/_lib/contracts/workspaces.ts';
import type {
	CONTEXT_FIELDS as SERVER_CONTEXT_FIELDS,
	RUN_FIELDS as SERVER_RUN_FIELDS
} from '../../../functions/_lib/contracts/query/ast.ts';
import type { CONTEXT_FIELDS, RUN_FIELDS } from './run-keys.js';
import type {
	WireBatchResult,
	WireCreateExperiment,
	WireError,
	WireExperiment,
	WireExperimentDetail,
	WireExperimentPage,
	WireLogEntry,
	WireMe,
	WireProject,
	WireSuccess,
	WireUpdateExperiment,
	WireWorkspace
} from './wire.js';

type Assert<T extends true> = T;
type Extends<A, B> = [A] extends [B] ? true : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// What we send must be accepted by the server's schema input.
export type _LogEntry = Assert<Extends<WireLogEntry, input<typeof LogEntry>>>;
export type _Create = Assert<Extends<WireCreateExperiment, input<typeof CreateExperimentBody>>>;
export type _Update = Assert<Extends<WireUpdateExperiment, input<typeof UpdateExperimentBody>>>;

// What the server returns must give us at least what we read.
export type _Experiment = Assert<Extends<Experiment, WireExperiment>>;
export type _BatchResult = Assert<Extends<LogBatchResult, WireBatchResult>>;
export type _Envelope = Assert<Extends<Envelope<Experiment>, WireSuccess<WireExperiment>>>;
export type _ErrorEnvelope = Assert<Extends<ErrorEnvelope, WireError>>;
// ... and what the CLI reads.
export type _ExperimentDetail = Assert<Extends<Experiment, WireExperimentDetail>>;
export type _ExperimentPage = Assert<Extends<ExperimentPage, WireExperimentPage>>;
export type _Workspace = Assert<Extends<Workspace, WireWorkspace>>;
export type _Me = Assert<Extends<Me, WireMe>>;
export type _Project = Assert<Extends<Project, WireProject>>;

// The CLI's copies of the query language's keys name exactly the server's (order: run-keys.test.ts).
export type _RunFields = Assert<Same<(typeof RUN_FIELDS)[number], (typeof SERVER_RUN_FIELDS)[number]>>;
export type _ContextFields = Assert<
	Same<(typeof CONTEXT_FIELDS)[number], (typeof SERVER_CONTEXT_FIELDS)[number]>
>;
