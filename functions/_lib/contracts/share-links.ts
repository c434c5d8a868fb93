/**
 * Share links: `POST/GET /api/share-links`, `DELETE /api/share-links/:id`, the workspace's
 * sharing switch (`PUT /api/workspaces/:id/sharing`), and the read-only API a link's token opens
 * (`GET /api/shared/:token`, `POST /api/shared/:token/series`). Shared by the functions and the site.
 */
import * as z from 'zod';
import { Uuid } from './common.ts';
import { ContextSummary } from './run-context.ts';
import { MetricSummary, ResultValue, HyperparamValue, RunStatus } from './experiments.ts';
import { SeriesBatchBody } from './series.ts';

/** Runs one compare link may name (as a compare page and `POST /api/series` hold). */
export const MAX_SHARED_RUNS = 100;
/** Links one list answer holds: the newest first; a workspace rarely has more live ones. */
export const MAX_LISTED_SHARE_LINKS = 200;
/** The longest a link may live; no expiry is allowed too (revoking ends it). */
export const MAX_SHARE_LINK_LIFETIME_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;

const LinkExpiry = z.iso
	.datetime({
		offset: true,
		error: 'must be an ISO 8601 date-time with a time zone, e.g. 2027-01-31T00:00:00Z'
	})
	.transform((value) => new Date(value))
	.refine((date) => date.getTime() > Date.now(), { error: 'must be in the future' })
	.refine((date) => date.getTime() <= Date.now() + MAX_SHARE_LINK_LIFETIME_DAYS * DAY_MS, {
		error: `must be at most ${MAX_SHARE_LINK_LIFETIME_DAYS} days from now`
	});

/** `POST /api/share-links`: exactly one of `experimentId`, `experimentIds`, `viewId`. */
export const CreateShareLinkBody = z
	.strictObject({
		experimentId: Uuid.optional(),
		experimentIds: z
			.array(Uuid, { error: 'must be a list of experiment ids' })
			.min(1, { error: 'must have at least 1 id' })
			.max(MAX_SHARED_RUNS, { error: `must have at most ${MAX_SHARED_RUNS} ids` })
			.transform((ids) => [...new Set(ids)])
			.optional(),
		viewId: Uuid.optional(),
		expiresAt: LinkExpiry.nullish(),
		anonymous: z.boolean({ error: 'must be true or false' }).default(false)
	})
	.superRefine((body, ctx) => {
		const targets = [body.experimentId, body.experimentIds, body.viewId].filter((t) => t !== undefined);
		if (targets.length !== 1) {
			ctx.addIssue({
				code: 'custom',
				path: ['experimentId'],
				message: 'give exactly one of experimentId, experimentIds or viewId'
			});
		}
	});
export type CreateShareLinkBody = z.infer<typeof CreateShareLinkBody>;

export const ListShareLinksQuery = z.strictObject({ workspaceId: Uuid });
export const ShareLinkParams = z.object({ id: Uuid });

/**
 * A token as it arrives in a path. Any text up to a bound: a malformed token is answered like an
 * unknown one (404), so the shape of the answer never tells a guesser more than "no".
 */
export const SharedTokenParams = z.object({ token: z.string().max(200) });

/** `PUT /api/workspaces/:id/sharing`. */
export const SharingBody = z.strictObject({ enabled: z.boolean({ error: 'must be true or false' }) });
export const Sharing = z.object({ workspace_id: z.uuid(), sharing_enabled: z.boolean() });
export type Sharing = z.infer<typeof Sharing>;

export const ShareTarget = z.enum(['experiment', 'experiments', 'view']);
export type ShareTarget = z.infer<typeof ShareTarget>;

/** A link as its workspace's members see it: never the token. */
export const ShareLink = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	target: ShareTarget,
	experiment_id: z.uuid().nullable(),
	experiment_ids: z.array(z.uuid()).nullable(),
	view_id: z.uuid().nullable(),
	/** The target's name (the run's, or the view's), or the number of runs; null when gone. */
	target_label: z.string().nullable(),
	anonymous: z.boolean(),
	expires_at: z.string().nullable(),
	revoked_at: z.string().nullable(),
	created_by: z.uuid().nullable(),
	created_by_email: z.string().nullable(),
	created_at: z.string(),
	view_count: z.number().int(),
	last_viewed_at: z.string().nullable(),
	/** "active", or why the link answers 404 now. */
	state: z.enum(['active', 'revoked', 'expired'])
});
export type ShareLink = z.infer<typeof ShareLink>;

/** `POST /api/share-links` answer: the link, its token and its page, shown this once. */
export const CreatedShareLink = ShareLink.extend({ token: z.string(), url: z.string() });
export type CreatedShareLink = z.infer<typeof CreatedShareLink>;

export const ShareLinkList = z.object({ sharing_enabled: z.boolean(), items: z.array(ShareLink) });
export type ShareLinkList = z.infer<typeof ShareLinkList>;

/**
 * A shared run: what its page shows, and nothing that says where it lives. Anonymous links null
 * `shared_by`, `workspace`, `project` and the identifying parts of `context` (host, git, working
 * directory, command line).
 */
export const SharedExperiment = z.object({
	id: z.uuid(),
	name: z.string(),
	description: z.string(),
	tags: z.array(z.string()),
	hyperparams: z.array(z.object({ key: z.string(), value: HyperparamValue })),
	status: RunStatus,
	project: z.string().nullable(),
	created_at: z.string(),
	updated_at: z.string(),
	metrics: z.array(MetricSummary),
	results: z.array(ResultValue),
	notes: z.string(),
	context: ContextSummary.nullable()
});
export type SharedExperiment = z.infer<typeof SharedExperiment>;

/** `GET /api/shared/:token`. */
export const SharedContent = z.object({
	target: ShareTarget,
	anonymous: z.boolean(),
	expires_at: z.string().nullable(),
	/** The workspace's name and the creator's email; null on anonymous links. */
	workspace: z.string().nullable(),
	shared_by: z.string().nullable(),
	/** For a view: its name and saved state (filter, sort, columns, compare settings). */
	view: z.object({ name: z.string(), state: z.record(z.string(), z.unknown()) }).nullable(),
	/** The shared runs (a view's: the first MAX_SHARED_RUNS it matches now, in its order). */
	experiments: z.array(SharedExperiment),
	/** Why a view shows no runs (its filter no longer parses), or null. */
	reason: z.string().nullable()
});
export type SharedContent = z.infer<typeof SharedContent>;

/**
 * `POST /api/shared/:token/series`: the body of `POST /api/series` without `groupBy` (a group
 * label can be a creator's email or a host name, which an anonymous link must not show). Ids
 * outside the shared set are left out of the answer, as runs one may not see are there.
 */
export const SharedSeriesBody = SeriesBatchBody.superRefine((body, ctx) => {
	if (body.groupBy !== undefined) {
		ctx.addIssue({ code: 'custom', path: ['groupBy'], message: 'is not available on shared pages' });
	}
});
export type SharedSeriesBody = z.infer<typeof SharedSeriesBody>;
