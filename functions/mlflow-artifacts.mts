import type { Config } from '@netlify/functions';
import { endpoint, method, type AnyMethodDeclaration, type EndpointHandler } from './_lib/endpoint.ts';
import { MlflowError, toMlflowError } from './_lib/mlflow/errors.ts';

export const config: Config = {
	path: '/api/2.0/mlflow-artifacts/*',
	method: ['GET', 'PUT', 'POST', 'DELETE']
};

/**
 * MLflow's artifact proxy (runs' artifact_uri is `mlflow-artifacts:/...`, resolved against this
 * server). Tora stores no artifacts yet: every call, once authenticated, answers MLflow's error
 * shape with a 404 ENDPOINT_NOT_FOUND that says so. A 4xx, not MLflow's 501 NOT_IMPLEMENTED,
 * because MLflow's client retries 5xx answers for minutes before giving up.
 */
const unsupported: AnyMethodDeclaration = method({
	access: 'signed-in',
	docs: { success: 'never: 404 `{error_code: "ENDPOINT_NOT_FOUND"}` (Tora stores no artifacts yet)' },
	handle: async () => {
		throw new MlflowError(
			404,
			'ENDPOINT_NOT_FOUND',
			'Tora does not store artifacts yet: log metrics, params and tags; keep files elsewhere.'
		);
	}
});

const inner = endpoint(config, 'MLflow compatibility', {
	GET: unsupported,
	PUT: unsupported,
	POST: unsupported,
	DELETE: unsupported
});

const handler: EndpointHandler = Object.assign(
	async (req: Request, context: Parameters<EndpointHandler>[1]) => toMlflowError(await inner(req, context)),
	{ declaration: inner.declaration }
);
export default handler;
