/**
 * Entry point: the baseline for P1 and P7 — a bare `node:http` server that answers
 * `GET /api/workspaces` and `GET /api/experiments/:id` for one fixed user (`BENCH_USER_ID`) with
 * the same SQL our handlers run for the data, through the same postgres.js pool (functions/_lib/db.ts
 * with the single server's settings), and the same envelope. No authentication, routing table,
 * validation or Request/Response objects: the gap to it is what our own code costs.
 * Prints `port=<n>` once listening; runs until SIGTERM.
 */
import { createServer, type ServerResponse } from 'node:http';
import { loadConfig, setRuntimeConfig } from '../../functions/_lib/config.ts';
import { closeDb, getSql } from '../../functions/_lib/db.ts';

// The single server's pool settings, as serve() hands them over.
setRuntimeConfig(loadConfig(process.env, 'server'));
const userId = process.env.BENCH_USER_ID!;
const sql = getSql();

async function workspaces(): Promise<unknown> {
	return sql`
		select w.id, w.name, w.description, m.role,
			(select count(*) from workspace_members c where c.workspace_id = w.id) as member_count,
			w.personal_owner_id is not null as personal, w.created_at, w.updated_at
		from workspace_members m join workspaces w on w.id = m.workspace_id
		where m.user_id = ${userId}
		order by w.personal_owner_id is not distinct from ${userId} desc, lower(w.name), w.id`;
}

async function experiment(id: string): Promise<unknown> {
	const [access] = await sql`
		select e.workspace_id, m.role from experiments e
		join workspace_members m on m.workspace_id = e.workspace_id and m.user_id = ${userId}
		where e.id = ${id}`;
	if (!access) return undefined;
	const [row] = await sql`
		select e.*,
			(select coalesce(json_agg(s), '[]') from (
				select name, point_count, first_step, last_step, min_value, max_value, last_value
				from metric_series where experiment_id = e.id order by name) s) as metrics,
			(select coalesce(json_agg(r), '[]') from (
				select name, value, logged_at from results where experiment_id = e.id order by name) r) as results
		from experiments e where e.id = ${id}`;
	return row;
}

function send(res: ServerResponse, status: number, data: unknown): void {
	const body = JSON.stringify({ status, data });
	res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

const server = createServer((req, res) => {
	const path = req.url ?? '/';
	const experimentId = /^\/api\/experiments\/([0-9a-f-]{36})$/.exec(path)?.[1];
	const reply =
		path === '/api/workspaces'
			? workspaces()
			: experimentId
				? experiment(experimentId)
				: Promise.resolve(undefined);
	reply.then(
		(data) => (data === undefined ? send(res, 404, null) : send(res, 200, data)),
		(error) => send(res, 500, String(error))
	);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`port=${process.env.PORT}`));
process.on('SIGTERM', () => {
	server.closeAllConnections();
	server.close(() => void closeDb().then(() => process.exit(0)));
});
