/**
 * The console tab's reading logic, kept out of the component so it can be tested: pages of lines
 * read by cursor, a live tail that polls while the run is running, and the full download.
 */
import type { ConsolePage, ConsoleStream } from '$contracts/run-context';
import type { ConsoleRequest } from '$lib/api/run-context';
import { stripAnsi } from './ansi';

export type ConsoleLineData = ConsolePage['lines'][number];

export interface ConsoleFilters {
	/** Server-side search; empty: every line. */
	q: string;
	stream: ConsoleStream | 'all';
	/** An ISO instant to start at; null: from the first line. */
	from: string | null;
}

export interface ConsoleFeed {
	lines: ConsoleLineData[];
	/** Where the next read starts (`after`). */
	cursor: number;
	/** Lines past `cursor` exist now: read on without waiting. */
	more: boolean;
	/** The run's highest line number: how far a read has to go. */
	lastSeq: number;
	/** Oldest lines let go to keep at most `maxLines` in memory. */
	dropped: number;
}

/** Lines per read: the API's most, so a long console takes few round trips. */
export const CONSOLE_PAGE_LINES = 5000;
/** Lines kept in the page. A 100 MB console has about a million: the oldest make room. */
export const MAX_FEED_LINES = 200_000;
export const POLL_MS = 1500;

export const emptyFeed = (): ConsoleFeed => ({ lines: [], cursor: 0, more: true, lastSeq: 0, dropped: 0 });

export function feedRequest(
	filters: ConsoleFilters,
	cursor: number,
	limit = CONSOLE_PAGE_LINES
): ConsoleRequest {
	return {
		after: cursor,
		limit,
		q: filters.q.trim() || undefined,
		stream: filters.stream === 'all' ? undefined : filters.stream,
		// `from` places the first read; later reads go on from the cursor.
		from: cursor === 0 && filters.from ? filters.from : undefined
	};
}

/** The feed with a page appended. Lines at or before the last one held (a repeated read) are skipped. */
export function applyPage(feed: ConsoleFeed, page: ConsolePage, maxLines = MAX_FEED_LINES): ConsoleFeed {
	const lastHeld = feed.lines.at(-1)?.seq ?? 0;
	const fresh = page.lines.filter((line) => line.seq > lastHeld);
	let lines = fresh.length ? feed.lines.concat(fresh) : feed.lines;
	let dropped = feed.dropped;
	if (lines.length > maxLines) {
		dropped += lines.length - maxLines;
		lines = lines.slice(lines.length - maxLines);
	}
	// An empty page keeps the cursor: never move it back.
	return {
		lines,
		cursor: Math.max(feed.cursor, page.cursor),
		more: page.more,
		lastSeq: page.last_seq,
		dropped
	};
}

export type ReadPage = (request: ConsoleRequest, signal: AbortSignal) => Promise<ConsolePage>;
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
	new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
	});

export interface FollowOptions {
	read: ReadPage;
	filters: ConsoleFilters;
	/** Asked before each read: the tail stops after the first read that starts once the run is over. */
	isRunning: () => boolean;
	onFeed: (feed: ConsoleFeed) => void;
	signal: AbortSignal;
	sleep?: Sleep;
	pollMs?: number;
	maxLines?: number;
}

/**
 * Reads the console from the start (or `filters.from`) to the end, then, while the run is
 * running, polls every `pollMs` for new lines. A read that started after the run finished has
 * seen every line, so that is the last. Stops early when `signal` aborts; errors are thrown.
 */
export async function followConsole(options: FollowOptions): Promise<ConsoleFeed> {
	const { read, filters, isRunning, onFeed, signal, pollMs = POLL_MS, maxLines } = options;
	const wait = options.sleep ?? sleep;
	let feed = emptyFeed();
	while (!signal.aborted) {
		const running = isRunning();
		const before = feed.cursor;
		const page = await read(feedRequest(filters, before), signal);
		if (signal.aborted) break;
		feed = applyPage(feed, page, maxLines);
		onFeed(feed);
		// A cursor that does not move would read the same page for ever: wait instead.
		if (page.more && feed.cursor > before) continue;
		if (!running) break;
		await wait(pollMs, signal);
	}
	return feed;
}

/** A console line as the download writes it. */
export function downloadLine(line: ConsoleLineData, timestamps: boolean): string {
	const text = stripAnsi(line.text);
	return timestamps ? `${line.time} ${line.stream === 'stderr' ? 'E' : ' '} ${text}` : text;
}

/**
 * Every line of the console as text, one read after another; `onProgress` hears the lines read
 * so far and the run's last line number. Null when `signal` aborts (Cancel).
 */
export async function readWholeConsole(
	read: ReadPage,
	signal: AbortSignal,
	onProgress: (read: number, total: number) => void,
	timestamps = false
): Promise<string | null> {
	const out: string[] = [];
	let cursor = 0;
	for (;;) {
		const page = await read({ after: cursor, limit: CONSOLE_PAGE_LINES }, signal);
		if (signal.aborted) return null;
		for (const line of page.lines) out.push(downloadLine(line, timestamps));
		// A cursor that does not move would read the same page for ever.
		const stuck = page.cursor <= cursor;
		cursor = page.cursor;
		onProgress(out.length, page.last_seq);
		if (!page.more || stuck) break;
	}
	return out.length ? `${out.join('\n')}\n` : '';
}
