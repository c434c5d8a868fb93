/**
 * Process-wide exit handling for open clients, the Node counterpart of the Python SDK's atexit +
 * excepthook. Listeners are installed while at least one client is open and removed after, so a
 * script that finished its runs behaves exactly as plain Node.
 *
 * - 'beforeExit' (the event loop ran dry: a normal end): finish every open run, `finished`, or
 *   `failed` when process.exitCode is non-zero. Finishing is bounded by each client's exit timeout.
 * - 'uncaughtException' (which also receives unhandled rejections and top-level await failures):
 *   print the error as Node would, mark the runs `failed`, exit with 1. Only when no other
 *   listener exists: a script with its own handler decides for itself.
 * - SIGINT / SIGTERM, when nothing else listens: mark the runs `failed`, then die by the signal.
 * - 'exit' (process.exit() was called, or one of the above could not finish in time): nothing
 *   asynchronous can run, so what is still queued goes to the spool synchronously, with the final
 *   status, for `tora sync`.
 */
import type { ExperimentStatus } from './wire.js';

export interface ExitClient {
	finish(status: ExperimentStatus): Promise<unknown>;
	/** Synchronously spool what is left, with the final status. */
	abandon(status: ExperimentStatus): void;
}

const open = new Set<ExitClient>();
let ending: Promise<void> | null = null;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function register(client: ExitClient): void {
	if (open.size === 0) install();
	open.add(client);
}

export function unregister(client: ExitClient): void {
	if (open.delete(client) && open.size === 0) uninstall();
}

function finishAll(status: ExperimentStatus): Promise<void> {
	ending ??= Promise.allSettled([...open].map((client) => client.finish(status))).then(() => {
		ending = null;
	});
	return ending;
}

function onBeforeExit(code: number): void {
	void finishAll(code === 0 ? 'finished' : 'failed');
}

function onExit(code: number): void {
	for (const client of [...open]) client.abandon(code === 0 ? 'finished' : 'failed');
}

function onUncaught(error: unknown): void {
	if (process.listenerCount('uncaughtException') > 1) return;
	console.error(error);
	if (ending) return; // a second error while finishing: the first one decides
	process.exitCode = 1;
	void finishAll('failed').then(() => process.exit(1));
}

function onSignal(signal: NodeJS.Signals): void {
	if (process.listenerCount(signal) > 1) return;
	void finishAll('failed').then(() => {
		uninstall();
		process.kill(process.pid, signal);
	});
}

function install(): void {
	process.on('beforeExit', onBeforeExit);
	process.on('exit', onExit);
	process.on('uncaughtException', onUncaught);
	for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
	process.off('beforeExit', onBeforeExit);
	process.off('exit', onExit);
	process.off('uncaughtException', onUncaught);
	for (const signal of SIGNALS) process.off(signal, onSignal);
}
