/**
 * MLflow's client sends no message ids: a retried log-batch (its HTTP layer retries 429 and 5xx)
 * would store every point twice. Each point's msg_id is therefore derived from the point itself
 * and its place in the request — (run, key, timestamp, step, value, index) — so the same request
 * sent again yields the same ids and Tora's (series, step, msg_id) key counts them as duplicates.
 * Two different points never share an id (a SHA-256 prefix), and the same value logged again
 * later has another timestamp, hence another id. The UUID carries version 8 (custom) bits.
 */
import { createHash } from 'node:crypto';

export function metricMsgId(
	runId: string,
	metric: { key: string; timestamp: number; step: number; value: number },
	index: number
): string {
	const hex = createHash('sha256')
		.update(
			`${runId}\u0000${metric.key}\u0000${metric.timestamp}\u0000${metric.step}\u0000${metric.value}\u0000${index}`
		)
		.digest('hex');
	const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
