import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** PostgreSQL, Patroni and PgBouncer refuse to run as root: when the tests run as root, servers run as this user. */
export const SERVICE_USER = 'postgres';

interface Identity { readonly uid: number; readonly gid: number }

function serviceIdentity(): Identity | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${SERVICE_USER}:`));
  if (!line) throw new Error(`user ${SERVICE_USER} does not exist (it comes with the postgresql-15 package)`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A fresh temporary directory owned by the service user. */
export function serviceTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pgaas-${prefix}-`));
  const id = serviceIdentity();
  if (id) fs.chownSync(dir, id.uid, id.gid);
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** Writes a file owned by the service user. */
export function writeServiceFile(file: string, content: string, mode = 0o600): void {
  fs.writeFileSync(file, content, { mode });
  const id = serviceIdentity();
  if (id) fs.chownSync(file, id.uid, id.gid);
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly input?: string;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs a command as the service user and waits for it (never throws on a non-zero exit). */
export function runAsService(command: string, args: string[], options: RunOptions = {}): SpawnSyncReturns<string> {
  const id = serviceIdentity();
  return spawnSync(command, args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...options.env },
    input: options.input,
    cwd: options.cwd ?? os.tmpdir(),
    timeout: options.timeoutMs ?? 120_000,
    uid: id?.uid,
    gid: id?.gid,
  });
}

/** Starts a long-running command as the service user, output appended to a log file. */
export function spawnAsService(command: string, args: string[], logFile: string, options: RunOptions = {}): ChildProcess {
  const id = serviceIdentity();
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...options.env },
    cwd: options.cwd ?? os.tmpdir(),
    stdio: ['ignore', log, log],
    uid: id?.uid,
    gid: id?.gid,
    detached: true,
  });
  fs.closeSync(log);
  return child;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

export async function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or the deadline passes; throws with `what` on timeout. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
