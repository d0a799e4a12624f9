import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureDebianPackages } from './debian';
import { freePort, serviceTempDir, spawnAsService, waitFor } from './processes';

/*
 * Process reaper shared by the etcd and Patroni harnesses. Every service the harness starts runs with
 * its working directory inside a temporary "root" directory, and PostgreSQL chdirs into its data
 * directory, so every process that belongs to a test (Patroni, the postmaster Patroni detaches into its
 * own session, backends, pg_basebackup/pg_rewind, etcd) is found by its /proc/<pid>/cwd. That catches
 * processes whose pid the harness never saw, without killing anything by name.
 */
const cleanupRoots = new Set<string>();
let exitHandlerInstalled = false;

function within(dir: string, root: string): boolean {
  return dir === root || dir.startsWith(root + path.sep);
}

/** Pids of the processes whose working directory is `root` or below it. */
export function processesUnder(root: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`).replace(/ \(deleted\)$/, '');
      if (within(cwd, root)) pids.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to inspect
    }
  }
  return pids;
}

/** SIGKILLs every process under `root` until none is left (synchronous: also usable in an 'exit' handler). */
export function killProcessesUnder(root: string, timeoutMs = 10_000): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = processesUnder(root);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (Date.now() > deadline) throw new Error(`processes under ${root} survived SIGKILL: ${pids.join(' ')}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

/**
 * Remembers a directory whose processes must die with this Node process: the last resort when a test
 * runner exits without running afterAll (a crash, process.exit after a timeout).
 */
export function registerCleanupRoot(root: string): void {
  cleanupRoots.add(root);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const dir of cleanupRoots) {
      try {
        killProcessesUnder(dir, 3_000);
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort while exiting
      }
    }
  });
}

export function unregisterCleanupRoot(root: string): void {
  cleanupRoots.delete(root);
}

export interface StartEtcdOptions {
  /** Directory to put the data directory and log in (it must be owned by the service user). @default a new temporary directory */
  readonly parentDir?: string;
}

/**
 * A single-node etcd 3.4 on 127.0.0.1 as Patroni's DCS in the tests (on Kubernetes the members use
 * ConfigMaps instead; Patroni's HA logic is the same for every DCS).
 */
export class EtcdServer {
  public static async start(options: StartEtcdOptions = {}): Promise<EtcdServer> {
    ensureDebianPackages(['etcd-server']);
    const ownDir = options.parentDir === undefined;
    const dir = ownDir ? serviceTempDir('etcd') : path.join(options.parentDir!, 'etcd');
    if (!ownDir) {
      fs.mkdirSync(dir);
      fs.chownSync(dir, fs.statSync(options.parentDir!).uid, fs.statSync(options.parentDir!).gid);
      fs.chmodSync(dir, 0o700);
    }
    if (ownDir) registerCleanupRoot(dir);
    const clientPort = await freePort();
    let peerPort = await freePort();
    while (peerPort === clientPort) peerPort = await freePort();
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const child = spawnAsService('/usr/bin/etcd', [
      '--name', 'etcd0',
      '--data-dir', path.join(dir, 'data'),
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `etcd0=${peerUrl}`,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', path.basename(dir),
      '--log-level', 'warn',
    ], path.join(dir, 'etcd.log'), { cwd: dir });
    // Unreferenced so a forgotten server cannot keep the test runner alive; the reaper kills it at exit.
    child.unref();
    const server = new EtcdServer(dir, clientPort, child, ownDir);
    try {
      await waitFor('etcd to report healthy', async () => {
        if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}:\n${server.log()}`);
        try {
          const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2000) });
          return response.ok && (await response.json() as { health?: string }).health === 'true';
        } catch {
          return false;
        }
      }, 60_000, 200);
    } catch (e) {
      server.stop();
      throw e;
    }
    return server;
  }

  /** `host:port` for Patroni's `etcd3.hosts`. */
  public readonly hostPort: string;
  public readonly clientUrl: string;

  private constructor(
    public readonly dir: string,
    public readonly port: number,
    private readonly child: ChildProcess,
    private readonly ownDir: boolean,
  ) {
    this.hostPort = `127.0.0.1:${port}`;
    this.clientUrl = `http://${this.hostPort}`;
  }

  public log(): string {
    const file = path.join(this.dir, 'etcd.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  /** Kills etcd (SIGKILL: nothing in it needs to survive) and removes its directory when it owns it. */
  public stop(): void {
    if (this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    killProcessesUnder(this.dir);
    if (this.ownDir) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      unregisterCleanupRoot(this.dir);
    }
  }
}
