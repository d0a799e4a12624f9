import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Where the test setup keeps what it builds or downloads (Kubernetes binaries, the Patroni 4
 * virtualenv, CRDs): `.cache/test-tools` in the repository (gitignored), or PGAAS_TOOL_CACHE.
 * Every entry is keyed by version, so a changed pin builds anew and an old entry is never reused.
 */
export function toolCacheDir(...parts: string[]): string {
  const root = process.env.PGAAS_TOOL_CACHE ?? path.resolve(__dirname, '..', '..', '.cache', 'test-tools');
  const dir = path.join(root, ...parts);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Every directory from `dir` up to / can be searched by anyone (so the postgres user can reach files under it). */
function searchableByAll(dir: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      // The lowest mode bit: search (execute) permission for others.
      if (fs.statSync(current).mode % 2 === 0) return false;
    } catch {
      return false;
    }
    if (current === path.dirname(current)) return true;
  }
}

/**
 * A cache directory for what the postgres user runs (Patroni's virtualenv, PostgreSQL binaries): the
 * tool cache when the postgres user can reach it, else `<tmpdir>/pgaas-test-tools` (a clone under a
 * private directory, such as one made by `mktemp -d`, is not reachable by it).
 */
export function serviceToolCacheDir(...parts: string[]): string {
  const preferred = toolCacheDir(...parts);
  if (searchableByAll(path.dirname(preferred))) return preferred;
  const root = path.join(os.tmpdir(), 'pgaas-test-tools');
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  fs.chmodSync(root, 0o755);
  const dir = path.join(root, ...parts);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (let current = dir; current !== root; current = path.dirname(current)) fs.chmodSync(current, 0o755);
  return dir;
}

/** Runs `build` once for a cache entry: a `.complete` marker is written only after it succeeded. */
export function cachedEntry(dir: string, what: string, build: (dir: string) => void): string {
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return dir;
  const startedAt = Date.now();
  process.stderr.write(`test setup: ${what} is not cached in ${dir}; building it (once)...\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  build(dir);
  fs.writeFileSync(marker, new Date().toISOString() + '\n');
  process.stderr.write(`test setup: ${what} ready in ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n`);
  return dir;
}
