import { createHash } from 'crypto';

/**
 * A short, stable content hash for names that must change when content changes. A Job's spec is immutable, so a
 * Job's name hashes everything its pod template takes from props (content, image, pod labels, pull secrets): a
 * changed prop makes a new Job, never an update the API server refuses (test/unit/cluster/job-immutability.test.ts).
 */
export function contentHash(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 10);
}

/**
 * `<base>-<hash>`, shortened to 63 characters (a Job's name is also its pods' `job-name` label value).
 * Job names are never hard-coded by apps, so truncating the base keeps them valid without limiting cluster names.
 */
export function hashedName(base: string, hash: string): string {
  return `${base.slice(0, 62 - hash.length).replace(/-+$/, '')}-${hash}`;
}
