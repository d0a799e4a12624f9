import { spawnSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { ensureDebianPackages } from '../harness/debian';
import { CACHE, packLibrary, Timings } from '../harness/fresh-app';

/** Whether a command runs (found on PATH and working). */
function works(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/**
 * The tools the bindings need: Maven and a JDK are installed from Debian when missing (as root);
 * Python with venv and Go are named (the machines provide them; Debian's Go is too old for the
 * generated modules).
 */
function ensureTools(): void {
  const debian: Record<string, string> = {};
  if (!works('mvn', ['-v'])) debian.maven = '/usr/bin/mvn';
  if (!works('javac', ['-version'])) debian['default-jdk-headless'] = '/usr/bin/javac';
  ensureDebianPackages(Object.keys(debian), debian);
  const missing = [
    ...works('python3', ['-m', 'venv', '--help']) ? [] : ['Python 3 with the venv module (python3-venv)'],
    ...works('go', ['version']) ? [] : ['Go >= 1.25 (go.dev/dl)'],
  ];
  if (missing.length) throw new Error(`the packaging tests need: ${missing.join(', ')}`);
}

/**
 * Checks the tools, then packs the library once for every packaging test (the fresh apps install the
 * tarball; the bindings are generated from it), as a user would: `npm pack`, which compiles it first.
 */
export default function globalSetup(): void {
  ensureTools();
  const timings = new Timings();
  const tarball = timings.time('pack', packLibrary);
  writeFileSync(join(CACHE, 'tarball.txt'), tarball);
  timings.save('pack.json');
}
