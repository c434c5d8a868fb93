/**
 * Running the functions and the server code of this test process under another configuration,
 * without touching process.env: the configuration is rebuilt from this process's environment
 * with some variables changed, and handed over as the single server does (`setRuntimeConfig`).
 */
import { getConfig, loadConfig, setRuntimeConfig, type Environment } from '../../functions/_lib/config.ts';

/**
 * Variables to change, as the README names them: a string sets one, `undefined` unsets it. Each
 * call starts again from this process's environment; changes do not add up across calls.
 */
export type EnvChanges = Environment;

/** From now on, the configuration this process's environment would give with `changes` made. */
export function configure(changes: EnvChanges): void {
	setRuntimeConfig(loadConfig({ ...process.env, ...changes }));
}

/** Back to the configuration of this process's own environment (for an `afterEach`). */
export function resetConfig(): void {
	setRuntimeConfig(loadConfig());
}

/** Runs `run` configured with `changes`, then restores the configuration from before. */
export async function withConfig<T>(changes: EnvChanges, run: () => Promise<T>): Promise<T> {
	const before = getConfig();
	configure(changes);
	try {
		return await run();
	} finally {
		setRuntimeConfig(before);
	}
}
