import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { ensureDebianPackages } from './debian';
import { killProcessesUnder, registerCleanupRoot, unregisterCleanupRoot } from './etcd';
import { freePort, runAsService, serviceTempDir, spawnAsService, waitFor, writeServiceFile } from './processes';

export const PGBOUNCER = '/usr/sbin/pgbouncer';

/**
 * Replaces the value of one `key = value` line of an ini file; throws unless exactly one line has
 * the key, so a setting the construct stops emitting fails the test instead of being added here.
 */
export function replaceSetting(ini: string, key: string, value: string): string {
  const pattern = new RegExp(`^${key.replace(/[*]/g, '\\*')} = .*$`, 'gm');
  const matches = ini.match(pattern) ?? [];
  if (matches.length !== 1) throw new Error(`expected one "${key} = ..." line in pgbouncer.ini, found ${matches.length}`);
  return ini.replace(pattern, `${key} = ${value}`);
}

/** The value of a `key = value` line. */
export function settingOf(ini: string, key: string): string | undefined {
  return new RegExp(`^${key} = (.*)$`, 'm').exec(ini)?.[1];
}

export interface PgBouncerFiles {
  /** Directory for the auth_file (the pod's memory emptyDir). */
  readonly authDir: string;
  /** The synthesized pgbouncer.ini. */
  readonly ini: string;
  /** Upstream host and port as synthesized, and what they become here. */
  readonly upstream: { readonly from: string; readonly to: string };
  /** Client TLS files, replacing the mounted Secret's. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/**
 * One PgBouncer 1.18 process running the synthesized pgbouncer.ini. What the harness changes, and
 * only that (each is what Kubernetes provides in a pod):
 *   - listen_addr / listen_port: 127.0.0.1 and a free port (a pod has its own network namespace);
 *   - unix_socket_dir: a private directory (the pod's emptyDir);
 *   - auth_file: the file the init container wrote into the test's stand-in for the emptyDir;
 *   - client_tls_cert_file / client_tls_key_file: a self-signed pair (the mounted TLS Secret);
 *   - the [databases] upstream host=... port=...: the test server (the cluster Service's DNS name).
 */
export class PgBouncerProcess {
  public static async start(name: string, files: PgBouncerFiles): Promise<PgBouncerProcess> {
    ensureDebianPackages(['pgbouncer']);
    const dir = serviceTempDir(`pgbouncer-${name}`);
    registerCleanupRoot(dir);
    const port = await freePort();
    let ini = files.ini;
    ini = replaceSetting(ini, 'listen_addr', '127.0.0.1');
    ini = replaceSetting(ini, 'listen_port', String(port));
    ini = replaceSetting(ini, 'unix_socket_dir', dir);
    ini = replaceSetting(ini, 'auth_file', path.join(files.authDir, 'userlist.txt'));
    if (files.tls) {
      ini = replaceSetting(ini, 'client_tls_cert_file', files.tls.certFile);
      ini = replaceSetting(ini, 'client_tls_key_file', files.tls.keyFile);
    }
    if (!ini.includes(files.upstream.from)) throw new Error(`pgbouncer.ini does not connect to ${files.upstream.from}`);
    ini = ini.split(files.upstream.from).join(files.upstream.to);
    const configFile = path.join(dir, 'pgbouncer.ini');
    writeServiceFile(configFile, ini);
    const log = path.join(dir, 'pgbouncer.log');
    const child = spawnAsService(PGBOUNCER, [configFile], log, { cwd: dir });
    child.unref();
    const bouncer = new PgBouncerProcess(name, dir, port, child, ini);
    await waitFor(`PgBouncer ${name} to listen on ${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`PgBouncer ${name} exited (${child.exitCode}):\n${bouncer.log()}`);
      return canConnect(port);
    }, 15_000);
    return bouncer;
  }

  private constructor(
    public readonly name: string,
    public readonly dir: string,
    public readonly port: number,
    private readonly child: ChildProcess,
    /** The configuration it runs. */
    public readonly ini: string,
  ) {}

  public log(): string {
    const file = path.join(this.dir, 'pgbouncer.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  public get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal to PgBouncer (its pid, as the preStop hook does to pid 1 in the pod). */
  public signal(signal: NodeJS.Signals): void {
    if (this.alive && this.child.pid) process.kill(this.child.pid, signal);
  }

  /** Resolves when PgBouncer has exited (or after the timeout, with false). */
  public async exited(timeoutMs: number): Promise<boolean> {
    if (!this.alive) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Stops PgBouncer (SIGKILL: nothing to flush) and removes its files. */
  public stop(): void {
    if (this.alive && this.child.pid) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    killProcessesUnder(this.dir);
    unregisterCleanupRoot(this.dir);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A self-signed certificate and key owned by the service user (what a kubernetes.io/tls Secret holds). */
export function selfSignedCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = path.join(dir, 'tls.crt');
  const keyFile = path.join(dir, 'tls.key');
  const result = runAsService('openssl', ['req', '-nodes', '-new', '-x509', '-days', '1', '-subj', '/CN=pooler',
    '-keyout', keyFile, '-out', certFile]);
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  return { certFile, keyFile };
}

export interface PsqlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs psql asynchronously (many at once), with a libpq environment; each command is one -c (SQL or a meta-command). */
export async function psqlAsync(sql: string | string[], env: Record<string, string>, timeoutMs = 60_000): Promise<PsqlResult> {
  const commands = (typeof sql === 'string' ? [sql] : sql).flatMap((c) => ['-c', c]);
  return new Promise((resolve) => {
    const child = spawn('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-qAt', ...commands], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

export { writeServiceFile, serviceTempDir, freePort };
