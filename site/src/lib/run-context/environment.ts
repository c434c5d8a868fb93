/** Formatting for the environment panel: sizes, the command line, remotes, diffs, the package table. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 17179869184 → "16 GiB"; one decimal below 10 of a unit. */
export function formatBytes(bytes: number): string {
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	const digits = unit > 0 && value < 10 && !Number.isInteger(value) ? 1 : 0;
	return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** An argument as a POSIX shell would need it written to mean the same. */
function shellQuote(argument: string): string {
	if (argument !== '' && /^[\w@%+=:,./-]+$/.test(argument)) return argument;
	return `'${argument.replaceAll("'", `'"'"'`)}'`;
}

/** The command's arguments as one line that can be pasted into a shell. */
export function shellJoin(args: string[]): string {
	return args.map(shellQuote).join(' ');
}

/** The remote as a page to open (https only; `git@host:a/b.git` stays text), or null. */
export function remoteHref(remote: string): string | null {
	try {
		const url = new URL(remote);
		if (url.protocol !== 'https:') return null;
		url.username = '';
		url.password = '';
		return url.href.replace(/\.git$/, '');
	} catch {
		return null;
	}
}

export type DiffLineKind = 'file' | 'hunk' | 'add' | 'remove' | 'context';

/** How a line of a unified diff is coloured. */
export function diffLineKind(line: string): DiffLineKind {
	if (/^(diff --git |index |\+\+\+ |--- |new file|deleted file|similarity |rename |Binary files )/.test(line))
		return 'file';
	if (line.startsWith('@@')) return 'hunk';
	if (line.startsWith('+')) return 'add';
	if (line.startsWith('-')) return 'remove';
	return 'context';
}

export interface PackageRow {
	name: string;
	version: string;
}

/** Packages sorted by name (case-insensitive, numbers by value: pkg-2 before pkg-10). */
export function packageRows(packages: Record<string, string>): PackageRow[] {
	return Object.entries(packages)
		.map(([name, version]) => ({ name, version }))
		.sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base', numeric: true }));
}

/** The rows whose name or version contains `query` (case-insensitive); `-`, `_` and `.` match each other, as pip's names do. */
export function filterPackages(rows: PackageRow[], query: string): PackageRow[] {
	const fold = (text: string) => text.toLowerCase().replace(/[-_.]+/g, '-');
	const needle = fold(query.trim());
	if (!needle) return rows;
	return rows.filter((row) => fold(row.name).includes(needle) || fold(row.version).includes(needle));
}

/** Identical GPUs counted once ("8 × NVIDIA H100 · 80 GiB"), in the order first seen. */
export function groupGpus(
	gpus: { name: string; memory_bytes: number | null }[]
): { label: string; count: number }[] {
	const groups: { label: string; count: number }[] = [];
	for (const gpu of gpus) {
		const label = gpu.memory_bytes == null ? gpu.name : `${gpu.name} · ${formatBytes(gpu.memory_bytes)}`;
		const group = groups.find((g) => g.label === label);
		if (group) group.count++;
		else groups.push({ label, count: 1 });
	}
	return groups;
}
