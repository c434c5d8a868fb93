import { describe, expect, it } from 'vitest';
import {
	captureEnv,
	cutUtf8,
	label,
	looksSecret,
	MAX_ENV,
	redactCommand,
	REDACTED,
	storable,
	stripCredentials
} from './context.js';

describe('redaction (the server rules, applied before anything leaves the machine)', () => {
	it('strips credentials from URL remotes, keeps scp-like users', () => {
		expect(stripCredentials('https://alice:tok@github.com/o/r.git')).toBe('https://github.com/o/r.git');
		expect(stripCredentials('ssh://git@host:22/o/r')).toBe('ssh://host:22/o/r');
		expect(stripCredentials('git@github.com:o/r.git')).toBe('git@github.com:o/r.git');
	});

	it('treats secret names and secret-shaped values as secrets', () => {
		expect(looksSecret('NCCL_AUTH', 'x')).toBe(true);
		expect(looksSecret('SLURM_JOB_ID', '12')).toBe(false);
		expect(looksSecret('MASTER_ADDR', 'https://u:p@host')).toBe(true);
		expect(looksSecret('SLURM_COMMENT', 'ghp_' + 'a'.repeat(30))).toBe(true);
	});

	it('keeps only allow-listed variables, redacting secret-looking values', () => {
		const env = captureEnv({
			CUDA_VISIBLE_DEVICES: '0',
			SLURM_JOB_ID: '7',
			SLURM_TOKEN_FILE: '/x',
			PBS_O_HOST: 'https://u:pw@h',
			AWS_SECRET_ACCESS_KEY: 'nope',
			HOME: '/home/me',
			RANK: 'tora_sk_abc'
		});
		expect(env).toEqual({
			CUDA_VISIBLE_DEVICES: '0',
			SLURM_JOB_ID: '7',
			SLURM_TOKEN_FILE: REDACTED,
			PBS_O_HOST: REDACTED,
			RANK: REDACTED
		});
		const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`SLURM_V${i}`, 'v']));
		expect(Object.keys(captureEnv(many))).toHaveLength(MAX_ENV);
	});

	it('redacts secret options and secret-shaped arguments of the command line', () => {
		expect(
			redactCommand([
				'node',
				'train.js',
				'--api-key',
				'abc',
				'--password=pw',
				'--lr',
				'0.1',
				'hf_' + 'x'.repeat(25)
			])
		).toEqual(['node', 'train.js', '--api-key', REDACTED, `--password=${REDACTED}`, '--lr', '0.1', REDACTED]);
	});
});

describe('text the server accepts', () => {
	it('makes labels one line and free text storable', () => {
		expect(label('main\nx\u202e', 255)).toBe('main\uFFFDx\uFFFD');
		expect(label('ab😀c', 3)).toBe('ab😀');
		expect(storable('a\u0000b\nc', 100)).toBe('a\uFFFDb\nc');
	});

	it('cuts UTF-8 at a character boundary', () => {
		expect(cutUtf8('abc', 3)).toEqual({ text: 'abc', cut: false });
		expect(cutUtf8('aλb', 2)).toEqual({ text: 'a', cut: true });
		expect(cutUtf8('aλb', 3)).toEqual({ text: 'aλ', cut: true });
	});
});
