import * as fs from 'fs';
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
