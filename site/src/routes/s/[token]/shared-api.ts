/**
 * The shared page's two reads, authorised by the token in the path alone: no session is sent,
 * even when the visitor is signed in, so the page shows exactly what anyone with the link sees.
 */
import type { SharedContent } from '$contracts/share-links';
import type { SeriesBatch, SeriesBatchBody } from '$contracts/series';
import { apiPath, readData, send } from '$lib/api/transport';

const browserFetch = (url: string, init: RequestInit) => fetch(url, init);

export async function readShared(token: string): Promise<SharedContent> {
	return readData(await send(browserFetch, 'GET', apiPath('shared', token)));
}

export type SharedSeriesRequest = Pick<SeriesBatchBody, 'experimentIds' | 'metrics'> &
	Partial<Pick<SeriesBatchBody, 'buckets' | 'x' | 'from' | 'to'>>;

export async function readSharedSeries(token: string, body: SharedSeriesRequest): Promise<SeriesBatch> {
	return readData(await send(browserFetch, 'POST', apiPath('shared', token, 'series'), { body }));
}
