/**
 * Starting the project's real commands as child processes in their own process group (so a
 * wrapper like npx cannot leave its child running), and waiting for what they print.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../../server/paths.ts';

export interface Started {
	child: ChildProcess;
	output(): string;
	waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
	exited(): Promise<number | null>;
	stop(): Promise<void>;
}

export function start(command: string, args: string[], env: Record<string, string | undefined>): Started {
	const child = spawn(command, args, { cwd: repoRoot, env: env as NodeJS.ProcessEnv, detached: true });
	let output = '';
	child.stdout?.on('data', (chunk) => (output += chunk));
	child.stderr?.on('data', (chunk) => (output += chunk));
	const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	return {
		child,
		output: () => output,
		exited: () => exit,
		async waitFor(pattern, timeoutMs) {
			const deadline = Date.now() + timeoutMs;
			while (Date.now() < deadline) {
				const match = pattern.exec(output);
				if (match) return match[0];
				if (child.exitCode !== null) break;
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			throw new Error(`did not see ${pattern} (exit ${child.exitCode}); output:\n${output}`);
		},
		async stop() {
			if (child.exitCode !== null) return;
			try {
				process.kill(-child.pid!, 'SIGTERM');
			} catch {
				return;
			}
			const timer = setTimeout(() => {
				try {
					process.kill(-child.pid!, 'SIGKILL');
				} catch {
					// already gone
				}
			}, 10_000);
			await exit;
			clearTimeout(timer);
		}
	};
}

/** The environment of this test process without any authentication or database settings. */
export function cleanEnv(extra: Record<string, string>): Record<string, string | undefined> {
	const env = { ...process.env };
	for (const name of [
		'TORA_AUTH',
		'SUPABASE_URL',
		'SUPABASE_ANON_KEY',
		'SUPABASE_JWT_SECRET',
		'DATABASE_URL',
		'TORA_DB_PREPARE'
	]) {
		delete env[name];
	}
	return { ...env, ...extra };
}
