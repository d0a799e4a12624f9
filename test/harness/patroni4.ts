import { execFileSync } from 'child_process';
import * as path from 'path';
import { ensureDebianPackages } from './debian';
import { PATRONI_VERSION, PSYCOPG_VERSION } from './kube/versions';
import { runAsService } from './processes';
import { cachedEntry, serviceToolCacheDir } from './tool-cache';

/**
 * Patroni 4 (PATRONI_VERSION, the one the default Spilo image ships) from PyPI with psycopg 3's binary
 * wheel, in a virtualenv in the tool cache. It is built on Debian's /usr/bin/python3 (not a pyenv
 * interpreter under /root) so that the postgres user, which runs Patroni, can execute it.
 */
export function ensurePatroni4(): string {
  ensureDebianPackages(['python3-venv']);
  const dir = serviceToolCacheDir('patroni', `${PATRONI_VERSION}-psycopg${PSYCOPG_VERSION}`);
  const patroni = path.join(dir, 'venv', 'bin', 'patroni');
  cachedEntry(dir, `Patroni ${PATRONI_VERSION} (PyPI)`, () => {
    const venv = path.join(dir, 'venv');
    const run = (command: string, args: string[]) => {
      try {
        execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
      } catch (e: any) {
        throw new Error(`${command} ${args.join(' ')} failed:\n${e.stderr ?? e.message}`);
      }
    };
    run('/usr/bin/python3', ['-m', 'venv', venv]);
    run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', `patroni[kubernetes]==${PATRONI_VERSION}`, `psycopg[binary]==${PSYCOPG_VERSION}`]);
  });
  const version = runAsService(patroni, ['--version']);
  if (version.status !== 0 || !version.stdout.includes(PATRONI_VERSION)) {
    throw new Error(`${patroni} does not run as the postgres user (${version.stderr || version.stdout}); `
      + 'every directory above it must be searchable by that user');
  }
  return patroni;
}
