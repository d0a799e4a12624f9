import { ChildProcess, execFile, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { ensureDebianPackages } from './debian';
import { EtcdServer, killProcessesUnder, registerCleanupRoot, unregisterCleanupRoot } from './etcd';
import { KubeletEnv } from './kubelet-env';
import { PG_BIN } from './postgres';
import { freePort, runAsService, serviceTempDir, sleep, spawnAsService, waitFor, writeServiceFile } from './processes';
import { PostgresCluster, PostgresClusterProps } from '../../src';
import { validateTree } from '../../src/private/tree-report';

/*
 * Integration harness: real Patroni 3.0.2 members (PostgreSQL 15) with etcd as the DCS, configured
 * from what PostgresCluster synthesizes.
 *
 * What comes from the manifest (the Spilo container's environment of the StatefulSet):
 *
 *   SCOPE                                -> scope
 *   PGUSER_SUPERUSER / PGUSER_STANDBY     -> postgresql.authentication.{superuser,replication}.username
 *   SPILO_CONFIGURATION bootstrap.dcs     -> bootstrap.dcs (checked against the keys Patroni 3.0.2 knows, see dcsForPatroni302)
 *   SPILO_CONFIGURATION bootstrap.initdb  -> bootstrap.initdb
 *   SPILO_CONFIGURATION postgresql.parameters -> postgresql.parameters
 *   SPILO_CONFIGURATION postgresql.pg_hba -> postgresql.pg_hba
 *
 * What the harness fills in, i.e. what Spilo itself fills in on Kubernetes:
 *
 *   key                                  | Spilo on Kubernetes                                  | harness
 *   -------------------------------------+------------------------------------------------------+---------------------------------------------
 *   name                                 | pod name (<statefulset>-<ordinal>)                   | <scope>-<i>
 *   DCS section                          | kubernetes: (KUBERNETES_* env, ConfigMaps)           | etcd3: { hosts: [127.0.0.1:<port>] }
 *   restapi.listen / connect_address     | :8008 / POD_IP:8008                                  | 127.0.0.2:<free port> (both)
 *   postgresql.listen                    | *:5432                                               | 127.0.0.1,127.0.0.2:<free port>
 *   postgresql.connect_address           | POD_IP:5432                                          | 127.0.0.2:<port>
 *   postgresql.data_dir                  | $PGROOT/data                                         | <tmp>/<member>/data
 *   postgresql.bin_dir                   | /usr/lib/postgresql/$PGVERSION/bin                   | /usr/lib/postgresql/15/bin (the only packaged major here)
 *   postgresql.pgpass                    | /run/postgresql/pgpass                               | <tmp>/<member>/pgpass
 *   postgresql.use_unix_socket           | true                                                 | true
 *   parameters.unix_socket_directories   | /var/run/postgresql (compiled-in default)            | <tmp>/<member> (one socket directory per member)
 *   authentication passwords             | Secrets (PGPASSWORD_SUPERUSER/PGPASSWORD_STANDBY)    | random per cluster
 *   authentication.rewind                | not set: Patroni uses the superuser                  | the superuser (Patroni 3.0.2's validator requires the key)
 *   parameters.ssl / ssl_cert_file / ssl_key_file | 'on' + self-signed cert from `openssl req -nodes -new -x509 -subj /CN=spilo.dummy.org` | the same command, files in <tmp>/<member>; manifest values win as in Spilo
 *   bootstrap.pg_hba                     | not set (Patroni 4 does not need it)                 | copy of postgresql.pg_hba (Patroni 3.0.2's validator requires it)
 *   initdb locale (en_US.UTF-8)          | generated in the image                               | generated with localedef when missing (root only)
 *
 * Why 127.0.0.2: Patroni's validator rejects 127.0.0.1/localhost as a connect address. Connections
 * to 127.0.0.2 still come from source address 127.0.0.1, so the manifest's `host all all 127.0.0.1/32`
 * rule applies to them exactly as to clients of 127.0.0.1; replication connections use the
 * `hostssl replication` rule, i.e. TLS as on Kubernetes.
 *
 * Not reproduced: Spilo's own template defaults (archive_mode, logging collector, bg_mon and the other
 * preloaded extensions, its callbacks and basebackup script). The manifest says PGVERSION 17; this
 * machine runs PostgreSQL 15, so parameters that only exist in 16+ would fail here.
 */

/** What the harness takes from one synthesized PostgresCluster. */
export interface SynthesizedCluster {
  readonly scope: string;
  readonly instances: number;
  readonly superuser: string;
  readonly replicationUser: string;
  readonly dcs: Record<string, unknown>;
  readonly initdb: Array<string | Record<string, string>>;
  readonly parameters: Record<string, string>;
  readonly pgHba: string[];
  /** Every parameter the manifest sets (bootstrap.dcs.postgresql.parameters + postgresql.parameters). */
  readonly allParameters: Record<string, string>;
  /**
   * Patroni REST API credentials, as the kubelet puts them into SPILO_CONFIGURATION
   * (`restapi.authentication` with $(PATRONI_RESTAPI_*) expanded; the harness makes up the Secret's values).
   */
  readonly restApi?: { readonly username: string; readonly password: string };
}

/** The env the preStop hook gets in the pod for the REST API credentials (empty without authentication). */
export function restApiEnv(cluster: SynthesizedCluster): Record<string, string> {
  return cluster.restApi ? { PATRONI_RESTAPI_USERNAME: cluster.restApi.username, PATRONI_RESTAPI_PASSWORD: cluster.restApi.password } : {};
}

interface EnvVar { readonly name: string; readonly value?: string; readonly valueFrom?: unknown }

/** One SynthesizedCluster per StatefulSet with a Spilo container in the synthesized manifests. */
export function clustersFromManifests(manifests: any[]): SynthesizedCluster[] {
  return manifests.filter((m) => m.kind === 'StatefulSet').map((sts) => {
    const containers: any[] = sts.spec.template.spec.containers;
    const spilo = containers.find((c) => (c.env ?? []).some((e: EnvVar) => e.name === 'SPILO_CONFIGURATION'));
    if (!spilo) throw new Error(`StatefulSet ${sts.metadata.name} has no container with SPILO_CONFIGURATION`);
    const env = (name: string): string => {
      const variable = (spilo.env as EnvVar[]).find((e) => e.name === name);
      if (variable?.value === undefined) throw new Error(`StatefulSet ${sts.metadata.name}: env ${name} is missing or not a plain value`);
      return variable.value;
    };
    env('SPILO_CONFIGURATION');
    // The kubelet expands $(NAME) references from earlier variables, Secret ones included: the REST
    // API credentials come from a Secret, whose values the harness makes up.
    const secretValues = { PATRONI_RESTAPI_USERNAME: 'patroni', PATRONI_RESTAPI_PASSWORD: `api-${randomBytes(12).toString('hex')}` };
    const expanded = KubeletEnv.resolve(spilo.env as EnvVar[], secretValues, KubeletEnv.configMaps(manifests));
    const spiloConfiguration = JSON.parse(expanded.SPILO_CONFIGURATION);
    const authentication = spiloConfiguration.restapi?.authentication;
    const dcs = spiloConfiguration.bootstrap.dcs;
    const parameters = spiloConfiguration.postgresql.parameters ?? {};
    return {
      scope: env('SCOPE'),
      instances: sts.spec.replicas ?? 1,
      superuser: env('PGUSER_SUPERUSER'),
      replicationUser: env('PGUSER_STANDBY'),
      dcs,
      initdb: spiloConfiguration.bootstrap.initdb,
      parameters,
      pgHba: spiloConfiguration.postgresql.pg_hba,
      allParameters: { ...dcs.postgresql?.parameters, ...parameters },
      restApi: authentication ? { username: authentication.username, password: authentication.password } : undefined,
    };
  });
}

/** Synthesizes one PostgresCluster (namespace "ns") and returns what the harness needs from it. */
export function synthesizeCluster(props: PostgresClusterProps): SynthesizedCluster {
  const app = Testing.app();
  const chart = new Chart(app, 'c', { namespace: 'ns' });
  new PostgresCluster(chart, 'db', props);
  // The tree's one validation report first (Testing.synth alone does not run it).
  validateTree(chart);
  const [cluster] = clustersFromManifests(Testing.synth(chart));
  return cluster;
}

/**
 * `bootstrap.dcs` keys Patroni 3.0.2 understands (patroni/config.py __DEFAULT_CONFIG, its
 * master_* aliases, and the slot settings read directly from the DCS). 3.0.2 silently ignores other
 * keys, so a Patroni 4 key would pass the validator and do nothing: the harness refuses them instead
 * and each one needs a documented translation here.
 */
export const PATRONI_302_DCS_KEYS = [
  'ttl', 'loop_wait', 'retry_timeout', 'maximum_lag_on_failover', 'maximum_lag_on_syncnode', 'check_timeline',
  'primary_start_timeout', 'primary_stop_timeout', 'master_start_timeout', 'master_stop_timeout',
  'synchronous_mode', 'synchronous_mode_strict', 'synchronous_node_count', 'failsafe_mode',
  'standby_cluster', 'postgresql', 'slots', 'ignore_slots',
];

/**
 * The manifest's bootstrap.dcs as Patroni 3.0.2 needs it. Today this is the identity: every key the
 * library emits exists in 3.0.2 with the same meaning (failsafe_mode arrived in 3.0.0). Patroni 4's
 * `synchronous_mode: quorum` has no 3.0.2 equivalent and is refused.
 */
export function dcsForPatroni302(dcs: Record<string, unknown>): Record<string, unknown> {
  const unknown = Object.keys(dcs).filter((key) => !PATRONI_302_DCS_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new Error(`bootstrap.dcs keys Patroni 3.0.2 does not know (it would ignore them silently): ${unknown.join(', ')}; translate them in dcsForPatroni302`);
  }
  if (dcs.synchronous_mode !== undefined && typeof dcs.synchronous_mode !== 'boolean') {
    throw new Error(`bootstrap.dcs.synchronous_mode ${JSON.stringify(dcs.synchronous_mode)}: Patroni 3.0.2 takes only true/false`);
  }
  return JSON.parse(JSON.stringify(dcs));
}

/** Makes the initdb locales exist (the Spilo image has them; a Debian host usually has only C.UTF-8). */
export function ensureInitdbLocales(initdb: Array<string | Record<string, string>>): void {
  const wanted = initdb.flatMap((option) => typeof option === 'string' ? [] : Object.entries(option))
    .filter(([key]) => key === 'locale' || key.startsWith('lc-')).map(([, value]) => value);
  if (wanted.length === 0) return;
  const normalize = (l: string) => l.toLowerCase().replace(/utf-?8/, 'utf8');
  const available = new Set(spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout.split('\n').map(normalize));
  for (const locale of wanted) {
    if (available.has(normalize(locale))) continue;
    const [input, charmap] = locale.split('.');
    if (process.getuid?.() !== 0) throw new Error(`initdb needs the locale ${locale}; generate it (localedef -i ${input} -f ${charmap ?? 'UTF-8'} ${locale}) or run the tests as root`);
    const result = spawnSync('localedef', ['-i', input, '-c', '-f', charmap ?? 'UTF-8', locale], { encoding: 'utf8' });
    // localedef exits 1 for mere warnings (-c); the check below decides.
    const now = new Set(spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout.split('\n').map(normalize));
    if (!now.has(normalize(locale))) throw new Error(`localedef could not generate ${locale}: ${result.stderr}`);
  }
}

// --- processes ------------------------------------------------------------------------------------

interface Identity { readonly uid: number; readonly gid: number }

function serviceIdentity(): Identity | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('user postgres does not exist');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface ExecResult { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/**
 * Runs a command as the service user without blocking the event loop (the writer loop and REST polling
 * run concurrently). PATH is fixed to the system directories: the service user cannot enter root's pyenv shims.
 */
export interface ExecOptions { readonly env?: Record<string, string>; readonly cwd?: string; readonly timeoutMs?: number }

export function execAsService(command: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const id = serviceIdentity();
  return new Promise((resolve) => {
    execFile(command, args, {
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', ...options.env },
      cwd: options.cwd ?? '/tmp',
      timeout: options.timeoutMs ?? 30_000,
      killSignal: 'SIGKILL',
      uid: id?.uid,
      gid: id?.gid,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const status = error ? (typeof (error as any).code === 'number' ? (error as any).code : null) : 0;
      resolve({ status, stdout, stderr: stderr || (error && status === null ? String(error.message) : '') });
    });
  });
}

function pgidOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 5 (pgrp), counted after the parenthesised command name which may contain spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

// --- REST ----------------------------------------------------------------------------------------

/** A member as GET /cluster reports it. */
export interface RestMember {
  readonly name: string;
  readonly role: string;
  readonly state: string;
  readonly host: string;
  readonly port: number;
  readonly api_url: string;
  readonly timeline?: number;
  readonly lag?: number | string;
  readonly tags?: Record<string, unknown>;
}

export interface RestResponse { readonly status: number; readonly body: any; readonly text: string }

interface RestInit { method?: string; body?: unknown; timeoutMs?: number; auth?: { username: string; password: string } }

async function rest(url: string, init: RestInit = {}): Promise<RestResponse | undefined> {
  try {
    const headers: Record<string, string> = {};
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (init.auth) headers.Authorization = `Basic ${Buffer.from(`${init.auth.username}:${init.auth.password}`).toString('base64')}`;
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 3_000),
    });
    const text = await response.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body, text };
  } catch {
    return undefined;
  }
}

const LEADER_ROLES = ['master', 'primary'];
const REPLICA_ROLES = ['replica', 'sync_standby', 'quorum_standby'];

// --- members -------------------------------------------------------------------------------------

export interface ClusterSecrets { readonly superuserPassword: string; readonly replicationPassword: string }

/** Which Patroni runs a member and with what environment. */
export interface MemberRuntime {
  /** The patroni executable. @default Debian's Patroni 3.0.2 (/usr/bin/patroni) */
  readonly patroni?: string;
  /** Extra environment (KUBECONFIG for the Kubernetes DCS). */
  readonly env?: Record<string, string>;
  /** postgresql.bin_dir, for another major than Debian's. @default PG_BIN (PostgreSQL 15) */
  readonly binDir?: string;
}

/** Patroni's Kubernetes DCS section, as Spilo writes it from the pod's KUBERNETES_* env. */
export interface KubernetesDcs { readonly kubernetes: Record<string, unknown> }

/** One Patroni + PostgreSQL member, run as the service user with its working directory in `dir`. */
export class PatroniMember {
  public readonly dataDir: string;
  public readonly configFile: string;
  public readonly logFile: string;
  /** Patroni REST API base URL. */
  public readonly restUrl: string;
  /** Patroni's process (the group leader of its process group), while started by the harness. */
  private child?: ChildProcess;
  private expectExit = false;
  private unexpectedExit?: string;
  private validated = false;

  constructor(
    public readonly cluster: SynthesizedCluster,
    public readonly name: string,
    public readonly dir: string,
    public readonly pgPort: number,
    public readonly restPort: number,
    private readonly runtime: MemberRuntime = {},
  ) {
    this.dataDir = path.join(dir, 'data');
    this.configFile = path.join(dir, 'patroni.yml');
    this.logFile = path.join(dir, 'patroni.log');
    this.restUrl = `http://127.0.0.2:${restPort}`;
  }

  /** Writes the member's Patroni configuration (JSON, which is YAML) and its TLS certificate. */
  public configure(dcs: EtcdServer | KubernetesDcs, secrets: ClusterSecrets): Record<string, unknown> {
    const cert = path.join(this.dir, 'server.crt');
    const key = path.join(this.dir, 'server.key');
    // Spilo's write_certificates(): a throwaway self-signed certificate, key readable by postgres only.
    const openssl = runAsService('openssl', ['req', '-nodes', '-new', '-x509', '-subj', '/CN=spilo.dummy.org', '-keyout', key, '-out', cert], { cwd: this.dir });
    if (openssl.status !== 0) throw new Error(`openssl req failed: ${openssl.stderr}`);
    fs.chmodSync(key, 0o600);
    const superuser = { username: this.cluster.superuser, password: secrets.superuserPassword };
    const config = {
      scope: this.cluster.scope,
      name: this.name,
      restapi: {
        listen: `127.0.0.2:${this.restPort}`,
        connect_address: `127.0.0.2:${this.restPort}`,
        // From the manifest (restapi.authentication in SPILO_CONFIGURATION): unsafe endpoints need it.
        ...this.cluster.restApi ? { authentication: this.cluster.restApi } : {},
      },
      // Patroni 4 on the Kubernetes DCS takes the manifest's bootstrap.dcs as it is; Debian's 3.0.2 on
      // etcd only what it knows (dcsForPatroni302).
      ...dcs instanceof EtcdServer ? { etcd3: { hosts: [dcs.hostPort] } } : dcs,
      bootstrap: {
        dcs: dcs instanceof EtcdServer ? dcsForPatroni302(this.cluster.dcs) : JSON.parse(JSON.stringify(this.cluster.dcs)),
        initdb: this.cluster.initdb,
        pg_hba: this.cluster.pgHba,
      },
      postgresql: {
        listen: `127.0.0.1,127.0.0.2:${this.pgPort}`,
        connect_address: `127.0.0.2:${this.pgPort}`,
        data_dir: this.dataDir,
        bin_dir: this.runtime.binDir ?? PG_BIN,
        pgpass: path.join(this.dir, 'pgpass'),
        use_unix_socket: true,
        authentication: {
          superuser,
          replication: { username: this.cluster.replicationUser, password: secrets.replicationPassword },
          rewind: superuser,
        },
        parameters: {
          ssl: 'on',
          ssl_cert_file: cert,
          ssl_key_file: key,
          ...this.cluster.parameters,
          unix_socket_directories: this.dir,
        },
        pg_hba: this.cluster.pgHba,
      },
    };
    writeServiceFile(this.configFile, JSON.stringify(config, undefined, 2) + '\n');
    return config;
  }

  /** Runs `patroni --validate-config`; throws with its output when it rejects the configuration. */
  public validate(): void {
    const result = runAsService(this.patroniBin, ['--validate-config', this.configFile], { cwd: this.dir, timeoutMs: 60_000, env: this.runtime.env });
    if (result.status !== 0) {
      throw new Error(`patroni --validate-config rejected ${this.configFile} (exit ${result.status}):\n${result.stdout}${result.stderr}\n--- configuration ---\n${fs.readFileSync(this.configFile, 'utf8')}`);
    }
    this.validated = true;
  }

  /** Starts Patroni (validating the configuration on the first start). */
  public start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    if (!this.validated) this.validate();
    this.expectExit = false;
    this.unexpectedExit = undefined;
    fs.appendFileSync(this.logFile, `\n==== harness: starting ${this.name} at ${new Date().toISOString()} ====\n`);
    const child = spawnAsService(this.patroniBin, [this.configFile], this.logFile, { cwd: this.dir, env: { PATH: '/usr/bin:/bin', ...this.runtime.env } });
    child.on('exit', (code, signal) => {
      if (!this.expectExit) this.unexpectedExit = `Patroni ${this.name} exited (code ${code}, signal ${signal})`;
      if (this.child === child) this.child = undefined;
    });
    // Unreferenced: a cluster a test forgot to stop must not keep the test runner alive (the 'exit'
    // handler of the reaper then kills it).
    child.unref();
    this.child = child;
  }

  private get patroniBin(): string {
    return this.runtime.patroni ?? '/usr/bin/patroni';
  }

  /** Patroni's process is alive (started by the harness and not exited). */
  public get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Throws (with the log tail) if Patroni exited without the harness stopping it. */
  public assertAlive(): void {
    if (this.unexpectedExit) throw new Error(`${this.unexpectedExit}; log tail:\n${this.logTail()}`);
  }

  /**
   * Parameters Patroni removed before starting PostgreSQL. Patroni validates postgresql.parameters
   * against its own table of PostgreSQL parameters and drops unknown names and invalid values with a
   * WARNING only, so PostgreSQL never sees (and never refuses) them; the harness treats this as a failure.
   */
  public droppedParameters(): string[] {
    return this.log().split('\n').filter((line) => /WARNING: Removing .*parameter/.test(line));
  }

  public postmasterPid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return pid > 0 && fs.existsSync(`/proc/${pid}`) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * kill -9 of Patroni and of PostgreSQL: Patroni's process group, then the postmaster's process group
   * (Patroni starts the postmaster in a session of its own so it survives Patroni), then anything
   * left under the member's directory. Like a node crash: nothing shuts down cleanly.
   */
  public kill(): void {
    this.expectExit = true;
    const postmaster = this.postmasterPid();
    if (this.child?.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (postmaster !== undefined) {
      const pgid = pgidOf(postmaster);
      if (pgid !== undefined && pgid > 1) killQuietly(-pgid);
      killQuietly(postmaster);
    }
    killProcessesUnder(this.dir);
  }

  /**
   * What the container runtime does when a pod is deleted: SIGTERM to Patroni (which stops PostgreSQL
   * with a fast shutdown and releases its leader lock), then, after `graceMs`, kill -9 of what is left.
   * Resolves once Patroni has exited.
   */
  public async terminate(graceMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.expectExit = true;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      if (child.exitCode !== null || child.signalCode !== null) resolve();
    });
    killQuietly(child.pid!, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => timer = setTimeout(() => resolve('timeout'), graceMs));
    const outcome = await Promise.race([exited, grace]);
    clearTimeout(timer);
    // When the container's main process ends, the runtime kills whatever else runs in it (here: a
    // postmaster Patroni did not stop); after the grace period, everything.
    this.kill();
    if (outcome === 'timeout') await exited;
  }

  /** GET a REST endpoint of this member (undefined when it does not answer). */
  public async get(endpoint: string): Promise<RestResponse | undefined> {
    return rest(`${this.restUrl}${endpoint}`);
  }

  /** POST to a REST endpoint with the cluster's API credentials (unsafe endpoints require them). */
  public async post(endpoint: string, body: unknown, timeoutMs = 60_000): Promise<RestResponse | undefined> {
    return rest(`${this.restUrl}${endpoint}`, { method: 'POST', body, timeoutMs, auth: this.cluster.restApi });
  }

  /** PATCH a REST endpoint (/config) with the cluster's API credentials. */
  public async patch(endpoint: string, body: unknown, timeoutMs = 60_000): Promise<RestResponse | undefined> {
    return rest(`${this.restUrl}${endpoint}`, { method: 'PATCH', body, timeoutMs, auth: this.cluster.restApi });
  }

  /** POST without credentials (to show that unsafe endpoints refuse it). */
  public async postAnonymously(endpoint: string, body: unknown): Promise<RestResponse | undefined> {
    return rest(`${this.restUrl}${endpoint}`, { method: 'POST', body });
  }

  /** libpq environment for the superuser over this member's Unix socket (local trust, like Spilo's own scripts). */
  public socketEnv(database = 'postgres'): Record<string, string> {
    return { PGHOST: this.dir, PGPORT: String(this.pgPort), PGUSER: this.cluster.superuser, PGDATABASE: database, PGCONNECT_TIMEOUT: '5' };
  }

  /** Runs SQL through the Unix socket; resolves to trimmed stdout, rejects on failure. */
  public async query(sql: string, timeoutMs = 30_000): Promise<string> {
    const result = await execAsService('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], { env: this.socketEnv(), cwd: this.dir, timeoutMs });
    if (result.status !== 0) throw new Error(`psql on ${this.name} failed (${result.status}): ${result.stderr}`);
    return result.stdout.trim();
  }

  public async tryQuery(sql: string, timeoutMs = 10_000): Promise<string | undefined> {
    try {
      return await this.query(sql, timeoutMs);
    } catch {
      return undefined;
    }
  }

  public log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  public logTail(lines = 40): string {
    return this.log().split('\n').slice(-lines).join('\n');
  }

  public markStopped(): void {
    this.expectExit = true;
  }
}

// --- clusters ------------------------------------------------------------------------------------

export interface StartClusterOptions {
  /** Number of members to start. @default the manifest's replicas */
  readonly members?: number;
  /** Time each member gets to come up (initdb or basebackup, then PostgreSQL start). @default 180 s */
  readonly memberTimeoutMs?: number;
}

/** etcd plus Patroni members of one synthesized cluster, all under one temporary directory. */
export class PatroniCluster {
  /**
   * Starts etcd, validates every member's configuration, then starts the members one at a time:
   * member 0 bootstraps and must become the leader before the others clone from it (serialized so a
   * 2-core machine is not running initdb and two basebackups at once).
   */
  public static async start(spec: SynthesizedCluster, options: StartClusterOptions = {}): Promise<PatroniCluster> {
    ensureDebianPackages(['patroni', 'etcd-server', 'postgresql-15']);
    ensureInitdbLocales(spec.initdb);
    const root = serviceTempDir('patroni');
    registerCleanupRoot(root);
    const cluster = new PatroniCluster(spec, root, {
      superuserPassword: randomBytes(18).toString('base64url'),
      replicationPassword: randomBytes(18).toString('base64url'),
    });
    try {
      cluster.etcdServer = await EtcdServer.start({ parentDir: root });
      const used = new Set<number>();
      const port = async () => {
        for (;;) {
          const p = await freePort();
          if (!used.has(p)) {
            used.add(p);
            return p;
          }
        }
      };
      const count = options.members ?? spec.instances;
      for (let i = 0; i < count; i++) {
        const dir = path.join(root, `m${i}`);
        fs.mkdirSync(dir);
        const owner = fs.statSync(root);
        fs.chownSync(dir, owner.uid, owner.gid);
        fs.chmodSync(dir, 0o700);
        const member = new PatroniMember(spec, `${spec.scope}-${i}`, dir, await port(), await port());
        member.configure(cluster.etcd, cluster.secrets);
        cluster.members.push(member);
      }
      // Validate all before starting any: the validator also checks that the ports are still free.
      for (const member of cluster.members) member.validate();
      const timeout = options.memberTimeoutMs ?? 180_000;
      for (const [i, member] of cluster.members.entries()) {
        member.start();
        if (i === 0) await cluster.waitForLeader({ timeoutMs: timeout, expected: member });
        else await cluster.waitForReplica(member, { timeoutMs: timeout });
        const dropped = member.droppedParameters();
        if (dropped.length > 0) {
          throw new Error(`Patroni dropped parameters of the manifest instead of passing them to PostgreSQL (${member.name}):\n${dropped.join('\n')}`);
        }
      }
    } catch (e) {
      cluster.stop();
      throw e;
    }
    return cluster;
  }

  /**
   * A cluster of members another harness configured (the Kubernetes DCS one): the same waits, queries
   * and writer; `stop` kills the members and runs `onStop`.
   */
  public static of(spec: SynthesizedCluster, dir: string, secrets: ClusterSecrets, onStop: () => void = () => {}): PatroniCluster {
    const cluster = new PatroniCluster(spec, dir, secrets);
    cluster.onStop = onStop;
    return cluster;
  }

  public readonly members: PatroniMember[] = [];
  private etcdServer?: EtcdServer;
  private stopped = false;
  private onStop?: () => void;

  private constructor(public readonly spec: SynthesizedCluster, public readonly dir: string, public readonly secrets: ClusterSecrets) {}

  public get etcd(): EtcdServer {
    if (!this.etcdServer) throw new Error('etcd is not running');
    return this.etcdServer;
  }

  public member(name: string): PatroniMember {
    const member = this.members.find((m) => m.name === name);
    if (!member) throw new Error(`no member ${name}`);
    return member;
  }

  /** GET /cluster from the first running member that answers. */
  public async clusterState(): Promise<RestMember[] | undefined> {
    for (const member of this.members.filter((m) => m.running)) {
      const response = await member.get('/cluster');
      if (response?.status === 200 && Array.isArray(response.body?.members)) return response.body.members;
    }
    return undefined;
  }

  /** The member holding the leader lock whose PostgreSQL accepts writes, if any. */
  public async leader(): Promise<PatroniMember | undefined> {
    const state = await this.clusterState();
    const lock = state?.find((m) => m.role === 'leader' && m.state === 'running');
    if (!lock) return undefined;
    const member = this.member(lock.name);
    if (!member.running) return undefined;
    const status = await member.get('/patroni');
    if (!LEADER_ROLES.includes(status?.body?.role)) return undefined;
    return (await member.tryQuery('SELECT pg_is_in_recovery()')) === 'f' ? member : undefined;
  }

  /** Waits for a writable leader (optionally a given one, or any but `not`). */
  public async waitForLeader(options: { timeoutMs?: number; not?: PatroniMember; expected?: PatroniMember } = {}): Promise<PatroniMember> {
    let found: PatroniMember | undefined;
    const what = options.expected ? `${options.expected.name} to become the leader` : `a leader${options.not ? ` other than ${options.not.name}` : ''}`;
    try {
      await waitFor(what, async () => {
        for (const m of this.members) m.assertAlive();
        const leader = await this.leader();
        if (!leader || leader === options.not || (options.expected && leader !== options.expected)) return false;
        found = leader;
        return true;
      }, options.timeoutMs ?? 120_000, 500);
    } catch (e) {
      throw this.withLogs(e);
    }
    return found!;
  }

  /** Waits until `member` runs as a replica (GET /cluster) streaming from the current leader (pg_stat_replication). */
  public async waitForReplica(member: PatroniMember, options: { timeoutMs?: number } = {}): Promise<PatroniMember> {
    let leader: PatroniMember | undefined;
    try {
      await waitFor(`${member.name} to stream from the leader`, async () => {
        member.assertAlive();
        const state = await this.clusterState();
        const me = state?.find((m) => m.name === member.name);
        // Patroni 3 reports a replica as 'running', Patroni 4 as 'streaming'.
        if (!me || !REPLICA_ROLES.includes(me.role) || !['running', 'streaming'].includes(me.state)) return false;
        leader = await this.leader();
        if (!leader || leader === member) return false;
        const streaming = await leader.tryQuery(`SELECT state FROM pg_stat_replication WHERE application_name = '${member.name}'`);
        return streaming === 'streaming';
      }, options.timeoutMs ?? 180_000, 500);
    } catch (e) {
      throw this.withLogs(e);
    }
    return leader!;
  }

  /** Planned switchover through the REST API of the leader (Patroni 3.0.2 takes the key "leader"). */
  public async switchover(leader: PatroniMember, candidate?: PatroniMember): Promise<RestResponse> {
    const response = await leader.post('/switchover', { leader: leader.name, ...candidate ? { candidate: candidate.name } : {} });
    if (!response) throw new Error(`POST ${leader.restUrl}/switchover did not answer`);
    return response;
  }

  /**
   * libpq environment that behaves like the primary Service: every member listed, the first one that
   * accepts writes wins; TLS required as PostgresCluster.connectionEnvVars sets it.
   */
  public writerEnv(database = 'postgres'): Record<string, string> {
    return {
      PGHOST: this.members.map(() => '127.0.0.1').join(','),
      PGPORT: this.members.map((m) => String(m.pgPort)).join(','),
      PGTARGETSESSIONATTRS: 'read-write',
      PGUSER: this.spec.superuser,
      PGPASSWORD: this.secrets.superuserPassword,
      PGDATABASE: database,
      PGSSLMODE: 'require',
      PGCONNECT_TIMEOUT: '2',
    };
  }

  public memberByPort(port: number): PatroniMember | undefined {
    return this.members.find((m) => m.pgPort === port);
  }

  /** Kills everything (SIGKILL: the data is thrown away) and removes the directory. Safe to call twice. */
  public stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const member of this.members) member.kill();
    this.etcdServer?.stop();
    this.onStop?.();
    killProcessesUnder(this.dir);
    if (!process.env.PGAAS_KEEP_TEST_DIRS) fs.rmSync(this.dir, { recursive: true, force: true });
    unregisterCleanupRoot(this.dir);
  }

  /** Member log tails appended to an error, so a failed start says why (PostgreSQL's FATAL lines end up in Patroni's log). */
  public withLogs(e: unknown): Error {
    const message = e instanceof Error ? e.message : String(e);
    const logs = this.members.map((m) => `--- ${m.name} (${m.running ? 'running' : 'not running'}) ---\n${m.logTail(60)}`).join('\n');
    return new Error(`${message}\n${logs}`);
  }
}

// --- writes --------------------------------------------------------------------------------------

/** One INSERT attempt of the Writer. */
export interface WriteAttempt {
  readonly id: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** psql exited 0 and returned the server port: the commit was acknowledged. */
  readonly ok: boolean;
  /** PostgreSQL port of the server that acknowledged it. */
  readonly port?: number;
  readonly error?: string;
}

let nextWriteId = 1;

/**
 * An application writing through the "primary Service": one `psql -c INSERT` per write, so each
 * write is acknowledged (or not) on its own, with client-chosen ids (a write that failed on the client
 * but committed on the server is not counted, and does no harm).
 */
export class Writer {
  public static async create(cluster: PatroniCluster, table = 'ha_writes'): Promise<Writer> {
    const leader = await cluster.waitForLeader();
    await leader.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    return new Writer(cluster, table);
  }

  public readonly attempts: WriteAttempt[] = [];
  private loop?: Promise<void>;
  private running = false;

  private constructor(private readonly cluster: PatroniCluster, public readonly table: string) {}

  /** Starts writing: one INSERT at a time, `intervalMs` apart (≈15-25 writes/s on a small machine). */
  public start(intervalMs = 20): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const id = nextWriteId++;
        const startedAt = Date.now();
        const result = await execAsService('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', `INSERT INTO ${this.table} (id) VALUES (${id}) RETURNING inet_server_port()`], {
          env: this.cluster.writerEnv(), cwd: this.cluster.dir, timeoutMs: 15_000,
        });
        const port = Number(result.stdout.trim());
        const ok = result.status === 0 && Number.isInteger(port) && port > 0;
        this.attempts.push({ id, startedAt, endedAt: Date.now(), ok, port: ok ? port : undefined, error: ok ? undefined : result.stderr.trim() });
        await sleep(ok ? intervalMs : 100);
      }
    })();
  }

  public async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  public acknowledged(): WriteAttempt[] {
    return this.attempts.filter((a) => a.ok);
  }

  /** First acknowledged write that started after `time` (optionally on a given member). */
  public firstAcknowledgedAfter(time: number, member?: PatroniMember): WriteAttempt | undefined {
    return this.attempts.find((a) => a.ok && a.startedAt >= time && (member === undefined || a.port === member.pgPort));
  }

  /** Waits for an acknowledged write that started after `time`, on `member` if given. */
  public async waitForWriteAfter(time: number, member?: PatroniMember, timeoutMs = 120_000): Promise<WriteAttempt> {
    await waitFor(`a write acknowledged${member ? ` by ${member.name}` : ''}`, () => this.firstAcknowledgedAfter(time, member) !== undefined, timeoutMs, 50);
    return this.firstAcknowledgedAfter(time, member)!;
  }

  /** Acknowledged ids that `member` does not have. */
  public async missingOn(member: PatroniMember): Promise<number[]> {
    const present = new Set((await member.query(`SELECT id FROM ${this.table}`, 60_000)).split('\n').filter(Boolean).map(Number));
    return this.acknowledged().map((a) => a.id).filter((id) => !present.has(id));
  }
}

/**
 * Counts, every `intervalMs` until stopped, the members whose PostgreSQL does not answer `SELECT 1`. A member
 * that is down refuses at once; the generous timeout keeps a slow psql start on a busy machine from counting.
 */
export class DownSampler {
  public maxDown = 0;
  public samples = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(members: readonly PatroniMember[], intervalMs = 100) {
    this.loop = (async () => {
      while (this.running) {
        const down = (await Promise.all(members.map(async (m) => (await m.tryQuery('SELECT 1', 10_000)) !== '1'))).filter(Boolean).length;
        this.samples++;
        this.maxDown = Math.max(this.maxDown, down);
        await sleep(intervalMs);
      }
    })();
  }

  /** Stops sampling; resolves once the last sample is in. */
  public async stop(): Promise<{ maxDown: number; samples: number }> {
    this.running = false;
    await this.loop;
    return { maxDown: this.maxDown, samples: this.samples };
  }
}

/** What {@link underWrites} observed around its action. */
export interface UnderWrites<T> {
  readonly result: T;
  readonly writer: Writer;
  /** The most members down at one sample, and how many samples were taken. */
  readonly maxDown: number;
  readonly samples: number;
}

/**
 * Runs `action` while an application writes (a Writer into `table`) and a DownSampler counts members down;
 * after it, waits for a write acknowledged after the action (writes resumed), then stops both (also when
 * the action fails).
 */
export async function underWrites<T>(cluster: PatroniCluster, table: string, action: () => Promise<T>): Promise<UnderWrites<T>> {
  const writer = await Writer.create(cluster, table);
  writer.start();
  const sampler = new DownSampler(cluster.members);
  let result!: T;
  try {
    result = await action();
    await writer.waitForWriteAfter(Date.now());
  } finally {
    await sampler.stop();
    await writer.stop();
  }
  return { result, writer, maxDown: sampler.maxDown, samples: sampler.samples };
}

// --- settings ------------------------------------------------------------------------------------

const UNIT_FACTORS: Record<string, number> = {
  B: 1,
  kB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
  us: 0.001,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A setting in comparable form: memory in bytes and times in ms (SHOW prints "1GB" for "1024MB"). */
export function normalizeSetting(value: string): string {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB|us|ms|s|min|h|d)?\s*$/.exec(value);
  if (!match) return value.trim().toLowerCase();
  const number = Number(match[1]);
  return match[2] ? `${number * UNIT_FACTORS[match[2]]}${['us', 'ms', 's', 'min', 'h', 'd'].includes(match[2]) ? 'ms' : 'B'}` : String(number);
}

// --- preStop hook --------------------------------------------------------------------------------

/**
 * Runs the container's preStop command against a member, as the service user (as in the pod),
 * with the hook's log on stdout instead of the container's PID 1.
 */
export interface HookResult extends ExecResult { readonly durationMs: number }

export async function runPreStopHook(command: string[], restUrl: string, env: Record<string, string> = {}): Promise<HookResult> {
  const startedAt = Date.now();
  const result = await execAsService(command[0], command.slice(1), {
    env: { PATRONI_URL: restUrl, PRESTOP_LOG_FILE: '/dev/stdout', ...env },
    timeoutMs: 600_000,
  });
  return { ...result, durationMs: Date.now() - startedAt };
}
