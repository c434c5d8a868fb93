import { describe, expect, it } from 'vitest';
import {
	diffLineKind,
	filterPackages,
	formatBytes,
	groupGpus,
	packageRows,
	remoteHref,
	shellJoin
} from './environment';

describe('formatBytes', () => {
	it('picks the largest binary unit', () => {
		expect(formatBytes(0)).toBe('0 B');
		expect(formatBytes(1023)).toBe('1023 B');
		expect(formatBytes(1536)).toBe('1.5 KiB');
		expect(formatBytes(16 * 1024 ** 3)).toBe('16 GiB');
		expect(formatBytes(80 * 1024 ** 3 + 5)).toBe('80 GiB');
		expect(formatBytes(2 * 1024 ** 6)).toBe('2048 PiB');
	});
});

describe('shellJoin', () => {
	it('quotes only what needs quoting', () => {
		expect(shellJoin(['python', 'train.py', '--lr=0.001', 'a b', "it's", ''])).toBe(
			`python train.py --lr=0.001 'a b' 'it'"'"'s' ''`
		);
	});
});

describe('remoteHref', () => {
	it('links https remotes only, without credentials or .git', () => {
		expect(remoteHref('https://github.com/acme/tora.git')).toBe('https://github.com/acme/tora');
		expect(remoteHref('https://user:pw@git.example.com/a/b')).toBe('https://git.example.com/a/b');
		expect(remoteHref('git@github.com:acme/tora.git')).toBeNull();
		expect(remoteHref('http://example.com/a')).toBeNull();
		expect(remoteHref('javascript:alert(1)')).toBeNull();
	});
});

describe('diffLineKind', () => {
	it('tells file headers, hunks, additions and removals apart', () => {
		expect(
			['diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '+new', '-old', ' same'].map(diffLineKind)
		).toEqual(['file', 'file', 'file', 'hunk', 'add', 'remove', 'context']);
	});
});

describe('packages', () => {
	const rows = packageRows({ torch: '2.3.0', Flask: '3.0', typing_extensions: '4.12', numpy: '1.26.4' });

	it('sorts numbers in names by value', () => {
		expect(packageRows({ 'pkg-10': '1', 'pkg-2': '1', 'pkg-1': '1' }).map((row) => row.name)).toEqual([
			'pkg-1',
			'pkg-2',
			'pkg-10'
		]);
	});

	it('sorts by name ignoring case', () => {
		expect(rows.map((row) => row.name)).toEqual(['Flask', 'numpy', 'torch', 'typing_extensions']);
	});

	it('filters by name or version, treating - _ . alike', () => {
		expect(filterPackages(rows, 'TYPING-EXT').map((row) => row.name)).toEqual(['typing_extensions']);
		expect(filterPackages(rows, '1.26').map((row) => row.name)).toEqual(['numpy']);
		expect(filterPackages(rows, '  ')).toBe(rows);
	});

	it('filters 5,000 packages', () => {
		const many = packageRows(
			Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`pkg-${i}`, `1.${i}`]))
		);
		expect(filterPackages(many, 'pkg_499')).toHaveLength(11);
	});
});

describe('groupGpus', () => {
	it('counts identical GPUs once', () => {
		const h100 = { name: 'H100', memory_bytes: 80 * 1024 ** 3 };
		expect(groupGpus([h100, { name: 'T4', memory_bytes: null }, h100])).toEqual([
			{ label: 'H100 · 80 GiB', count: 2 },
			{ label: 'T4', count: 1 }
		]);
	});
});
