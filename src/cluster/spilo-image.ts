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

// The distribution reference grammar (github.com/distribution/reference): [domain[:port]/]path[:tag][@digest].
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

/** Image reference rules shared by every container the library runs. */
export function validateImageReference(image: string): string | undefined {
  if (typeof image !== 'string' || image.length === 0) return 'must be an image reference such as ghcr.io/zalando/spilo-17:4.0-p3';
  if (/\s/.test(image)) return 'must not contain whitespace';
  const [nameAndTag, digest, ...more] = image.split('@');
  if (more.length > 0) return 'must have at most one "@" (before the digest)';
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const tag = colon > slash ? nameAndTag.slice(colon + 1) : undefined;
  const name = colon > slash ? nameAndTag.slice(0, colon) : nameAndTag;
  const components = name.split('/');
  // The first component is a registry when it looks like a host (a dot, a port or localhost).
  const domain = components.length > 1 && (/[.:]/.test(components[0]) || components[0] === 'localhost') ? components.shift() : undefined;
  if (domain !== undefined && !DOMAIN.test(domain)) return `has an invalid registry "${domain}": a host name with an optional :port`;
  const badComponent = components.find((c) => !PATH_COMPONENT.test(c));
  if (badComponent !== undefined) {
    return `has an invalid repository name component "${badComponent}": lowercase letters and digits, separated by ".", "_", "__" or "-"`;
  }
  if (name.length > 255) return `must have a repository name of at most 255 characters (it has ${name.length})`;
  if (tag !== undefined && !TAG.test(tag)) return `has an invalid tag "${tag}": letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"`;
  if (digest !== undefined) {
    if (!DIGEST.test(digest)) return `has an invalid digest "${digest}": algorithm:hex, e.g. sha256: and 64 hexadecimal digits`;
    if (digest.startsWith('sha256:') && !/^sha256:[0-9a-f]{64}$/.test(digest)) return `has an invalid sha256 digest "${digest}": exactly 64 lowercase hexadecimal digits`;
    if (digest.startsWith('sha512:') && !/^sha512:[0-9a-f]{128}$/.test(digest)) return `has an invalid sha512 digest "${digest}": exactly 128 lowercase hexadecimal digits`;
  }
  if (digest === undefined && tag === undefined) return 'must name a tag or a digest: an untagged image means "latest", which changes under a GitOps repository';
  if (digest === undefined && tag === 'latest') return 'must not use the "latest" tag: pin a release so every synth deploys the same software';
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
