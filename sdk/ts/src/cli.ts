/**
 * The `tora` command line: `main(argv)` resolves with the exit code (0 success, 1 failure, 2 bad
 * usage). bin/tora.mjs runs it.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Api, CliError } from './cli-api.js';
import { artifactTable, artifactsGet, artifactsLs, artifactsPut } from './cli-artifacts.js';
import { exportCsv } from './cli-export.js';
import { listCsv, listRuns, listTable, resolveExperiment, splitColumns } from './cli-list.js';
import { printLogs } from './cli-logs.js';
import { snapshot } from './cli-snapshot.js';
import { runImport, type ImportKind } from './import/command.js';
import { listProjects, projectTable } from './cli-projects.js';
import { formatNumber, printable, shortDate, table, terminalJson } from './cli-format.js';
import { login, logout } from './cli-login.js';
import { ToraError } from './errors.js';
import { USER_AGENT } from './http.js';
import { sync } from './sync.js';
import { uuid7 } from './uuid7.js';
import { checkName, checkStep, checkValue } from './validation.js';
import type { WireBatchResult, WireExperimentDetail, WireWorkspace } from './wire.js';

const VERSION = USER_AGENT.split('/')[1];

const HELP = `tora: log to and read from a Tora server

Usage: tora <command> [options]

Commands:
  login [--base-url URL] [--api-key KEY]   store an API key for a server (~/.tora/config.json, mode 0600)
  logout                                   remove the stored key
  workspaces [--json]                      list your workspaces
  experiments list [--workspace ID] [--filter QUERY] [--sort KEY] [--order asc|desc]
                   [--columns KEY,...] [--limit N] [--json|--csv]
                                           list runs (every workspace you can see by default)
  experiments show <id|name> [--json]      an experiment: hyperparameters, metric summaries, results
  projects list [--workspace ID] [--json]  list projects and their run counts (every workspace by default)
  artifacts ls|put|get <experiment> ...    list, upload (a file or directory) or download a run's files
  log <experiment> name=value [...] [--step N] [--result]
                                           log metric points (or final results) from the shell
  export <experiment> [--format long|wide] [--output FILE]
                                           stream the metric points as CSV (to stdout by default)
  logs <experiment> [--follow] [--json]    print a run's console output (stderr lines to stderr)
  snapshot <id|name>... [--view VIEW] [--output FILE]
                                           write one self-contained HTML file (charts, tables,
                                           notes) that opens offline in any browser
  sync [--spool-dir DIR] [--base-url URL] [--retry-timeout S]
                                           upload log entries saved while the server was unreachable
  import tensorboard|mlflow|csv <path> [--workspace W] [--project P]
                                           import runs from TensorBoard event files, an MLflow
                                           mlruns directory or a long CSV export

Server and key: TORA_BASE_URL (<origin>/api) and TORA_API_KEY, else the stored login.
Run \`tora <command> --help\` for a command's options.`;

interface Command {
	usage: string;
	options: NonNullable<ParseArgsConfig['options']>;
	run(values: Record<string, unknown>, positionals: string[]): Promise<number | void>;
}

const json = { type: 'boolean' } as const;

function print(value: unknown): void {
	console.log(terminalJson(value));
}

function usage(message: string): never {
	throw new CliError(message, 2);
}

function positiveInteger(raw: unknown, option: string): number | undefined {
	if (raw === undefined) return undefined;
	const value = Number(raw);
	if (!Number.isSafeInteger(value) || value < 0)
		usage(`--${option} must be a whole number >= 0, got ${JSON.stringify(raw)}`);
	return value;
}

const commands: Record<string, Command> = {
	login: {
		usage:
			'tora login [--base-url URL] [--api-key KEY]\n\nThe key is read from --api-key, else from stdin when it is not a terminal, else from a hidden prompt.\nIt is checked against the server before it is saved.',
		options: { 'base-url': { type: 'string' }, 'api-key': { type: 'string' } },
		run: (values) => login({ baseUrl: values['base-url'] as string, apiKey: values['api-key'] as string })
	},
	logout: {
		usage: 'tora logout',
		options: {},
		run: async () => logout()
	},
	workspaces: {
		usage: 'tora workspaces [--json]',
		options: { json },
		async run(values) {
			const workspaces = await Api.fromEnvironment().call<WireWorkspace[]>('GET', '/workspaces');
			if (values.json) return print(workspaces);
			console.log(
				table(
					['ID', 'ROLE', 'MEMBERS', 'NAME'],
					workspaces.map((w) => [
						w.id,
						w.role,
						String(w.member_count),
						w.personal ? `${w.name} (personal)` : w.name
					])
				)
			);
		}
	},
	'experiments list': {
		usage: `tora experiments list [--workspace ID] [--filter QUERY] [--sort KEY] [--order asc|desc] [--columns KEY,...] [--limit N] [--json|--csv]

Without --workspace: every workspace you can see (a scoped key: its own), merged in one order,
with a WORKSPACE column when there are several. --limit is the total (default 50); pages are read
by cursor. Keys are the run query language's: name, created, status, hp.lr, result.acc,
metric.loss.min, metric."val/loss".last, and what the SDK captured: git.commit, git.branch,
host, gpu, memory ... (see the README, "The run query language").
  --filter QUERY    e.g. 'hp.lr < 0.01 and metric.loss.min < 0.3 and status != crashed'
  --sort KEY        default: created (newest first); --order flips it
  --columns KEYS    adds a column per key (comma-separated) with each run's value
  --status S, --search TEXT, --tag TAG (repeatable) narrow the list as before
  --csv             CSV on stdout, text cells made safe for spreadsheets`,
		options: {
			workspace: { type: 'string' },
			filter: { type: 'string' },
			sort: { type: 'string' },
			order: { type: 'string' },
			columns: { type: 'string', multiple: true },
			status: { type: 'string' },
			search: { type: 'string' },
			tag: { type: 'string', multiple: true },
			limit: { type: 'string' },
			json,
			csv: json
		},
		async run(values) {
			if (values.json && values.csv) usage('pick one of --json and --csv');
			const order = values.order as string | undefined;
			if (order !== undefined && order !== 'asc' && order !== 'desc')
				usage(`--order must be asc or desc, got ${JSON.stringify(order)}`);
			const limit = positiveInteger(values.limit, 'limit') ?? 50;
			const listing = await listRuns(Api.fromEnvironment(), {
				workspace: values.workspace as string | undefined,
				filter: values.filter as string | undefined,
				sort: values.sort as string | undefined,
				order,
				columns: ((values.columns as string[] | undefined) ?? []).flatMap(splitColumns),
				status: values.status as string | undefined,
				search: values.search as string | undefined,
				tags: (values.tag as string[] | undefined) ?? [],
				limit
			});
			if (values.json) return print(listing.runs.map(({ run }) => run));
			if (values.csv) return void process.stdout.write(listCsv(listing));
			if (listing.runs.length === 0) return console.log('No experiments.');
			console.log(listTable(listing));
		}
	},
	'experiments show': {
		usage:
			'tora experiments show <id|name> [--json]\n\nA name is looked up in every workspace you can see; when several runs have it, they are listed to pick one by id.',
		options: { json },
		async run(values, [idOrName]) {
			if (!idOrName) usage('which experiment? tora experiments show <id|name>');
			const api = Api.fromEnvironment();
			const id = await resolveExperiment(api, idOrName);
			const e = await api.call<WireExperimentDetail>(
				'GET',
				`/experiments/${encodeURIComponent(id)}`,
				undefined,
				`experiment ${id} not found`
			);
			if (values.json) return print(e);
			// Everything the server sent is made printable (one line each; the description keeps its lines).
			const lines = [
				`name        ${printable(e.name)}`,
				`id          ${printable(e.id)}`,
				`status      ${printable(e.status ?? '')}`,
				`url         ${printable(e.url)}`,
				`workspace   ${printable(e.workspace_id)}`,
				...(e.project ? [`project     ${printable(e.project)}`] : []),
				`created     ${printable(shortDate(e.created_at))}`,
				`updated     ${printable(shortDate(e.updated_at))}`
			];
			if (e.tags.length) lines.push(`tags        ${e.tags.map((tag) => printable(tag)).join(', ')}`);
			if (e.description) lines.push(`description ${printable(e.description, { multiLine: true })}`);
			if (e.hyperparams.length) {
				lines.push('', 'hyperparameters');
				lines.push(
					...e.hyperparams.map((h) => `  ${printable(h.key)} = ${printable(JSON.stringify(h.value))}`)
				);
			}
			const { metrics, results } = e;
			lines.push('', metrics.length ? `metrics (${metrics.length})` : 'metrics: none');
			if (metrics.length) {
				const rows = metrics.map((m) => [
					m.name,
					String(m.count),
					m.first_step === null ? '' : `${m.first_step}–${m.last_step}`,
					formatNumber(m.last),
					formatNumber(m.min),
					formatNumber(m.max)
				]);
				lines.push(
					...table(['NAME', 'POINTS', 'STEPS', 'LAST', 'MIN', 'MAX'], rows)
						.split('\n')
						.map((l) => `  ${l}`)
				);
			}
			if (results.length) {
				lines.push('', 'results');
				lines.push(...results.map((r) => `  ${printable(r.name)} = ${formatNumber(r.value)}`));
			}
			console.log(lines.join('\n'));
		}
	},
	'projects list': {
		usage: `tora projects list [--workspace ID] [--json]

The projects of a workspace with how many runs each holds; without --workspace, of every workspace
you can see (a scoped key: its own), with a WORKSPACE column when there are several. Runs join a
project when an SDK creates them with \`project\`; filter runs by one with
\`tora experiments list --filter 'project = "NAME"'\`.`,
		options: { workspace: { type: 'string' }, json },
		async run(values) {
			const listing = await listProjects(Api.fromEnvironment(), values.workspace as string | undefined);
			if (values.json) return print(listing.projects.map(({ project }) => project));
			if (listing.projects.length === 0) return console.log('No projects.');
			console.log(projectTable(listing));
		}
	},
	'artifacts ls': {
		usage: 'tora artifacts ls <experiment> [--json]\n\nThe files stored with a run, by path.',
		options: { json },
		async run(values, [id]) {
			if (!id) usage('which experiment? tora artifacts ls <experiment>');
			const artifacts = await artifactsLs(Api.fromEnvironment(), id);
			if (values.json) return print(artifacts);
			if (artifacts.length === 0) return console.log('No artifacts.');
			console.log(artifactTable(artifacts));
		}
	},
	'artifacts put': {
		usage:
			"tora artifacts put <experiment> <path> [--name N] [--overwrite]\n\nUploads a file, or every file under a directory, as the run's artifact N (default: the base name). The same bytes again are a no-op; other bytes at a stored path need --overwrite.",
		options: { name: { type: 'string' }, overwrite: { type: 'boolean' }, json },
		async run(values, [id, path]) {
			if (!id || !path) usage('tora artifacts put <experiment> <path> [--name N]');
			const stored = await artifactsPut(Api.fromEnvironment(), id, path, {
				name: values.name as string | undefined,
				overwrite: Boolean(values.overwrite)
			});
			if (values.json) return print(stored);
			console.log(`${stored.length} file(s) stored`);
		}
	},
	'artifacts get': {
		usage:
			'tora artifacts get <experiment> <name> [-o OUT]\n\nDownloads the artifact <name> (or every artifact under the directory <name>) to OUT (default: its base name), checking each sha256.',
		options: { out: { type: 'string', short: 'o' } },
		async run(values, [id, name]) {
			if (!id || !name) usage('tora artifacts get <experiment> <name> [-o OUT]');
			for (const file of await artifactsGet(
				Api.fromEnvironment(),
				id,
				name,
				values.out as string | undefined
			)) {
				console.log(file);
			}
		}
	},
	log: {
		usage:
			'tora log <experiment> name=value [name=value...] [--step N] [--result]\n\nWithout --step the server assigns each series its next step. --result logs final values instead of series points.',
		options: { step: { type: 'string' }, result: { type: 'boolean' } },
		async run(values, [id, ...pairs]) {
			if (!id || pairs.length === 0) usage('tora log <experiment> name=value [name=value...] [--step N]');
			const result = Boolean(values.result);
			if (result && values.step !== undefined) usage('--result values have no step');
			const step = values.step === undefined ? null : checkStep(positiveInteger(values.step, 'step'));
			const logs = pairs.map((pair) => {
				const at = pair.lastIndexOf('=');
				if (at <= 0) usage(`expected name=value, got ${JSON.stringify(pair)}`);
				const name = checkName(pair.slice(0, at));
				const raw = pair.slice(at + 1).trim();
				const value = checkValue(raw === '' ? NaN : Number(raw), name);
				return { name, msg_id: uuid7(), value, step, metadata: { type: result ? 'result' : 'metric' } };
			});
			const api = Api.fromEnvironment();
			// msg_ids make the retries inside call() safe: nothing is stored twice.
			const outcome = await api.call<WireBatchResult>(
				'POST',
				`/experiments/${encodeURIComponent(id)}/logs/batch`,
				{ logs },
				`experiment ${id} not found`
			);
			const what = result ? 'result' : 'point';
			console.log(
				`Logged ${logs.length} ${what}${logs.length === 1 ? '' : 's'} to ${printable(id)}${step === null ? '' : ` at step ${step}`} (${outcome.stored} stored).`
			);
		}
	},
	export: {
		usage:
			'tora export <experiment> [--format long|wide] [--output FILE]\n\nlong (default): name,step,value,logged_at, a row per point. wide: step,<metric>,..., a row per step.\nProgress goes to stderr when it is a terminal, or for large exports. A download that breaks off or\nis interrupted (Ctrl-C) exits non-zero, and leaves no --output file.',
		options: { format: { type: 'string', default: 'long' }, output: { type: 'string', short: 'o' } },
		async run(values, [id]) {
			if (!id) usage('which experiment? tora export <experiment> --format long|wide > file.csv');
			const format = values.format;
			if (format !== 'long' && format !== 'wide')
				usage(`--format must be long or wide, got ${JSON.stringify(format)}`);
			await exportCsv(Api.fromEnvironment(), id, format, values.output as string | undefined);
		}
	},
	logs: {
		usage:
			'tora logs <id|name> [--follow] [--json]\n\nPrints the lines the run printed (captured by the SDK): stdout lines to stdout, stderr lines to\nstderr, colours kept, other control characters shown as escapes. --follow (-f) keeps printing new\nlines about every second until the run is no longer running. --json: one JSON object per line\n({seq, time, stream, text}) on stdout.',
		options: { follow: { type: 'boolean', short: 'f' }, json },
		async run(values, [idOrName]) {
			if (!idOrName) usage('which experiment? tora logs <id|name> [--follow]');
			const api = Api.fromEnvironment();
			const id = await resolveExperiment(api, idOrName);
			await printLogs(api, id, { follow: Boolean(values.follow), json: Boolean(values.json) });
		}
	},
	snapshot: {
		usage: `tora snapshot <id|name>... [--view VIEW] [--limit N] [--title TEXT] [--output FILE]

One HTML file holding the runs' charts (every metric, about 1,000 points per series; drag to zoom,
hover for values, a legend to hide runs), hyperparameters, results and notes. It loads nothing
from the network, so it opens from a disk or an attachment without the server, now or later.
  --view VIEW     the runs of a saved view (id or name), in its filter and sort order
  --limit N       runs taken from the view (default 10, at most 100)
  --title TEXT    the page's title (default: the run's name, or the view's)
  --output FILE   where to write (default: the title as a file name in this directory)`,
		options: {
			view: { type: 'string' },
			limit: { type: 'string' },
			title: { type: 'string' },
			output: { type: 'string', short: 'o' }
		},
		async run(values, experiments) {
			if (experiments.length === 0 && values.view === undefined)
				usage('which experiments? tora snapshot <id|name>... or tora snapshot --view VIEW');
			await snapshot(Api.fromEnvironment(), {
				experiments,
				view: values.view as string | undefined,
				limit: positiveInteger(values.limit, 'limit'),
				title: values.title as string | undefined,
				output: values.output as string | undefined
			});
		}
	},
	sync: {
		usage:
			'tora sync [--spool-dir DIR] [--base-url URL] [--retry-timeout SECONDS]\n\nUploads ~/.tora/spool (or TORA_SPOOL_DIR), written by the TypeScript and Python SDKs alike, with the\noriginal msg_ids: running it twice stores nothing twice. Each run goes to the server it was logged to\nunless --base-url says otherwise.',
		options: {
			'spool-dir': { type: 'string' },
			'base-url': { type: 'string' },
			'retry-timeout': { type: 'string' }
		},
		async run(values) {
			const seconds = values['retry-timeout'] === undefined ? undefined : Number(values['retry-timeout']);
			if (seconds !== undefined && !(seconds >= 0)) usage('--retry-timeout must be a number of seconds >= 0');
			const { code } = await sync({
				// Its lines quote the server's error messages.
				print: (line) => console.log(printable(line, { multiLine: true })),
				spoolDir: values['spool-dir'] as string | undefined,
				baseUrl: values['base-url'] as string | undefined,
				retryTimeoutMs: seconds === undefined ? undefined : seconds * 1000
			});
			return code;
		}
	}
};

const IMPORT_KINDS = ['tensorboard', 'mlflow', 'csv'];

commands.import = {
	usage: `tora import tensorboard <dir> | mlflow <mlruns dir> | csv <file>... [--workspace ID|NAME] [--project NAME] [--json]

tensorboard: every directory under <dir> holding events.out.tfevents.* files becomes an experiment
  named by its relative path; scalar summaries become metrics (tag → name), with steps and wall times.
mlflow: a local file store (mlruns/): each MLflow experiment becomes a project, each run an
  experiment with its params, tags, notes, status and metric history.
csv: a long export (tora export --format long) becomes an experiment (--name NAME; --key ID names the
  source instead of the file's content hash).
Importing again adds nothing: each run is found again by its source id, each point by its msg_id.
Corrupt records (bad CRC, truncated files) and data Tora has no place for are skipped and counted
in the summary. Progress goes to stderr; the summary to stdout (--json: as JSON).
  --workspace W     a workspace id or name (default: the key's workspace, else your personal one)
  --project P       put every run in this project (created on first use)
  --dry-run         read and count everything, send nothing`,
	options: {
		workspace: { type: 'string' },
		project: { type: 'string' },
		name: { type: 'string' },
		key: { type: 'string' },
		'dry-run': { type: 'boolean' },
		json
	},
	async run(values, [kind, ...paths]) {
		if (!IMPORT_KINDS.includes(kind))
			usage(`what to import? tora import tensorboard <dir> | mlflow <dir> | csv <file>`);
		if (paths.length === 0) usage(`tora import ${kind} needs a ${kind === 'csv' ? 'file' : 'directory'}`);
		if (kind !== 'csv' && (values.name !== undefined || values.key !== undefined))
			usage('--name and --key are for csv imports');
		return runImport(kind as ImportKind, paths, {
			workspace: values.workspace as string | undefined,
			project: values.project as string | undefined,
			name: values.name as string | undefined,
			key: values.key as string | undefined,
			dryRun: Boolean(values['dry-run']),
			json: Boolean(values.json)
		});
	}
};

function find(argv: string[]): { name: string; rest: string[] } | null {
	const [first, second, ...rest] = argv;
	if (first === 'experiments') {
		if (second === 'list' || second === 'show') return { name: `experiments ${second}`, rest };
		return null;
	}
	if (first === 'projects') return second === 'list' ? { name: 'projects list', rest } : null;
	if (first === 'artifacts') {
		return ['ls', 'put', 'get'].includes(second) ? { name: `artifacts ${second}`, rest } : null;
	}
	return Object.hasOwn(commands, first) ? { name: first, rest: argv.slice(1) } : null;
}

export async function main(argv: string[]): Promise<number> {
	if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
		const topic = argv[0] === 'help' ? find(argv.slice(1)) : null;
		console.log(topic ? commands[topic.name].usage : HELP);
		return 0;
	}
	if (argv[0] === '--version') {
		console.log(`tora ${VERSION}`);
		return 0;
	}
	const found = find(argv);
	if (!found) {
		console.error(
			argv[0] === 'experiments'
				? 'tora: usage: tora experiments list|show ...'
				: argv[0] === 'projects'
					? 'tora: usage: tora projects list [--workspace ID] [--json]'
					: `tora: unknown command ${JSON.stringify(argv[0])}\n\n${HELP}`
		);
		return 2;
	}
	const command = commands[found.name];
	try {
		let parsed;
		try {
			parsed = parseArgs({
				args: found.rest,
				options: { ...command.options, help: { type: 'boolean', short: 'h' } },
				allowPositionals: true,
				strict: true
			});
		} catch (error) {
			usage(`${(error as Error).message}\nusage: ${command.usage.split('\n')[0]}`);
		}
		if (parsed.values.help) {
			console.log(`usage: ${command.usage}`);
			return 0;
		}
		return (await command.run(parsed.values, parsed.positionals)) ?? 0;
	} catch (error) {
		if (error instanceof CliError || error instanceof ToraError) {
			// Messages quote the server's (and so whatever was stored).
			console.error(`tora: ${printable(error.message, { multiLine: true })}`);
			return error instanceof CliError ? error.code : error.name === 'ToraValidationError' ? 2 : 1;
		}
		throw error;
	}
}
