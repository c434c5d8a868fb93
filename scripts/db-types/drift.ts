/**
 * Says how a checked-in db-types.ts differs from what the migrations generate, in terms of tables
 * and columns, so a failing `npm run check` names what changed instead of only "stale".
 */

/** Interface name → member name → its type, as written (whitespace collapsed, comments dropped). */
type Members = Map<string, Map<string, string>>;

/**
 * Reads the interfaces of a file in the generator's own format (prettier-formatted, one member per
 * statement). Anything else in the file is ignored: text differences outside the interfaces are
 * reported as such by `describeDrift`.
 */
export function readInterfaces(source: string): Members {
	const interfaces: Members = new Map();
	let members: Map<string, string> | undefined;
	let statement = '';
	for (const rawLine of source.split('\n')) {
		const line = rawLine.trim();
		const start = /^export interface (\w+) \{$/.exec(line);
		if (start) {
			members = new Map();
			interfaces.set(start[1], members);
		} else if (!members) {
			continue;
		} else if (line === '}' && !statement) {
			members = undefined;
		} else if (line && !line.startsWith('/**') && !line.startsWith('*')) {
			statement = statement ? `${statement} ${line}` : line;
			if (!statement.endsWith(';')) continue;
			const member = /^('[^']*'|"[^"]*"|[\w$]+)\??:\s*(.*);$/.exec(statement);
			if (member) members.set(member[1].replace(/^['"]|['"]$/g, ''), member[2].replace(/\s+/g, ' '));
			statement = '';
		}
	}
	return interfaces;
}

/**
 * One line per difference between the checked-in file and the generated one: interfaces (tables)
 * and members (columns) missing, extra or of another type. Empty when the texts are equal.
 */
export function describeDrift(checkedIn: string, generated: string): string[] {
	if (checkedIn === generated) return [];
	const have = readInterfaces(checkedIn);
	const want = readInterfaces(generated);
	const lines: string[] = [];
	for (const [name, wanted] of want) {
		const had = have.get(name);
		if (!had) {
			lines.push(`${name}: missing (a new table?)`);
			continue;
		}
		for (const [member, type] of wanted) {
			const old = had.get(member);
			if (old === undefined) lines.push(`${name}.${member}: missing; the migrations give ${type}`);
			else if (old !== type) lines.push(`${name}.${member}: ${old} here, ${type} from the migrations`);
		}
		for (const member of had.keys()) {
			if (!wanted.has(member)) lines.push(`${name}.${member}: not in the migrations`);
		}
	}
	for (const name of have.keys()) {
		if (!want.has(name)) lines.push(`${name}: not in the migrations (a dropped table?)`);
	}
	if (lines.length === 0) lines.push('the types agree; comments, order or formatting differ');
	return lines;
}
