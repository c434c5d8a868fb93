/**
 * A big workspace of runs for the run-query benchmark (P11), written straight into the tables by
 * `insert ... select generate_series` statements: loading 100,000 runs through the API would take
 * longer than everything it measures. Plain inserts, so every trigger still runs (the metric and
 * result counts, and whatever else the migrations keep up to date).
 *
 * Values vary the way a sweep's do: learning rates log-uniform over 1e-5..1e-1, a handful of
 * tags and statuses, a few runs missing a metric, running runs both live (5 %) and crashed (10 %).
 */
import type postgres from 'postgres';

/** Every run has these metric series (except `val/loss`, missing from 5 % of runs). */
export const RUN_METRICS = [
	'train/loss',
	'val/loss',
	'val/acc',
	'train/acc',
	'lr',
	'grad_norm',
	'throughput',
	'gpu_mem',
	'epoch_time',
	'weight_norm'
] as const;

export const RUN_RESULTS = ['test/accuracy', 'test/loss', 'best_epoch'] as const;

/** The 20 hyperparameters: six named ones of mixed types and fourteen numeric `hp_NN`. */
export const HYPERPARAMETER_COUNT = 20;

/** The share of runs tagged `a` (the benchmark's filter asks for it). */
const TAG_A_SHARE = 0.2;

export interface SeedResult {
	runs: number;
	series: number;
	results: number;
	seconds: number;
	/** Seconds since the start at the end of each step, for the log. */
	steps: Record<string, number>;
}

/** `runs` experiments in `workspaceId`, created by `userId`, with their series and results. */
export async function seedRunWorkspace(
	sql: postgres.Sql,
	workspaceId: string,
	userId: string,
	runs: number
): Promise<SeedResult> {
	const started = performance.now();
	const lap = (step: string) => {
		steps[step] = (performance.now() - started) / 1000;
	};
	const steps: Record<string, number> = {};
	// One run per minute, the newest a minute ago; 15 % running (a third of them still heard from,
	// the rest crashed long ago), 15 % failed, the rest finished.
	await sql`
		insert into experiments (workspace_id, name, description, tags, hyperparams, status, created_by,
			created_at, updated_at, last_seen_at)
		select ${workspaceId}::uuid, 'run-' || lpad(g::text, 6, '0'), '',
			array_remove(array[
				case when tag_roll < ${TAG_A_SHARE} then 'a' end,
				case when g % 3 = 0 then 'b' end,
				case when g % 10 = 0 then 'baseline' end,
				'sweep-' || (g % 7)
			], null),
			jsonb_build_array(
				jsonb_build_object('key', 'lr', 'value', power(10, -5 + 4 * lr_roll)),
				jsonb_build_object('key', 'batch_size', 'value', (array[16, 32, 64, 128, 256])[1 + g % 5]),
				jsonb_build_object('key', 'optimizer', 'value', (array['adam', 'sgd', 'adamw'])[1 + g % 3]),
				jsonb_build_object('key', 'dropout', 'value', round((lr_roll * 997)::numeric % 0.5, 3)),
				jsonb_build_object('key', 'layers', 'value', 2 + g % 23),
				jsonb_build_object('key', 'use_ema', 'value', g % 2 = 0)
			) || (
				-- The other fourteen: numbers spread by a multiplicative hash of (run, key).
				select jsonb_agg(jsonb_build_object('key', 'hp_' || lpad(k::text, 2, '0'),
					'value', ((g * 7919 + k * 104729) % 100000) / 1000.0) order by k)
				from generate_series(7, ${HYPERPARAMETER_COUNT}) k
			),
			case when status_roll < 0.15 then 'running' when status_roll < 0.30 then 'failed' else 'finished' end,
			${userId}::uuid, created, created + interval '1 hour',
			case when status_roll < 0.05 then now() else created + interval '1 hour' end
		from (
			-- random() in a subquery's select list: one draw per run (never pulled up and shared).
			select g, random() as tag_roll, random() as lr_roll, random() as status_roll,
				now() - (${runs} - g + 1) * interval '1 minute' as created
			from generate_series(1, ${runs}) g
		) run
	`;
	lap('experiments');
	// Summaries as ingest keeps them (1,000 points each), one draw per series.
	const series = await sql`
		insert into metric_series (experiment_id, name, point_count, first_step, last_step, min_value,
			max_value, last_value, first_value, first_logged_at, last_logged_at)
		select id, name, 1000, 0, 999, low, low + spread, low + spread * 0.1, low + spread, created_at,
			created_at + interval '1 hour'
		from (
			select e.id, m.name, e.created_at, random() * 2 as low, random() as spread, random() as skip
			from experiments e
			cross join unnest(${sql.array([...RUN_METRICS])}::text[]) as m(name)
			where e.workspace_id = ${workspaceId}::uuid
		) drawn
		where not (name = 'val/loss' and skip < 0.05)
	`;
	lap('series');
	const results = await sql`
		insert into results (experiment_id, name, value, msg_id, logged_at)
		select e.id, r.name, random(), gen_random_uuid(), e.created_at + interval '1 hour'
		from experiments e
		cross join unnest(${sql.array([...RUN_RESULTS])}::text[]) as r(name)
		where e.workspace_id = ${workspaceId}::uuid
	`;
	lap('results');
	// The count and catalog triggers rewrote every run twice in bulk, leaving the table three times
	// its size (645 MB instead of 215 MB at 100,000 runs), which a scan of it then pays for. A live
	// table's updates are spread out and vacuumed as they go; rewrite it to that steady state.
	await sql`vacuum full experiments`;
	lap('vacuum');
	await sql`analyze experiments`;
	await sql`analyze metric_series`;
	await sql`analyze results`;
	return {
		runs,
		series: series.count,
		results: results.count,
		seconds: (performance.now() - started) / 1000,
		steps
	};
}
