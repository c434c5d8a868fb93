import { authApi } from './auth';
import { createCaller } from './caller';

/**
 * The calls the session itself makes (reading the config, local sign-in). Kept apart from `api`
 * because `api` takes its token from the session: the session cannot import it back.
 */
export const publicApi = authApi(createCaller((url, init) => fetch(url, init)));
