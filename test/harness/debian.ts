import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';

/**
 * Debian packages the integration tests run for real, and the binary that proves each is installed.
 * The test setup installs missing ones when it runs as root; otherwise it fails and names them.
 */
export const DEBIAN_PACKAGES: Record<string, string> = {
  'postgresql-15': '/usr/lib/postgresql/15/bin/postgres',
  'patroni': '/usr/bin/patroni',
  'etcd-server': '/usr/bin/etcd',
  'pgbouncer': '/usr/sbin/pgbouncer',
  // The Patroni 4 virtualenv (patroni4.ts) is built on Debian's python3.
  'python3-venv': '/usr/share/doc/python3-venv/copyright',
  'openssl': '/usr/bin/openssl',
  // Monitoring: promtool (rules checks and unit tests) and the exporters the bundle runs as sidecars.
  'prometheus': '/usr/bin/promtool',
  'prometheus-postgres-exporter': '/usr/bin/prometheus-postgres-exporter',
};

export function missingDebianPackages(names: string[] = Object.keys(DEBIAN_PACKAGES), binaries: Record<string, string> = DEBIAN_PACKAGES): string[] {
  return names.filter((name) => !fs.existsSync(binaries[name]));
}

/**
 * Installs the missing packages with apt-get (root only); throws a message naming them otherwise.
 * @param binaries the binary that proves each package is installed
 */
export function ensureDebianPackages(names: string[] = Object.keys(DEBIAN_PACKAGES), binaries: Record<string, string> = DEBIAN_PACKAGES): void {
  const missing = missingDebianPackages(names, binaries);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`these tests need the Debian packages: ${missing.join(' ')} (install them with apt-get, or run the tests as root so the setup installs them)`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  // The Debian postinst scripts of patroni/etcd/pgbouncer try to start services; there is no init
  // system here, so policy-rc.d tells them not to (exit 101 = action forbidden).
  const policy = '/usr/sbin/policy-rc.d';
  const hadPolicy = fs.existsSync(policy);
  if (!hadPolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
    if (result.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed with exit code ${result.status}`);
  } finally {
    if (!hadPolicy) fs.rmSync(policy, { force: true });
  }
  const still = missingDebianPackages(names, binaries);
  if (still.length > 0) throw new Error(`apt-get ran but these packages are still missing: ${still.join(' ')}`);
}
