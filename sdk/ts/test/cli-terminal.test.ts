/**
 * The real `tora` CLI against the real single server, reading names that carry terminal escape
 * sequences: retitling the window (OSC 0), writing the clipboard (OSC 52), a fake link (OSC 8),
 * an 8-bit CSI and a right-to-left override. The API refuses such names now, so they are written
 * straight into the database, as older data or another writer could have left them. Whatever
 * `tora` prints must not contain a single one of those characters, and its JSON must still parse
 * back to the stored values.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../../functions/_lib/db.ts';
import { createKey } from '../../../tests/support/api.ts';
import { createTeamWorkspace, signInWithWorkspace } from '../../../tests/support/experiments.ts';
import { childEnv, removeTempDirs, tempDir, tora, startInProcessServer } from './support.js';

const TITLE = '\u001b]0;pwned\u0007';
const CLIPBOARD = '\u001b]52;c;cm0gLXJmIH4K\u0007';
const LINK = '\u001b]8;;http://evil.example\u001b\\click here\u001b]8;;\u001b\\';
const CSI_8BIT = '\u009b2J';
const RTL_OVERRIDE = '\u202e';
/** What a terminal would act on: ESC, BEL, the 8-bit CSI, the bidi override (and any other C0/C1). */
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const hostileName = `run ${TITLE}${LINK}`;
const hostileTag = `tag${CLIPBOARD}`;
const hostileKey = `lr${CSI_8BIT}`;
const hostileValue = `adam${TITLE}`;
const hostileDescription = `first line\n${CLIPBOARD}second ${RTL_OVERRIDE}line`;
const hostileWorkspace = `team ${TITLE}${RTL_OVERRIDE}`;

let origin: string;
let stopServer: () => Promise<void>;
let env: Record<string, string | undefined>;
let experimentId: string;
let workspaceId: string;

beforeAll(async () => {
	const served = await startInProcessServer();
	origin = `${served.origin}`;
	stopServer = served.stop;

	const user = await signInWithWorkspace();
	const { key } = await createKey(user.token);
	workspaceId = await createTeamWorkspace(user.userId, hostileWorkspace);
	const row = await getDb()
		.insertInto('experiments')
		.values({
			id: randomUUID(),
			workspace_id: workspaceId,
			created_by: user.userId,
			name: hostileName,
			description: hostileDescription,
			tags: [hostileTag],
			hyperparams: [{ key: hostileKey, value: hostileValue }]
		})
		.returning('id')
		.executeTakeFirstOrThrow();
	experimentId = row.id;
	env = childEnv(tempDir('tora-cli-terminal-'), { TORA_BASE_URL: `${origin}/api`, TORA_API_KEY: key });
}, 60_000);

afterAll(async () => {
	await stopServer?.();
	removeTempDirs();
});

async function run(args: string[]): Promise<string> {
	const ran = await tora(args, env);
	expect(ran.code, ran.stderr).toBe(0);
	return ran.stdout + ran.stderr;
}

describe('tora prints stored names without their terminal escapes', () => {
	it('tables: workspaces and experiments list', async () => {
		const workspaces = await run(['workspaces']);
		expect(workspaces).toContain('team \\x1b]0;pwned\\x07\\u202e');
		expect(workspaces).not.toMatch(TERMINAL_CONTROLS);

		const list = await run(['experiments', 'list', '--workspace', workspaceId]);
		expect(list).toContain(experimentId);
		expect(list).toContain('run \\x1b]0;pwned\\x07\\x1b]8;;http://evil.example\\x1b\\click here');
		expect(list).not.toMatch(TERMINAL_CONTROLS);
	});

	it('experiments show: name, tags, hyperparameters and the multi-line description', async () => {
		const shown = await run(['experiments', 'show', experimentId]);
		expect(shown).toContain('tags        tag\\x1b]52;c;cm0gLXJmIH4K\\x07');
		expect(shown).toContain('lr\\x9b2J = "adam\\u001b]0;pwned\\u0007"');
		// The description keeps its line break; the escapes in it do not survive.
		expect(shown).toContain('description first line\n\\x1b]52;c;cm0gLXJmIH4K\\x07second \\u202eline');
		expect(shown).not.toMatch(TERMINAL_CONTROLS);
	});

	it('--json output escapes them too and still parses back to the stored values', async () => {
		const shown = await run(['experiments', 'show', experimentId, '--json']);
		expect(shown).not.toMatch(TERMINAL_CONTROLS);
		const experiment = JSON.parse(shown);
		expect(experiment.name).toBe(hostileName);
		expect(experiment.description).toBe(hostileDescription);
		expect(experiment.tags).toEqual([hostileTag]);
		expect(experiment.hyperparams).toEqual([{ key: hostileKey, value: hostileValue }]);

		const workspaces = await run(['workspaces', '--json']);
		expect(workspaces).not.toMatch(TERMINAL_CONTROLS);
		expect(JSON.parse(workspaces).map((w: { name: string }) => w.name)).toContain(hostileWorkspace);
	});
});
