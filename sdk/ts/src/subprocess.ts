/**
 * A helper process with bounds: killed after `timeoutMs`, its output kept up to `maxBytes` (then
 * it is killed too). Resolves null when it cannot be started (the tool is not installed); never
 * rejects. For git and nvidia-smi, which must never hang or flood a training script.
 */
import { spawn } from 'node:child_process';

export interface Captured {
	/** The exit code; null when it was killed (timeout, or output past maxBytes). */
	code: number | null;
	stdout: Buffer;
	/** Output went past maxBytes (and was cut there). */
	truncated: boolean;
}

export interface CappedOptions {
	cwd?: string;
	timeoutMs: number;
	maxBytes: number;
}

export function runCapped(command: string, args: string[], options: CappedOptions): Promise<Captured | null> {
	return new Promise((resolve) => {
		let child;
		try {
			child = spawn(command, args, {
				cwd: options.cwd,
				stdio: ['ignore', 'pipe', 'ignore'],
				windowsHide: true,
				// Never prompt for credentials, never take git's index lock, plain messages.
				env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' }
			});
		} catch {
			resolve(null);
			return;
		}
		const chunks: Buffer[] = [];
		let size = 0;
		let truncated = false;
		let settled = false;
		const finish = (value: Captured | null) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			resolve(value);
		};
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
		timer.unref?.();
		child.stdout.on('data', (chunk: Buffer) => {
			if (truncated) return;
			const room = options.maxBytes - size;
			if (chunk.length > room) {
				chunks.push(chunk.subarray(0, room));
				size += room;
				truncated = true;
				child.kill('SIGKILL');
				return;
			}
			chunks.push(chunk);
			size += chunk.length;
		});
		child.on('error', () => finish(null));
		child.on('close', (code) =>
			finish({ code: truncated ? 0 : code, stdout: Buffer.concat(chunks), truncated })
		);
	});
}
