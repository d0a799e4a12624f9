import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { Credentials, PostgresCluster, RotationStrategy } from '../../../src';
import { SecretGeneratorScript } from '../../../src/credentials/secret-generator-script';
import { ControlPlane } from '../../harness/kube/control-plane';
import { GitOpsSync } from '../../harness/kube/gitops';
import { runJobContainer } from '../../harness/kube/job-runner';
import { passwordSyncPod } from '../../harness/kube/password-sync-pod';
import { startPoolerPod } from '../../harness/kube/pooler-pod';
import { ExecResult } from '../../harness/patroni';
import { PgBouncerProcess, psqlAsync } from '../../harness/pgbouncer';
import { PostgresServer } from '../../harness/postgres';
import { serviceTempDir, sleep, spawnAsService, waitFor, writeServiceFile } from '../../harness/processes';

/*
 * Rotation with alternating users (RotationStrategy.ALTERNATING_USERS): zero refused logins for a client
 * that reconnects every ~100 ms with whatever pair its mounted Secret holds, across two rotations, directly
 * and through PgBouncer (the synthesized pgbouncer.ini, auth_query). Real API server (the generator Job
 * rotates with its own ServiceAccount token), real PostgreSQL 15 (TLS, SCRAM-only pg_hba as Spilo's), the
 * synthesized bootstrap SQL and password sync. The harness plays the kubelet for the Secret volumes the way
 * the kubelet writes them (a new timestamped directory, then the `..data` symlink swapped atomically), and
 * it refreshes the app's volume much sooner than the sync's: a Secret switched before PostgreSQL had the
 * new password would be refused. The only address rewrites: the Service names become 127.0.0.1 ports.
 */

const NS = 'alt';
const NAME = 'alt-db';
const ROLE = 'shop_app';
const LOGINS = [`${ROLE}_a`, `${ROLE}_b`];
const SECRET = `shop-app.${NAME}.credentials.postgresql.acid.zalan.do`;
/** The app's kubelet refreshes its volume every 200 ms; the sync's every 3 s (the worst order for a switch). */
const APP_REFRESH_MS = 200;
const SYNC_REFRESH_MS = 3_000;

let plane: ControlPlane;
let gitops: GitOpsSync;
let server: PostgresServer;
let bouncer: PgBouncerProcess;
let work: string;
let objects: any[];
let syncChild: ChildProcess | undefined;
let syncLog: string;
const volumes: SecretVolume[] = [];
let appVolume: SecretVolume;
let syncVolumes: SecretVolume[] = [];
let syncVolumesPaused = false;
const refreshers: NodeJS.Timeout[] = [];
const observations: string[] = [];

/** A second role, single-user until the last test switches it to alternating users (the migration). */
const LEGACY = 'legacy_app';
const LEGACY_SECRET = `legacy-app.${NAME}.credentials.postgresql.acid.zalan.do`;

function synth(rotation: number, legacy = RotationStrategy.SINGLE_USER): any[] {
  const chart = new Chart(Testing.app(), 'alt', { namespace: NS });
  new PostgresCluster(chart, 'db', {
    name: NAME,
    instances: 1,
    roles: [{ name: ROLE, connectionLimit: 40 }, { name: LEGACY }],
    databases: [{ name: 'shop', owner: ROLE }],
    connectionPooler: { replicas: 1 },
    passwordSync: true,
    roleCredentials: {
      [ROLE]: Credentials.generated({ rotation, rotationStrategy: RotationStrategy.ALTERNATING_USERS }),
      [LEGACY]: Credentials.generated({ rotationStrategy: legacy }),
    },
  });
  return Testing.synth(chart);
}

const generatorJob = () => objects.find((o) => o.kind === 'Job' && o.spec.template.spec.containers[0].name === 'generate');
const bootstrapJob = () => objects.find((o) => o.kind === 'Job' && o.spec.template.spec.containers[0].name === 'bootstrap');
const findRole = () => objects.find((o) => o.kind === 'Role' && o.metadata.name === `${NAME}-secrets`);
const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

async function secret(name = SECRET): Promise<any> {
  return plane.admin.get(`/api/v1/namespaces/${NS}/secrets/${name}`);
}

/**
 * A Secret volume as the kubelet writes it: the items in a new timestamped directory, then the `..data`
 * symlink replaced atomically (rename), each item a symlink through `..data`. A reader that resolves
 * `..data` once reads one consistent version of all items.
 */
class SecretVolume {
  private version = '';
  private generation = 0;

  constructor(public readonly dir: string, private readonly secretName: string, private readonly items: Array<{ key: string; path: string }>) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    volumes.push(this);
  }

  /** Rewrites the volume when the Secret changed; true when it did. */
  public async refresh(): Promise<boolean> {
    const current = await secret(this.secretName);
    if (current.metadata.resourceVersion === this.version) return false;
    const data = Object.fromEntries(this.items.map((i) => [i.path, decode(current.data[i.key])]));
    const versionDir = path.join(this.dir, `..${Date.now()}_${this.generation++}`);
    fs.mkdirSync(versionDir, { mode: 0o755 });
    for (const [file, value] of Object.entries(data)) writeServiceFile(path.join(versionDir, file), value, 0o640);
    fs.symlinkSync(path.basename(versionDir), path.join(this.dir, '..data_tmp'));
    fs.renameSync(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'));
    for (const item of this.items) {
      const link = path.join(this.dir, item.path);
      if (!fs.existsSync(link)) fs.symlinkSync(path.join('..data', item.path), link);
    }
    this.version = current.metadata.resourceVersion;
    return true;
  }

  /** The items of one version (what an app does when it reads the mounted Secret per connection). */
  public read(): Record<string, string> {
    const dir = fs.realpathSync(path.join(this.dir, '..data'));
    return Object.fromEntries(this.items.map((i) => [i.path, fs.readFileSync(path.join(dir, i.path), 'utf8')]));
  }
}

function every(ms: number, action: () => Promise<unknown>): void {
  let busy = false;
  refreshers.push(setInterval(() => {
    if (busy) return;
    busy = true;
    action().catch(() => undefined).finally(() => (busy = false));
  }, ms));
}

interface Login { readonly ok: boolean; readonly at: number; readonly user: string; readonly via: 'postgres' | 'pgbouncer'; readonly sessionUser?: string; readonly currentUser?: string; readonly error?: string }

function login(user: string, password: string, via: 'postgres' | 'pgbouncer', sql = 'SELECT session_user || \',\' || current_user'): Promise<Login> {
  const at = Date.now();
  const port = via === 'postgres' ? server.port : bouncer.port;
  return psqlAsync(sql, { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: user, PGPASSWORD: password, PGDATABASE: 'shop', PGSSLMODE: via === 'postgres' ? 'require' : 'prefer', PGCONNECT_TIMEOUT: '5' }, 15_000)
    .then((r) => {
      const [sessionUser, currentUser] = r.stdout.split('\n').pop()!.split(',');
      return { ok: r.code === 0, at, user, via, sessionUser, currentUser, error: r.code === 0 ? undefined : r.stderr };
    });
}

/**
 * A client that starts a new connection every 100 ms (at most 4 in flight), each with the pair its Secret volume
 * holds at that moment, until stopped.
 */
function reconnectingClient(via: 'postgres' | 'pgbouncer'): { stop: () => Promise<Login[]> } {
  const logins: Login[] = [];
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    if (inFlight.size >= 4 || !fs.existsSync(appVolume.dir)) return;
    const pair = appVolume.read();
    const attempt = login(pair.username, pair.password, via).then((l) => { logins.push(l); inFlight.delete(attempt); });
    inFlight.add(attempt);
  }, 100);
  return { stop: async () => { clearInterval(timer); await Promise.all(inFlight); return logins; } };
}

/** Polls the Secret every 50 ms and records each version (to check the order of the generator's writes). */
function secretRecorder(): { stop: () => Promise<any[]> } {
  let stopped = false;
  const versions: any[] = [];
  const loop = (async () => {
    while (!stopped) {
      const s = await secret();
      if (versions[versions.length - 1]?.metadata.resourceVersion !== s.metadata.resourceVersion) versions.push({ ...s, seenAt: Date.now() });
      await sleep(50);
    }
  })();
  return { stop: async () => { stopped = true; await loop; return versions; } };
}

/** The generator Job, its login check pointed at the test server (a Service name only cluster DNS resolves). */
async function runGenerator(env: Record<string, string> = {}): Promise<ExecResult & { ms: number }> {
  const job = JSON.parse(JSON.stringify(generatorJob()));
  const container = job.spec.template.spec.containers[0];
  const specs = container.env.find((e: any) => e.name === SecretGeneratorScript.ENV_SECRETS);
  const parsed = JSON.parse(specs.value);
  const spec = parsed.find((s: any) => s.name === SECRET);
  expect(spec.alternatingUsers).toEqual({ host: NAME, port: 5432 });
  spec.alternatingUsers = { host: '127.0.0.1', port: server.port };
  specs.value = JSON.stringify(parsed);
  const started = Date.now();
  const result = await runJobContainer(plane, job, { env, timeoutMs: 180_000 });
  return { ...result, ms: Date.now() - started };
}

async function startSync(): Promise<void> {
  const root = serviceTempDir('alt-sync');
  const pod = await passwordSyncPod(plane, objects, NS, root, server);
  syncVolumes = pod.secretVolumes.map((v) => new SecretVolume(v.dir, v.secretName, v.items));
  for (const v of syncVolumes) await v.refresh();
  syncLog = path.join(root, 'sync.log');
  syncChild = spawnAsService(pod.argv[0], pod.argv.slice(1), syncLog, { env: pod.env });
  await waitFor('the sync loop to start', () => fs.existsSync(syncLog) && fs.readFileSync(syncLog, 'utf8').includes('following the passwords'), 30_000);
  every(SYNC_REFRESH_MS, async () => {
    if (!syncVolumesPaused) for (const v of syncVolumes) await v.refresh();
  });
}

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false });
  await plane.createNamespace(NS, 'restricted');
  gitops = new GitOpsSync(plane, { prune: true });
  objects = synth(0);
  gitops.sync(objects);
  work = serviceTempDir('alternating');
  server = await PostgresServer.start({ tls: true, hba: ['local all all trust', 'local replication all trust', 'hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all all reject'] });
  expect((await runGenerator()).status).toBe(0);
  const superuserPassword = decode((await secret(`postgres.${NAME}.credentials.postgresql.acid.zalan.do`)).data.password);
  server.query(`ALTER ROLE postgres PASSWORD '${superuserPassword}'`);
  const bootstrap = await runJobContainer(plane, bootstrapJob(), { env: { PGHOST: server.host, PGPORT: String(server.port) } });
  expect({ status: bootstrap.status, stderr: bootstrap.stderr }).toEqual({ status: 0, stderr: '' });
  // The pooler pod: its init container writes the auth_file from the pooler's Secret, then PgBouncer starts.
  bouncer = await startPoolerPod(plane, objects, NS, NAME, work, server);
  // The app mounts its Secret's username and password (what addConnectionEnv's secretKeyRefs name).
  appVolume = new SecretVolume(path.join(work, 'app'), SECRET, [{ key: 'username', path: 'username' }, { key: 'password', path: 'password' }]);
  await appVolume.refresh();
  every(APP_REFRESH_MS, () => appVolume.refresh());
  await startSync();
}, 900_000);

afterAll(() => {
  for (const timer of refreshers) clearInterval(timer);
  if (syncChild?.exitCode === null && syncChild.pid) process.kill(-syncChild.pid, 'SIGKILL');
  bouncer?.stop();
  server?.stop();
  plane?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  if (syncLog) fs.rmSync(path.dirname(syncLog), { recursive: true, force: true });
  if (observations.length) process.stdout.write(`\nAlternating users observations:\n${observations.map((o) => `  ${o}\n`).join('')}`);
});

const owner = (table: string) => server.query(`SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = '${table}'`, { database: 'shop' });

describe('alternating users on real PostgreSQL, PgBouncer and the API server', () => {
  test('the bootstrap makes the declared role a NOLOGIN owner with two login members that act as it; the Secret holds the active pair', async () => {
    const s = await secret();
    expect(decode(s.data.username)).toBe(LOGINS[0]);
    expect(decode(s.data.password)).toBe(decode(s.data['password-a']));
    expect([decode(s.data['username-a']), decode(s.data['username-b'])]).toEqual(LOGINS);
    expect(decode(s.data['password-b'])).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(decode(s.data['password-b'])).not.toBe(decode(s.data['password-a']));
    expect(server.query(`SELECT rolname || ':' || rolcanlogin || ':' || rolconnlimit FROM pg_roles WHERE rolname LIKE '${ROLE}%' ORDER BY 1`).split('\n'))
      .toEqual([`${ROLE}:false:40`, `${LOGINS[0]}:true:40`, `${LOGINS[1]}:true:40`]);
    expect(server.query(`SELECT string_agg(m.rolname, ',' ORDER BY m.rolname) FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member WHERE a.roleid = '${ROLE}'::regrole`)).toBe(LOGINS.join(','));
    expect(server.query(`SELECT string_agg(r.rolname || '=' || array_to_string(s.setconfig, ';'), ',' ORDER BY r.rolname) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname LIKE '${ROLE}%'`))
      .toBe(LOGINS.map((l) => `${l}=role=${ROLE}`).join(','));
    // Both logins work directly and through the pooler, as themselves, acting as the declared role.
    for (const [i, user] of LOGINS.entries()) {
      for (const via of ['postgres', 'pgbouncer'] as const) {
        const result = await login(user, decode(s.data[`password-${'ab'[i]}`]), via);
        expect({ ok: result.ok, sessionUser: result.sessionUser, currentUser: result.currentUser })
          .toEqual({ ok: true, sessionUser: user, currentUser: ROLE });
      }
    }
    // The declared role cannot log in. A second bootstrap run changes nothing.
    expect((await login(ROLE, decode(s.data.password), 'postgres')).ok).toBe(false);
    const catalog = server.query(`SELECT string_agg(rolname || rolpassword, ',' ORDER BY rolname) FROM pg_authid WHERE rolname LIKE '${ROLE}%'`);
    expect((await runJobContainer(plane, bootstrapJob(), { env: { PGHOST: server.host, PGPORT: String(server.port) } })).status).toBe(0);
    expect(server.query(`SELECT string_agg(rolname || rolpassword, ',' ORDER BY rolname) FROM pg_authid WHERE rolname LIKE '${ROLE}%'`)).toBe(catalog);
  }, 120_000);

  test('two rotations while clients reconnect every ~100 ms with the pair their Secret file holds: 0 refused logins; the Job switches the Secret only after PostgreSQL accepts the new login', async () => {
    const clients = [reconnectingClient('postgres'), reconnectingClient('pgbouncer')];
    const tables: string[] = [];
    const logins: Login[] = [];
    const usedBy = (user: string) => logins.filter((l) => l.ok && l.user === user).length;
    try {
      await rotateTwice(tables);
      await sleep(2_000);
    } finally {
      logins.push(...(await Promise.all(clients.map((c) => c.stop()))).flat());
      observations.push(`reconnecting clients: ${logins.length} logins (${usedBy(LOGINS[0])} as ${LOGINS[0]}, ${usedBy(LOGINS[1])} as ${LOGINS[1]}), ${logins.filter((l) => !l.ok).length} refused`);
    }
    const refused = logins.filter((l) => !l.ok);
    expect(refused.map((l) => `${l.via} ${l.user}: ${l.error}`)).toEqual([]);
    expect(usedBy(LOGINS[0])).toBeGreaterThan(10);
    expect(usedBy(LOGINS[1])).toBeGreaterThan(10);
    expect(logins.every((l) => l.currentUser === ROLE)).toBe(true);
    for (const table of tables) expect(owner(table)).toBe(ROLE);
    expect(fs.readFileSync(syncLog, 'utf8')).not.toMatch(/[A-Za-z0-9]{64}/);
  }, 300_000);

  /** Rotations 1 and 2, each checked: the order of the generator's writes, both pairs working after it, ownership. */
  async function rotateTwice(tables: string[]): Promise<void> {
    for (const rotation of [1, 2]) {
      await sleep(2_000);
      const before = await secret();
      const activeBefore = decode(before.data.username);
      const [next, nextSuffix] = activeBefore === LOGINS[0] ? [LOGINS[1], 'b'] : [LOGINS[0], 'a'];
      objects = synth(rotation);
      gitops.sync(objects);
      const recorder = secretRecorder();
      const run = await runGenerator();
      await sleep(300);
      const versions = await recorder.stop();
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toContain(`switched to login '${next}' (rotation ${rotation}); '${activeBefore}' keeps its password`);
      // PATCH 1: only the inactive login's password and the pending mark; PATCH 2: the pair, once PostgreSQL accepted it.
      const annotation = (v: any, key: string) => v.metadata.annotations?.[key];
      const { PENDING_ROTATION_ANNOTATION: PENDING, ROTATION_ANNOTATION: DONE } = SecretGeneratorScript;
      expect(versions.map((v) => [decode(v.data.username), annotation(v, PENDING), annotation(v, DONE)]))
        .toEqual([[activeBefore, undefined, rotation === 1 ? undefined : '1'], [activeBefore, String(rotation), rotation === 1 ? undefined : '1'], [next, undefined, String(rotation)]]);
      const [, pending, switched] = versions;
      expect(decode(pending.data.password)).toBe(decode(before.data.password));
      expect(decode(pending.data[`password-${nextSuffix}`])).not.toBe(decode(before.data[`password-${nextSuffix}`]));
      expect(decode(switched.data.password)).toBe(decode(pending.data[`password-${nextSuffix}`]));
      // The previously active login keeps its password.
      expect(decode(switched.data[`password-${activeBefore.slice(-1)}`])).toBe(decode(before.data.password));
      const lines = run.stdout.split('\n');
      const order = ['(rotation ' + rotation + ' pending)', 'PostgreSQL accepts login', 'switched to login'].map((text) => lines.findIndex((l) => l.includes(text)));
      expect(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]))).toBe(true);
      expect(run.stdout + run.stderr).not.toContain(decode(switched.data.password));
      const waited = lines.find((l) => l.includes('PostgreSQL accepts login'))!.match(/after ([\d.]+)s/)![1];
      observations.push(`rotation ${rotation}: generator Job ${run.ms} ms; PATCH 1 -> PostgreSQL accepts ${next}: ${waited} s (the sync's volume refreshed every ${SYNC_REFRESH_MS / 1000} s, then the 1 s file check and one pass); PATCH 1 -> PATCH 2 seen ${switched.seenAt - pending.seenAt} ms`);
      // Both pairs log in now, directly and through the pooler.
      for (const via of ['postgres', 'pgbouncer'] as const) {
        expect((await login(activeBefore, decode(before.data.password), via)).ok).toBe(true);
        expect((await login(next, decode(switched.data.password), via)).ok).toBe(true);
      }
      // What either login creates belongs to the declared role.
      await waitFor('the app to read the new pair', () => appVolume.read().username === next, 10_000, 50);
      for (const [user, password, via] of [[activeBefore, decode(before.data.password), 'postgres'], [next, decode(switched.data.password), 'pgbouncer']] as const) {
        const table = `made_by_${user}_r${rotation}_${via}`;
        const created = await login(user, password, via, `CREATE TABLE ${table} (id int)`);
        expect(created.error ?? '').toBe('');
        tables.push(table);
      }
    }
  }

  test('a rotation whose new login PostgreSQL does not accept in time changes only the inactive login; a later run (two at once) finishes it once', async () => {
    const before = await secret();
    const active = decode(before.data.username);
    const inactiveSuffix = active === LOGINS[0] ? 'b' : 'a';
    objects = synth(3);
    gitops.sync(objects);
    // The sync's volume is not refreshed (a kubelet that lags): PostgreSQL keeps the inactive login's old password.
    syncVolumesPaused = true;
    const failed = await runGenerator({ PGAAS_LOGIN_WAIT_SECONDS: '4' });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('did not accept the new password');
    const stuck = await secret();
    expect(decode(stuck.data.username)).toBe(active);
    expect(decode(stuck.data.password)).toBe(decode(before.data.password));
    expect(stuck.metadata.annotations[SecretGeneratorScript.PENDING_ROTATION_ANNOTATION]).toBe('3');
    expect(stuck.metadata.annotations[SecretGeneratorScript.ROTATION_ANNOTATION]).toBe('2');
    expect((await login(active, decode(before.data.password), 'pgbouncer')).ok).toBe(true);
    syncVolumesPaused = false;
    const runs = await Promise.all([runGenerator(), runGenerator()]);
    expect(runs.map((r) => r.status)).toEqual([0, 0]);
    const after = await secret();
    expect(after.metadata.annotations[SecretGeneratorScript.ROTATION_ANNOTATION]).toBe('3');
    expect(after.metadata.annotations[SecretGeneratorScript.PENDING_ROTATION_ANNOTATION]).toBeUndefined();
    expect(decode(after.data.username)).not.toBe(active);
    // The password written by the failed run is the one switched to: the resumed runs did not write another.
    expect(decode(after.data.password)).toBe(decode(stuck.data[`password-${inactiveSuffix}`]));
    expect(runs.map((r) => r.stdout).join('\n').match(/switched to login/g)).toHaveLength(1);
    observations.push(`interrupted rotation: ${runs.map((r) => r.stdout.split('\n').filter((l) => l.includes(SECRET.slice(0, 12))).pop()?.replace(/^pgaas-secrets: /, '')).join(' | ')}`);
  }, 300_000);

  test('switching an existing single-user role: the Secret is converted (the first login takes over its password), the bootstrap makes the role NOLOGIN', async () => {
    const before = await secret(LEGACY_SECRET);
    const password = decode(before.data.password);
    expect(decode(before.data.username)).toBe(LEGACY);
    expect((await login(LEGACY, password, 'postgres')).ok).toBe(true);
    objects = synth(3, RotationStrategy.ALTERNATING_USERS);
    gitops.sync(objects);
    expect(findRole().rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['patch'], resourceNames: [SECRET, LEGACY_SECRET].sort() });
    const run = await runGenerator();
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toContain(`converted to alternating users, active login '${LEGACY}_a'`);
    const converted = await secret(LEGACY_SECRET);
    expect([decode(converted.data.username), decode(converted.data.password), decode(converted.data['password-a'])]).toEqual([`${LEGACY}_a`, password, password]);
    expect(decode(converted.data['password-b'])).toMatch(/^[A-Za-z0-9]{64}$/);
    // Until the bootstrap of that revision has run, the new pair is refused (the documented migration window).
    expect((await login(`${LEGACY}_a`, password, 'postgres')).ok).toBe(false);
    const bootstrap = await runJobContainer(plane, bootstrapJob(), { env: { PGHOST: server.host, PGPORT: String(server.port) } });
    expect({ status: bootstrap.status, stderr: bootstrap.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await login(`${LEGACY}_a`, password, 'pgbouncer')).toMatchObject({ ok: true, sessionUser: `${LEGACY}_a`, currentUser: LEGACY });
    expect((await login(`${LEGACY}_b`, decode(converted.data['password-b']), 'postgres')).ok).toBe(true);
    expect((await login(LEGACY, password, 'postgres')).ok).toBe(false);
    // A second run changes nothing.
    const again = await runGenerator();
    expect(again.stdout).toContain(`exists, left untouched (active login '${LEGACY}_a')`);
    expect((await secret(LEGACY_SECRET)).metadata.resourceVersion).toBe(converted.metadata.resourceVersion);
  }, 180_000);
});
