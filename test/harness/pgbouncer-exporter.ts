import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cachedEntry, serviceToolCacheDir } from './tool-cache';

/** The release the pooler's sidecar image pins (`POOLER_EXPORTER.IMAGE`) and test/fixtures/pgbouncer-exporter holds. */
export const PGBOUNCER_EXPORTER_VERSION = '0.12.1';

const SOURCE = path.resolve(__dirname, '..', 'fixtures', 'pgbouncer-exporter');

/**
 * The pgbouncer_exporter binary built from the copied release source (its dependencies from the Go module proxy),
 * once per version in the tool cache. It reports its version in `pgbouncer_exporter_build_info`, as the image does.
 */
export function pgbouncerExporterBinary(): string {
  const version = fs.readFileSync(path.join(SOURCE, 'VERSION'), 'utf8').trim();
  if (version !== PGBOUNCER_EXPORTER_VERSION) throw new Error(`test/fixtures/pgbouncer-exporter holds ${version}, the harness expects ${PGBOUNCER_EXPORTER_VERSION}`);
  const dir = cachedEntry(serviceToolCacheDir('pgbouncer-exporter', version), `pgbouncer_exporter ${version}`, (target) => {
    const build = path.join(target, 'src');
    fs.cpSync(SOURCE, build, { recursive: true });
    try {
      execFileSync('go', ['build', '-trimpath', '-buildvcs=false', '-ldflags', `-X github.com/prometheus/common/version.Version=${version}`, '-o', path.join(target, 'pgbouncer_exporter'), '.'], {
        cwd: build,
        encoding: 'utf8',
        env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e: any) {
      if (e.code === 'ENOENT') throw new Error('the PgBouncer exporter test builds pgbouncer_exporter from source and needs `go` (1.25 or newer) on PATH');
      throw new Error(`go build of pgbouncer_exporter failed:\n${e.stderr ?? e.message}`);
    }
    fs.rmSync(build, { recursive: true, force: true });
    fs.chmodSync(path.join(target, 'pgbouncer_exporter'), 0o755);
  });
  return path.join(dir, 'pgbouncer_exporter');
}
