/**
 * Child processes for benchmarks: free ports in the range the harness may use, and the project's
 * own process starter (own process group, so nothing outlives a run).
 */
import { createServer } from 'node:net';
import { start as startGroup, type Started } from '../../tests/support/processes.ts';

export type { Started };

const PORT_RANGE = { first: 9200, last: 9299 };
const handedOut = new Set<number>();
const running = new Set<Started>();

// However this process ends (an error, a signal handler's exit), no child group may outlive it:
// an orphaned PGlite or server would go on loading the machine.
process.on('exit', () => {
	for (const child of running) {
		try {
			if (child.child.exitCode === null) process.kill(-child.child.pid!, 'SIGKILL');
		} catch {
			// already gone
		}
	}
});

export function start(command: string, args: string[], env: Record<string, string | undefined>): Started {
	const started = startGroup(command, args, env);
	running.add(started);
	void started.exited().then(() => running.delete(started));
	return started;
}

/** A port in 9200–9299 that nothing listens on and this process has not handed out yet. */
export async function freePort(): Promise<number> {
	for (let port = PORT_RANGE.first; port <= PORT_RANGE.last; port++) {
		if (handedOut.has(port)) continue;
		if (await canListen(port)) {
			handedOut.add(port);
			return port;
		}
	}
	throw new Error(`no free port in ${PORT_RANGE.first}–${PORT_RANGE.last}`);
}

function canListen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const probe = createServer();
		probe.once('error', () => resolve(false));
		probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
	});
}
