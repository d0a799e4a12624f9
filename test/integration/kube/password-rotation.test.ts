import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { Credentials, PostgresCluster } from '../../../src';
import { SecretGeneratorScript } from '../../../src/credentials/secret-generator-script';
import { ControlPlane } from '../../harness/kube/control-plane';
import { GitOpsSync } from '../../harness/kube/gitops';
import { runJobContainer } from '../../harness/kube/job-runner';
import { passwordSyncPod, writeSecretVolumes } from '../../harness/kube/password-sync-pod';
import { startPoolerPod } from '../../harness/kube/pooler-pod';
import { execAsService } from '../../harness/patroni';
import { PgBouncerProcess, psqlAsync } from '../../harness/pgbouncer';
import { PG_BIN, PostgresServer } from '../../harness/postgres';
import { freePort, runAsService, serviceTempDir, sleep, spawnAsService, waitFor, writeServiceFile } from '../../harness/processes';

/*
 * Password rotation and PostgreSQL following a changed Secret, on a real API server (the generator
 * Job rotates with its own ServiceAccount token), real PostgreSQL 15 (TLS, SCRAM-only pg_hba, as
 * Spilo's) and real PgBouncer running the synthesized pgbouncer.ini. The password sync runs the
 * synthesized script and environment; the harness plays the kubelet for its Secret volumes: it
 * reads the Secret from the API server and replaces the files atomically, as the kubelet does.
 */

const NS = 'rot';
const NAME = 'rot-db';
const APP_SECRET = `app-user.${NAME}.credentials.postgresql.acid.zalan.do`;
let plane: ControlPlane;
let gitops: GitOpsSync;
let server: PostgresServer;
let bouncer: PgBouncerProcess;
let work: string;
let objects: any[];
/** app_user's password before the rotation (what PostgreSQL has until the sync follows). */
let oldPassword: string;
const observations: string[] = [];
const children: ChildProcess[] = [];

function synth(rotation: number): any[] {
  const chart = new Chart(Testing.app(), 'rot', { namespace: NS });
  new PostgresCluster(chart, 'db', {
    name: NAME,
    instances: 1,
    roles: [{ name: 'app_user' }],
    databases: [{ name: 'appdb', owner: 'app_user' }],
    connectionPooler: { replicas: 1 },
    passwordSync: true,
    roleCredentials: { app_user: Credentials.generated({ rotation }) },
  });
  return Testing.synth(chart);
}

const generatorJob = () => objects.find((o) => o.kind === 'Job' && o.spec.template.spec.containers[0].name === 'generate');
const bootstrapJob = () => objects.find((o) => o.kind === 'Job' && o.spec.template.spec.containers[0].name === 'bootstrap');
const syncDeployment = () => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `${NAME}-password-sync`);

async function secret(name: string): Promise<any> {
  return plane.admin.get(`/api/v1/namespaces/${NS}/secrets/${name}`);
}

async function secretPassword(name: string): Promise<string> {
  return Buffer.from((await secret(name)).data.password, 'base64').toString('utf8');
}

/** The sync container's command and env, with its mount paths under `root` and the Service pointed at the test server. */
async function syncProcess(root: string, extraEnv: Record<string, string> = {}): Promise<{ argv: string[]; env: Record<string, string> }> {
  const pod = await passwordSyncPod(plane, objects, NS, root, server);
  await writeSecretVolumes(plane, NS, pod.secretVolumes);
  expect(pod.serviceHost).toBe(`${NAME}.${NS}.svc`);
  return { argv: pod.argv, env: { ...pod.env, ...extraEnv } };
}

async function syncOnce(root: string, extraEnv: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  const { argv, env } = await syncProcess(root, { PGAAS_SYNC_ONCE: '1', ...extraEnv });
  const result = await execAsService(argv[0], argv.slice(1), { env, timeoutMs: 60_000 });
  return { status: result.status, output: result.stdout + result.stderr };
}

function canLogin(password: string, port = server.port, database = 'appdb'): Promise<boolean> {
  return psqlAsync('SELECT 1', { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'app_user', PGPASSWORD: password, PGDATABASE: database, PGSSLMODE: port === server.port ? 'require' : 'prefer', PGCONNECT_TIMEOUT: '5' }, 15_000)
    .then((r) => r.code === 0 && r.stdout === '1');
}

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false });
  await plane.createNamespace(NS, 'restricted');
  gitops = new GitOpsSync(plane, { prune: true });
  objects = synth(0);
  gitops.sync(objects);
  expect((await runJobContainer(plane, generatorJob())).status).toBe(0);
  work = serviceTempDir('rotation');
  server = await PostgresServer.start({ tls: true, hba: ['local all all trust', 'local replication all trust', 'hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all all reject'] });
  // What Patroni does when it bootstraps a Spilo cluster: the superuser gets the password of its Secret.
  const superuserPassword = await secretPassword(`postgres.${NAME}.credentials.postgresql.acid.zalan.do`);
  server.query(`ALTER ROLE postgres PASSWORD '${superuserPassword}'`);
  // The bundle's bootstrap Job (roles, database, the pooler's lookup function), its env from the Secrets.
  const bootstrap = await runJobContainer(plane, bootstrapJob(), { env: { PGHOST: server.host, PGPORT: String(server.port) } });
  expect({ status: bootstrap.status, stderr: bootstrap.stderr }).toEqual({ status: 0, stderr: '' });
  // The pooler pod: its init container writes the auth_file from the pooler's Secret, then PgBouncer starts.
  bouncer = await startPoolerPod(plane, objects, NS, NAME, work, server);
}, 900_000);

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  bouncer?.stop();
  server?.stop();
  plane?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  if (observations.length) process.stdout.write(`\nPassword rotation observations:\n${observations.map((o) => `  ${o}\n`).join('')}`);
});

describe('the password sync, on real PostgreSQL', () => {
  test('changes nothing when PostgreSQL has the Secrets\' passwords, repairs a role that drifted, and never prints a password', async () => {
    const root = serviceTempDir('sync-a');
    const superuserVerifier = server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'");
    const first = await syncOnce(root);
    expect(first).toEqual({ status: 0, output: expect.not.stringContaining('now has') });
    const password = await secretPassword(APP_SECRET);
    server.query("ALTER ROLE app_user PASSWORD 'drifted-away'");
    expect(await canLogin(password)).toBe(false);
    const repair = await syncOnce(root);
    expect(repair.status).toBe(0);
    expect(repair.output).toContain("role 'app_user': PostgreSQL now has the password of its Secret");
    expect(repair.output).not.toContain(password);
    expect(await canLogin(password)).toBe(true);
    expect(await canLogin('drifted-away')).toBe(false);
    expect(server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_user'")).toMatch(/^SCRAM-SHA-256\$4096:/);
    // Idempotent: the verifier (with its random salt) stays as it is.
    const verifier = server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_user'");
    expect((await syncOnce(root)).output).not.toContain('now has');
    expect(server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_user'")).toBe(verifier);
    // An md5 hash of the right password (which scram-sha-256 in pg_hba refuses) is replaced by a SCRAM verifier.
    server.query(`SET password_encryption = 'md5'; ALTER ROLE app_user PASSWORD '${password}'`);
    expect(server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_user'")).toMatch(/^md5/);
    expect((await syncOnce(root)).output).toContain('now has');
    expect(server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_user'")).toMatch(/^SCRAM-SHA-256\$/);
    expect(await canLogin(password)).toBe(true);
    // The superuser is never changed by the sync.
    expect(server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")).toBe(superuserVerifier);
    fs.rmSync(root, { recursive: true, force: true });
  }, 120_000);

  test('on a member in recovery (a Service still pointing at a demoted member) it changes nothing and reports the role as pending', async () => {
    const standby = serviceTempDir('standby');
    const data = path.join(standby, 'data');
    const port = await freePort();
    const copy = runAsService(`${PG_BIN}/pg_basebackup`, ['-D', data, '-h', server.dir, '-p', String(server.port), '-U', 'postgres', '-R', '-X', 'stream', '-c', 'fast']);
    expect(copy.status).toBe(0);
    fs.appendFileSync(path.join(data, 'postgresql.conf'), `port = ${port}\nunix_socket_directories = '${standby}'\n`);
    expect(runAsService(`${PG_BIN}/pg_ctl`, ['-D', data, '-l', path.join(standby, 'log'), '-w', '-t', '60', 'start']).status).toBe(0);
    const root = serviceTempDir('sync-standby');
    try {
      const password = await secretPassword(APP_SECRET);
      server.query("ALTER ROLE app_user PASSWORD 'drifted-again'");
      const verifier = server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_user'");
      await waitFor('the standby to replay the change', () => canLogin('drifted-again', port), 30_000);
      const onStandby = await syncOnce(root, { PGPORT: String(port) });
      expect(onStandby.status).toBe(1);
      expect(onStandby.output).toContain('the server is in recovery (not the leader): nothing changed');
      expect(server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_user'")).toBe(verifier);
      // The next pass that reaches the leader repairs it, and the standby follows by replication.
      expect((await syncOnce(root)).status).toBe(0);
      await waitFor('the standby to replay the repair', () => canLogin(password, port), 30_000);
    } finally {
      runAsService(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      fs.rmSync(standby, { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  test('a wrong superuser password fails loudly and changes nothing', async () => {
    const root = serviceTempDir('sync-b');
    const { argv, env } = await syncProcess(root, { PGAAS_SYNC_ONCE: '1' });
    // A superuser Secret that no longer matches PostgreSQL (changed underneath: the sync cannot follow it).
    writeServiceFile(path.join(root, 'pgaas/superuser/password'), 'wrong');
    const result = await execAsService(argv[0], argv.slice(1), { env, timeoutMs: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('ERROR: psql failed');
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);
});

describe('declarative rotation and PostgreSQL following it', () => {
  test('rotation 1 in code: the new generator Job (own token) rotates only that Secret, once; its Role may patch only it', async () => {
    const before = await secret(APP_SECRET);
    oldPassword = Buffer.from(before.data.password, 'base64').toString('utf8');
    const others = (await plane.admin.get(`/api/v1/namespaces/${NS}/secrets`)).items.filter((s: any) => s.metadata.name !== APP_SECRET)
      .map((s: any) => [s.metadata.name, s.metadata.resourceVersion]);
    const oldJob = generatorJob().metadata.name;
    objects = synth(1);
    const { pruned } = gitops.sync(objects);
    expect(generatorJob().metadata.name).not.toBe(oldJob);
    expect(pruned).toContain(`Job/${NS}/${oldJob}`);
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === `${NAME}-secrets`);
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['patch'], resourceNames: [APP_SECRET] });
    const run = await runJobContainer(plane, generatorJob());
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('password rotated for role \'app_user\' (rotation 1)');
    const after = await secret(APP_SECRET);
    expect(after.metadata.annotations[SecretGeneratorScript.ROTATION_ANNOTATION]).toBe('1');
    expect(after.data.password).not.toBe(before.data.password);
    expect(Buffer.from(after.data.password, 'base64').toString()).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(run.stdout + run.stderr).not.toContain(Buffer.from(after.data.password, 'base64').toString());
    const again = await runJobContainer(plane, generatorJob());
    expect(again.status).toBe(0);
    expect((await secret(APP_SECRET)).metadata.resourceVersion).toBe(after.metadata.resourceVersion);
    const othersAfter = (await plane.admin.get(`/api/v1/namespaces/${NS}/secrets`)).items.filter((s: any) => s.metadata.name !== APP_SECRET)
      .map((s: any) => [s.metadata.name, s.metadata.resourceVersion]);
    expect(othersAfter).toEqual(others);
    const client = await plane.clientFor(NS, generatorJob().spec.template.spec.serviceAccountName);
    const other = others.find(([n]: string[]) => n.startsWith('postgres.'))[0];
    const denied = await client.request('PATCH', `/api/v1/namespaces/${NS}/secrets/${other}`, { data: {} }, 'application/merge-patch+json');
    expect(denied.status).toBe(403);
    client.close();
  }, 180_000);

  test('PostgreSQL follows the rotated Secret within seconds; the pooler keeps serving; a reconnecting client that re-reads its password file logs in', async () => {
    const newPassword = await secretPassword(APP_SECRET);
    const stale = oldPassword;
    expect(await canLogin(stale)).toBe(true);
    expect(await canLogin(newPassword)).toBe(false);
    const syncRoot = serviceTempDir('sync-loop');
    const { argv, env } = await syncProcess(syncRoot);
    // The volumes as before the kubelet's refresh: the sync's and the app's files hold the old password.
    const roleFile = path.join(syncRoot, 'pgaas/roles/app_user/password');
    const appFile = path.join(work, 'app-password');
    writeServiceFile(appFile, stale);
    writeServiceFile(`${roleFile}.tmp`, stale);
    fs.renameSync(`${roleFile}.tmp`, roleFile);
    const previous = server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_user'");

    const log = path.join(syncRoot, 'sync.log');
    const child = spawnAsService(argv[0], argv.slice(1), log, { env });
    children.push(child);
    await waitFor('the sync loop to start', () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('following the passwords'), 30_000);
    // The probes run the synthesized commands against the heartbeat the loop touches every second.
    const container = syncDeployment().spec.template.spec.containers[0];
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      const [command, flag, check] = probe.exec.command;
      await waitFor('the probe to pass', async () => (await execAsService(command === 'python3' ? '/usr/bin/python3' : command, [flag, check.replace('/run/pgaas/', `${syncRoot}/run/pgaas/`)])).status === 0, 10_000);
    }

    // An established session through the pooler, and a client that reconnects every 200 ms with its password file.
    const session = spawn('psql', ['-X', '-qAt'], { env: { PATH: process.env.PATH, PGHOST: '127.0.0.1', PGPORT: String(bouncer.port), PGUSER: 'app_user', PGPASSWORD: stale, PGDATABASE: 'appdb', PGSSLMODE: 'prefer' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let sessionOut = '';
    session.stdout.on('data', (d) => (sessionOut += d));
    session.stdin.write('SELECT 41;\n');
    await waitFor('the pooled session', () => sessionOut.includes('41'), 15_000);
    let stop = false;
    const attempts: Array<{ ok: boolean; at: number }> = [];
    let appFailures = 0;
    const client = (async () => {
      while (!stop) {
        // libpq reads a password file on every connection attempt; on an authentication failure the app retries (re-reading it).
        let ok = false;
        for (let retry = 0; retry < 20 && !ok; retry++) {
          ok = await canLogin(fs.readFileSync(appFile, 'utf8'), bouncer.port);
          attempts.push({ ok, at: Date.now() });
          if (!ok) await sleep(250);
        }
        if (!ok) appFailures++;
        await sleep(200);
      }
    })();
    await sleep(2_000);
    // A running sync with unchanged files changes nothing.
    expect(server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_user'")).toBe(previous);

    // The Secret's change reaches both pods' volumes (the kubelet's refresh), at t0.
    const t0 = Date.now();
    writeServiceFile(`${roleFile}.tmp`, newPassword);
    fs.renameSync(`${roleFile}.tmp`, roleFile);
    writeServiceFile(appFile, newPassword);
    await waitFor('PostgreSQL to accept the new password', () => canLogin(newPassword), 30_000, 100);
    const followed = Date.now() - t0;
    await sleep(3_000);
    stop = true;
    await client;
    session.stdin.write('SELECT 42;\n');
    await waitFor('the pooled session after the rotation', () => sessionOut.includes('42'), 15_000);
    session.stdin.end();

    expect(await canLogin(stale)).toBe(false);
    expect(await canLogin(stale, bouncer.port)).toBe(false);
    expect(await canLogin(newPassword, bouncer.port)).toBe(true);
    expect(appFailures).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).not.toContain(newPassword);
    const failed = attempts.filter((a) => !a.ok && a.at >= t0);
    observations.push(`Secret file changed -> PostgreSQL accepts the new password: ${followed} ms (file watch 1 s, then one psql session)`);
    observations.push(`reconnecting client: ${attempts.length} login attempts, ${failed.length} refused in the window, 0 given up; established pooled session kept serving`);
    // The bound: the file is looked at every second, then one pass (two psql sessions).
    expect(followed).toBeLessThan(10_000);
    fs.rmSync(syncRoot, { recursive: true, force: true });
  }, 180_000);

  test('two generator runs of the next rotation at once rotate the Secret exactly once (the resourceVersion guard)', async () => {
    objects = synth(2);
    gitops.sync(objects);
    const before = await secret(APP_SECRET);
    const runs = await Promise.all([runJobContainer(plane, generatorJob()), runJobContainer(plane, generatorJob())]);
    expect(runs.map((r) => r.status)).toEqual([0, 0]);
    const after = await secret(APP_SECRET);
    expect(after.metadata.annotations[SecretGeneratorScript.ROTATION_ANNOTATION]).toBe('2');
    expect(after.data.password).not.toBe(before.data.password);
    const outputs = runs.map((r) => r.stdout).join('\n');
    expect(outputs.match(/password rotated for role 'app_user' \(rotation 2\)/g)).toHaveLength(1);
    observations.push(`concurrent rotation runs: ${runs.map((r) => r.stdout.split('\n').find((l) => l.includes(APP_SECRET.slice(0, 20)))?.replace(/^pgaas-secrets: /, '')).join(' | ')}`);
  }, 180_000);
});
