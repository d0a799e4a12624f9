/** Spilo's default image: PostgreSQL 17 (and 13 to 16) with Patroni 4.0.4 and WAL-G. */
export const DEFAULT_SPILO_IMAGE = 'ghcr.io/zalando/spilo-17:4.0-p3';

/**
 * PostgreSQL majors inside each Spilo release line (from the image's Dockerfile:
 * PGOLDVERSIONS + PGVERSION), keyed by the tag's major.minor.
 */
const SPILO_RELEASE_LINES: Record<string, number[]> = {
  '3.0': [10, 11, 12, 13, 14, 15],
  '3.1': [10, 11, 12, 13, 14, 15],
  '3.2': [11, 12, 13, 14, 15, 16],
  '3.3': [12, 13, 14, 15, 16],
  '4.0': [13, 14, 15, 16, 17],
  '4.1': [14, 15, 16, 17, 18],
};

/** Image reference rules shared by every container the library runs. */
export function validateImageReference(image: string): string | undefined {
  const digest = image.includes('@sha256:');
  const lastSegment = image.split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  if (!digest && tag === undefined) return 'must name a tag or a digest: an untagged image means "latest", which changes under a GitOps repository';
  if (!digest && tag === 'latest') return 'must not use the "latest" tag: pin a release so every synth deploys the same software';
  if (/\s/.test(image)) return 'must not contain whitespace';
  return undefined;
}

/**
 * The PostgreSQL majors a Spilo image supports, from its tag (`spilo-<major>:<line>-p<n>`), or
 * undefined for an image the library does not know (then `imagePostgresVersions` must say).
 */
export function spiloImageVersions(image: string): number[] | undefined {
  const match = /(?:^|\/)spilo-(\d+):(\d+\.\d+)-p\d+(?:@sha256:[0-9a-f]+)?$/.exec(image);
  if (!match) return undefined;
  const versions = SPILO_RELEASE_LINES[match[2]];
  return versions?.includes(Number(match[1])) ? versions : undefined;
}
