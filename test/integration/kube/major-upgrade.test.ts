import * as fs from 'fs';
import { Chart, Testing } from 'cdk8s';
import { BackupStorage, MajorUpgradeMode, PostgresCluster, PostgresClusterProps, StorageCredentials } from '../../../src';
import { ControlPlane } from '../../harness/kube/control-plane';
import { GitOpsSync } from '../../harness/kube/gitops';
import { runJobContainer } from '../../harness/kube/job-runner';
import { KubePatroniCluster, startKubePatroniCluster } from '../../harness/kube/patroni-cluster';
import { postgres14BinDir, SpiloStandIns, upgradeMembers, UpgradeTimings } from '../../harness/kube/spilo-upgrade';
import { PatroniMember } from '../../harness/patroni';
import { PG_BIN } from '../../harness/postgres';
import { waitFor } from '../../harness/processes';

/*
 * A declarative major upgrade, PostgreSQL 14 -> 15 with the real pg_upgrade, on the real control plane with real
 * Patroni 4 members: each GitOps revision is synthesized and applied with server-side apply and pruning; the
 * bundle's upgrade Job runs for real (its own script, psql, COPY ... PROGRAM on the leader's PostgreSQL); what
 * Spilo does inside the pods is played by the stand-ins of test/harness/kube/spilo-upgrade.ts (table there).
 */

const NS = 'upgrade';
const NAME = 'up-db';
const storage = BackupStorage.s3({ bucket: 'acme-pg', prefix: 'prod', endpoint: 'http://127.0.0.1:9', credentials: StorageCredentials.awsAccessKey('pg-s3') });
const ROWS = 20_000;

let plane: ControlPlane;
let gitops: GitOpsSync;
let k8s: KubePatroniCluster;
let standIns: SpiloStandIns;
let oldBinDir: string;
let first: any[];

function revision(postgresVersion: number, fromVersion?: number): any[] {
  const chart = new Chart(Testing.app(), 'upgrade', { namespace: NS });
  new PostgresCluster(chart, 'db', { name: NAME, instances: 2, postgresVersion, backup: { storage }, majorUpgrade: { fromVersion } });
  return Testing.synth(chart);
}

function jobOf(objects: any[], component: string): any {
  const jobs = objects.filter((o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === component);
  if (jobs.length !== 1) throw new Error(`expected one ${component} Job, found ${jobs.length}`);
  return { ...jobs[0], metadata: { ...jobs[0].metadata, namespace: NS } };
}

async function runUpgradeJob(objects: any[], leader: PatroniMember) {
  const env = { PGHOST: '127.0.0.1', PGPORT: String(leader.pgPort), PGAAS_UPGRADE_TIMEOUT_SECONDS: '600', ...standIns.jobEnv(leader, k8s.cluster.members) };
  return runJobContainer(plane, jobOf(objects, 'major-upgrade'), { env, timeoutMs: 900_000 });
}

async function majorOf(member: PatroniMember): Promise<number> {
  return Math.floor(Number(await member.query('SHOW server_version_num')) / 10000);
}

beforeAll(async () => {
  oldBinDir = postgres14BinDir();
  plane = await ControlPlane.start({ crds: false });
  await plane.createNamespace(NS, 'restricted');
  await plane.admin.expect('POST', `/api/v1/namespaces/${NS}/secrets`, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg-s3' }, stringData: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  });
  gitops = new GitOpsSync(plane, { prune: true });
  first = revision(14);
  gitops.sync(first);
  const generated = await runJobContainer(plane, jobOf(first, 'secret-generator'));
  if (generated.status !== 0) throw new Error(`secret generator: ${generated.stdout}${generated.stderr}`);
  k8s = await startKubePatroniCluster(plane, NS, NAME, { binDir: oldBinDir });
  standIns = new SpiloStandIns();
  for (const member of k8s.cluster.members) {
    await standIns.writeEnvDir(plane, k8s, member);
    await standIns.enableArchiving(member);
  }
  const leader = await k8s.cluster.waitForLeader();
  await leader.query(`CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, ${ROWS}) g`);
}, 900_000);

afterAll(async () => {
  k8s?.cluster.stop();
  plane?.stop();
  for (const dir of [oldBinDir, standIns?.dir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('raising postgresVersion from 14 to 15 through GitOps', () => {
  let second: any[];
  let timings: UpgradeTimings;

  test('at the running major the Job has nothing to do, twice', async () => {
    const leader = await k8s.cluster.waitForLeader();
    expect(await majorOf(leader)).toBe(14);
    for (let run = 0; run < 2; run++) {
      const result = await runUpgradeJob(first, leader);
      expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('the cluster runs PostgreSQL 14: nothing to do') });
    }
    expect(standIns.backups()).toEqual([]);
    expect(standIns.request()).toBeUndefined();
  }, 120_000);

  test('the raised version is a new Job (the old one is pruned); the old major still archives into its own path', async () => {
    const firstJob = jobOf(first, 'major-upgrade').metadata.name;
    second = revision(15, 14);
    const { pruned } = gitops.sync(second);
    expect(jobOf(second, 'major-upgrade').metadata.name).not.toBe(firstJob);
    // The dynamic-configuration Job is keyed on the declared configuration, which names the major: it is replaced too.
    expect(pruned).toContain(`Job/${NS}/${firstJob}`);
    expect(pruned.filter((key) => !key.startsWith(`Job/${NS}/up-db-config-`))).toEqual([`Job/${NS}/${firstJob}`]);
    const leader = await k8s.cluster.waitForLeader();
    // What a member restarted on the new pod template writes: Spilo derives the path from the data directory (14).
    for (const member of k8s.cluster.members) expect(await standIns.writeEnvDir(plane, k8s, member)).toBe('s3://acme-pg/prod/spilo/upgrade/up-db/wal/14');
    await leader.query('SELECT pg_switch_wal()');
    await waitFor('a 14 segment in the archive', () => standIns.pushes().length > 0, 60_000, 500);
    expect(standIns.pushes().every(([major, prefix]) => major === 14 && prefix.endsWith('/wal/14'))).toBe(true);
  }, 120_000);

  test('without an upgrade in place (the opt-out, or by default without backup) the raised version fails the Job at once (exit 3), nothing changed', async () => {
    const leader = await k8s.cluster.waitForLeader();
    const refusing = (props: Partial<PostgresClusterProps>) => {
      const chart = new Chart(Testing.app(), 'upgrade', { namespace: NS });
      new PostgresCluster(chart, 'db', { name: NAME, instances: 2, postgresVersion: 15, ...props });
      return Testing.synth(chart);
    };
    for (const objects of [refusing({ backup: { storage }, majorUpgrade: { mode: MajorUpgradeMode.REFUSE } }), refusing({})]) {
      const job = jobOf(objects, 'major-upgrade');
      expect(job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'PGAAS_UPGRADE_MODE').value).toBe('refuse');
      const result = await runUpgradeJob(objects, leader);
      expect({ status: result.status, stdout: result.stdout }).toEqual({
        status: 3, stdout: expect.stringContaining('REFUSED: the cluster runs PostgreSQL 14 and postgresVersion is 15, but majorUpgrade does not upgrade in place'),
      });
    }
    expect(standIns.backups()).toEqual([]);
    expect(standIns.request()).toBeUndefined();
    expect(await majorOf(leader)).toBe(14);
  }, 120_000);

  test('the pre-check refuses while a member still runs a pod of the old template, and changes nothing', async () => {
    const leader = await k8s.cluster.waitForLeader();
    const replica = k8s.cluster.members.find((m) => m !== leader)!;
    standIns.writePodEnvironment(replica, { PGVERSION: '14' });
    try {
      const result = await runUpgradeJob(second, leader);
      expect(result.status).toBe(4);
      expect(result.stdout).toContain('member 127.0.0.1 runs a pod started with PGVERSION 14, not 15: the StatefulSet rollout has not finished');
      expect(standIns.backups()).toEqual([]);
      expect(standIns.request()).toBeUndefined();
    } finally {
      await standIns.writeEnvDir(plane, k8s, replica);
    }
  }, 120_000);

  test('the pre-check refuses a cluster with a member down, and changes nothing', async () => {
    const leader = await k8s.cluster.waitForLeader();
    const replica = k8s.cluster.members.find((m) => m !== leader)!;
    replica.kill();
    try {
      const result = await runUpgradeJob(second, leader);
      expect(result.status).toBe(4);
      expect(result.stdout).toContain('the pre-check failed, nothing was changed');
      expect(result.stdout).toContain('0 replicas stream from the primary, 1 expected');
      expect(standIns.backups()).toEqual([]);
      expect(standIns.request()).toBeUndefined();
      expect(await majorOf(leader)).toBe(14);
    } finally {
      replica.start();
      await k8s.cluster.waitForReplica(replica, { timeoutMs: 120_000 });
    }
  }, 240_000);

  test('upgrades: a fresh backup of 14 first, pg_upgrade to 15, the archive switched only once 15 runs, every row kept', async () => {
    const leader = await k8s.cluster.waitForLeader();
    await waitFor('the replica to stream again', async () => (await leader.query('SELECT count(*) FROM pg_stat_replication WHERE state = \'streaming\'')) === '1', 60_000, 500);
    const job = runUpgradeJob(second, leader);
    await waitFor('the upgrade request', () => standIns.request() !== undefined, 300_000, 500);
    // When Spilo's script starts: the fresh base backup of 14 exists, and the request names the target and members.
    expect(standIns.request()).toBe('PGVERSION=15 members=2');
    expect(standIns.backups()).toEqual([[14, 's3://acme-pg/prod/spilo/upgrade/up-db/wal/14']]);
    try {
      timings = await upgradeMembers(plane, k8s, standIns, oldBinDir, PG_BIN, 15);
      standIns.finish(0);
    } catch (e) {
      standIns.finish(1);
      throw e;
    }
    const result = await job;
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('upgrade from 14 to 15 complete') });
    expect(result.stdout).toContain('the archive path is now s3://acme-pg/prod/spilo/upgrade/up-db/wal/15');

    for (const member of k8s.cluster.members) {
      expect(await majorOf(member)).toBe(15);
      expect(await member.query('SELECT count(*) FROM orders')).toBe(String(ROWS));
    }
    const pushes = standIns.pushes();
    // Never a segment of 14 in 15's path, nor of 15 in 14's; and 15 archives into its own path.
    expect(pushes.filter(([major, prefix]) => !prefix.endsWith(`/wal/${major}`))).toEqual([]);
    expect(pushes.some(([major]) => major === 15)).toBe(true);
    const stamps = [...result.stdout.matchAll(/^(\S+Z) major-upgrade:/gm)].map((m) => Date.parse(m[1]));
    console.log(`major upgrade 14 -> 15 (${ROWS} rows, 2 members): Job ${((stamps[stamps.length - 1] - stamps[0]) / 1000).toFixed(0)} s, pg_upgrade --link ${timings.pgUpgrade.toFixed(1)} s, `
      + `primary down ${timings.downtime.toFixed(1)} s, replica re-cloned in ${timings.replicasBack.toFixed(1)} s`);
  }, 900_000);

  test('a second run of the same Job is a no-op', async () => {
    const leader = await k8s.cluster.waitForLeader();
    const pushes = standIns.pushes().length;
    const result = await runUpgradeJob(second, leader);
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('the cluster runs PostgreSQL 15: nothing to do') });
    expect(standIns.backups()).toHaveLength(1);
    expect(standIns.pushes().length).toBe(pushes);
  }, 120_000);

  test('lowering postgresVersion again is refused by the Job (exit 3: its podFailurePolicy fails it at once)', async () => {
    const third = revision(14);
    gitops.sync(third);
    const leader = await k8s.cluster.waitForLeader();
    const result = await runUpgradeJob(third, leader);
    expect(result.status).toBe(3);
    expect(result.stdout).toContain('REFUSED: the cluster runs PostgreSQL 15 and postgresVersion is 14: a downgrade is impossible');
    expect(await majorOf(leader)).toBe(15);
  }, 120_000);
});
