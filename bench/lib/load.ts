/**
 * HTTP load through autocannon, with exact percentiles: autocannon's own latency histogram has a
 * 1 ms resolution, too coarse for sub-millisecond goals, so we keep every response time it reports.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
	url: string;
	connections: number;
	/** Seconds. */
	duration: number;
	headers?: Record<string, string>;
	/** Seconds for autocannon to wait on a response before counting a timeout. */
	timeout?: number;
}

export interface LoadResult {
	/** Successful (2xx) responses per second. */
	requestsPerSecond: number;
	p50: number;
	p99: number;
	/** Connection errors and timeouts. */
	errors: number;
	timeouts: number;
	/** Responses that were not 2xx. */
	non2xx: number;
	responses: number;
	/** Response count per HTTP status, e.g. `{"200": 9120, "503": 3}`. */
	statuses: Record<string, number>;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
	const latencies: number[] = [];
	const result = await new Promise<autocannon.Result>((resolve, reject) => {
		const instance = autocannon(
			{
				url: options.url,
				connections: options.connections,
				duration: options.duration,
				headers: options.headers,
				timeout: options.timeout ?? 10
			},
			(error, done) => (error ? reject(error) : resolve(done))
		);
		instance.on('response', (_client, statusCode, _bytes, responseTime) => {
			if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
		});
	});
	latencies.sort((a, b) => a - b);
	return {
		requestsPerSecond: result['2xx'] / result.duration,
		p50: percentile(latencies, 0.5),
		p99: percentile(latencies, 0.99),
		errors: result.errors,
		timeouts: result.timeouts,
		non2xx: result.non2xx,
		responses: result['2xx'] + result.non2xx,
		statuses: Object.fromEntries(
			Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0])
		)
	};
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: number[], fraction: number): number {
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}
