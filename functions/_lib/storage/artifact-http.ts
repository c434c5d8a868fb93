/**
 * What the artifact endpoints share: tokens for the single server's upload URLs, the mapping of
 * repository outcomes to answers, and the headers a download is served with.
 */
import { createHash, randomBytes } from 'node:crypto';
import { getConfig, settingValue } from '../config.ts';
import { ARTIFACT_URL_TTL_SECONDS } from '../contracts/artifacts.ts';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import { removeOrphanedObjects } from '../repositories/artifact.repository.ts';
import { getStorage } from './storage.ts';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function newUploadToken(): { token: string; hash: string; expiresAt: Date } {
	const token = randomBytes(32).toString('base64url');
	return { token, hash: hashToken(token), expiresAt: urlExpiry() };
}

export const urlExpiry = () => new Date(Date.now() + ARTIFACT_URL_TTL_SECONDS * 1000);

export function artifactLimits(): { maxBytes: number; quotaBytes: number } {
	const config = getConfig();
	return {
		maxBytes: settingValue(config.artifactMaxBytes),
		quotaBytes: settingValue(config.artifactQuotaBytes)
	};
}

export function overQuota(used: number, quota: number, size: number): ApiError {
	return new ApiError(
		413,
		'PAYLOAD_TOO_LARGE',
		`Artifact quota exceeded: the workspace stores ${used} bytes of its ${quota}; this file needs ${size} more.`,
		{ size: [`${used} + ${size} bytes exceeds the workspace quota of ${quota} bytes`] }
	);
}

export function fileTooLarge(limit: number): ApiError {
	return new ApiError(413, 'PAYLOAD_TOO_LARGE', `An artifact may be at most ${limit} bytes.`, {
		size: [`must be at most ${limit} bytes`]
	});
}

/** Types a browser could run or render as a page: always served as plain bytes. */
const ACTIVE = /html|svg|xml|javascript|ecmascript|pdf/i;

export function servedContentType(contentType: string): string {
	return ACTIVE.test(contentType) ? 'application/octet-stream' : contentType;
}

/** `attachment`, with an ASCII fallback name and the exact one (RFC 6266 / 5987). */
export function attachment(path: string): string {
	const name = path.slice(path.lastIndexOf('/') + 1);
	const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Removes the objects of deleted artifact rows (a run, a workspace, one artifact): called after
 * each delete. A storage failure leaves them queued for the next delete; it never fails the
 * delete that the caller asked for.
 */
export async function sweepOrphanedObjects(db: Db): Promise<void> {
	if (getConfig().storage.kind === 'disabled') return;
	try {
		await removeOrphanedObjects(db, getStorage());
	} catch (error) {
		console.warn('[tora] removing deleted artifacts from storage failed; they stay queued:', error);
	}
}
