/** How far a download has come: bytes received and complete lines (CSV rows, header included). */
export interface DownloadProgress {
	bytes: number;
	lines: number;
}

export interface DownloadOptions {
	/** Aborts the request and the body still streaming in. */
	signal?: AbortSignal;
	/** Called after every chunk; a large export otherwise shows nothing for minutes. */
	onProgress?: (progress: DownloadProgress) => void;
}

const NEWLINE = 10;

/** The whole body as a Blob, read chunk by chunk so that progress can be shown. */
export async function readBody(
	response: Response,
	onProgress?: DownloadOptions['onProgress']
): Promise<Blob> {
	if (!response.body || !onProgress) return response.blob();
	const reader = response.body.getReader();
	const chunks: Uint8Array<ArrayBuffer>[] = [];
	const progress: DownloadProgress = { bytes: 0, lines: 0 };
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		chunks.push(value);
		progress.bytes += value.byteLength;
		for (const byte of value) if (byte === NEWLINE) progress.lines++;
		onProgress({ ...progress });
	}
	return new Blob(chunks, { type: response.headers.get('content-type') ?? undefined });
}

/** "12.3 MB", "845 kB", "512 B": decimal units, as browsers' download lists show them. */
export function formatBytes(bytes: number): string {
	if (bytes < 1000) return `${bytes} B`;
	const units = ['kB', 'MB', 'GB'];
	let value = bytes / 1000;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
