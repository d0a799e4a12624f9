import { createHash, Hash } from 'crypto';

/**
 * A short, stable content hash for names that must change when content changes. A Job's spec is immutable, so a
 * Job's name hashes everything its pod template takes from props (content, image, pod labels, pull secrets): a
 * changed prop makes a new Job, never an update the API server refuses (test/unit/cluster/job-immutability.test.ts).
 *
 * The digest is the SHA-256 of `JSON.stringify(parts)`. The parts are fed to the hash one by one (the same bytes), and
 * a long leading text, the same scripts for every cluster of an app, is escaped and hashed once per app: escaping tens
 * of kilobytes of script per Job was a fifth of building a cluster.
 */
export function contentHash(...parts: unknown[]): string {
  if (parts.length === 0) return digest(createHash('sha256').update('[]'));
  const [first, ...rest] = parts;
  const long = typeof first === 'string' && first.length >= LONG_TEXT;
  // The rest in one text, hashed with one update (each update is a call into the native hash).
  let text = long ? '' : `[${json(first)}`;
  for (const part of rest) text += `,${json(part)}`;
  return digest((long ? leadingTextHash(first).copy() : createHash('sha256')).update(`${text}]`));
}

function digest(hash: Hash): string {
  return hash.digest('hex').slice(0, 10);
}

/** Texts at least this long are remembered (escaped, or as a hash state) rather than escaped again. */
const LONG_TEXT = 1024;
/** At most this many texts are remembered: an app has a few scripts, and per-cluster texts must not pile up. */
const REMEMBERED = 64;
const escapedTexts = new Map<string, string>();
const leadingTexts = new Map<string, Hash>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= REMEMBERED) cache.clear();
  cache.set(key, value);
  return value;
}

function leadingTextHash(text: string): Hash {
  return leadingTexts.get(text) ?? remember(leadingTexts, text, createHash('sha256').update('[').update(JSON.stringify(text)));
}

/** One element of `JSON.stringify(parts)`: as in an array, a value with no JSON form is `null`. */
function json(part: unknown): string {
  return stringify(part) ?? 'null';
}

/**
 * `JSON.stringify(value)`, with each long text escaped once per app: the scripts a Job's name hashes sit in its
 * ConfigMap data and command, so they are reached inside objects and arrays too. Only plain objects and arrays that
 * hold a long text are taken apart (in the order and with the omissions JSON.stringify has); any other value is
 * left to JSON.stringify whole.
 */
function stringify(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length >= LONG_TEXT ? escapedText(value) : JSON.stringify(value);
  if (!isPlainContainer(value) || !holdsLongText(value)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    const elements = new Array<string>(value.length);
    for (let i = 0; i < value.length; i++) elements[i] = stringify(value[i]) ?? 'null';
    return `[${elements.join(',')}]`;
  }
  const members: string[] = [];
  for (const key of Object.keys(value)) {
    const text = stringify((value as Record<string, unknown>)[key]);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}

function escapedText(text: string): string {
  return escapedTexts.get(text) ?? remember(escapedTexts, text, JSON.stringify(text));
}

/** An array or a plain object that JSON.stringify serializes member by member (no toJSON of its own). */
function isPlainContainer(value: unknown): value is object {
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function holdsLongText(value: object): boolean {
  for (const member of Object.values(value)) {
    if (typeof member === 'string' ? member.length >= LONG_TEXT : isPlainContainer(member) && holdsLongText(member)) return true;
  }
  return false;
}

/**
 * `<base>-<hash>`, shortened to 63 characters (a Job's name is also its pods' `job-name` label value).
 * Job names are never hard-coded by apps, so truncating the base keeps them valid without limiting cluster names.
 */
export function hashedName(base: string, hash: string): string {
  return `${base.slice(0, 62 - hash.length).replace(/-+$/, '')}-${hash}`;
}
