import { Chart, Duration, Size, Testing } from 'cdk8s';
import { ClusterBootstrap, Credentials, PostgresCluster, PostgresClusterProps, SynchronousMode } from '../../../src';
import { ControlPlane } from '../../harness/kube/control-plane';
import { GitOpsSync } from '../../harness/kube/gitops';
import { runJobContainer } from '../../harness/kube/job-runner';
import { KubePatroniCluster, startKubePatroniCluster } from '../../harness/kube/patroni-cluster';
import { ExecResult, normalizeSetting, underWrites } from '../../harness/patroni';
import { waitFor } from '../../harness/processes';

/*
 * Day 2 through GitOps: Patroni settings and PostgreSQL parameters of a running cluster follow the
 * declaration. Each revision is synthesized, applied like Argo CD/Flux (server-side apply, prune), and
 * its configuration Job is run as its pod would run (no ServiceAccount token; the members' REST API
 * reached at their 127.0.0.2 addresses instead of the pod DNS names the Job has in a cluster), against
 * real Patroni 4.0.4 members on the Kubernetes DCS.
 */

const NS = 'day2';
const NAME = 'day2-db';
const BASE: PostgresClusterProps = { name: NAME, instances: 3, resources: { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(512) } } };

let plane: ControlPlane;
let gitops: GitOpsSync;
let objects: any[];
let k8s: KubePatroniCluster;
/** The standby cluster's objects (synced in the same revisions as the primary cluster's). */
let drObjects: any[] = [];
let dr: KubePatroniCluster | undefined;

function synthCluster(props: PostgresClusterProps): any[] {
  const chart = new Chart(Testing.app(), 'day2', { namespace: NS });
  new PostgresCluster(chart, 'db', props);
  return Testing.synth(chart);
}

/** A new revision of the repository: the primary cluster with `props`, the standby cluster as it is. */
function revision(props: Partial<PostgresClusterProps>): any[] {
  objects = synthCluster({ ...BASE, ...props });
  gitops.sync([...objects, ...drObjects]);
  return objects;
}

function jobNamed(pattern: RegExp, among: any[] = objects): any {
  const found = among.filter((o) => o.kind === 'Job' && pattern.test(o.metadata.name));
  if (found.length !== 1) throw new Error(`expected one Job matching ${pattern}, found ${found.length}`);
  return found[0];
}

function desired(): any {
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${NAME}-dynamic-config`);
  return JSON.parse(configMap.data['dynamic-configuration.json']);
}

/** Runs the configuration Job of the current revision; the member URLs become the members' local REST addresses. */
async function runConfigJob(among: any[] = objects, cluster: KubePatroniCluster = k8s): Promise<ExecResult & { durationMs: number }> {
  const started = Date.now();
  const result = await runJobContainer(plane, jobNamed(/-config-[0-9a-f]{10}$/, among), {
    env: { PATRONI_URLS: cluster.cluster.members.map((m) => m.restUrl).join(' ') },
    timeoutMs: 900_000,
  });
  if (result.status !== 0) throw new Error(`the configuration Job failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return { ...result, durationMs: Date.now() - started };
}

async function dcsConfig(): Promise<any> {
  const leader = await k8s.cluster.waitForLeader();
  return (await leader.get('/config'))!.body;
}

async function showOnEvery(name: string): Promise<string[]> {
  return Promise.all(k8s.cluster.members.map((m) => m.query(`SHOW ${name}`)));
}

async function statefulSet(): Promise<any> {
  return plane.admin.get(`/apis/apps/v1/namespaces/${NS}/statefulsets/${NAME}`);
}

async function postmasterStarts(): Promise<Record<string, string>> {
  const entries = await Promise.all(k8s.cluster.members.map(async (m) => [m.name, await m.query('SELECT pg_postmaster_start_time()')] as const));
  return Object.fromEntries(entries);
}

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false });
  await plane.createNamespace(NS, 'restricted');
  gitops = new GitOpsSync(plane, { prune: true });
  revision({ parameters: { statement_timeout: '30s' } });
  const generator = jobNamed(/^day2-db-secrets-/);
  const secrets = await runJobContainer(plane, generator);
  if (secrets.status !== 0) throw new Error(`secret generator failed: ${secrets.stderr}`);
  k8s = await startKubePatroniCluster(plane, NS, NAME);
}, 900_000);

afterAll(async () => {
  dr?.cluster.stop();
  k8s?.cluster.stop();
  plane?.stop();
});

describe('the configuration Job on real Patroni 4 members', () => {
  test('revision 1: the members bootstrapped with the declared configuration, so the first run changes nothing', async () => {
    const run = await runConfigJob();
    expect(run.stdout).toContain('the dynamic configuration is as declared');
    expect(run.stdout).toContain('no member needs a restart');
    const config = await dcsConfig();
    const want = desired();
    for (const [name, value] of Object.entries(want.postgresql.parameters)) {
      expect([name, String(config.postgresql.parameters[name])]).toEqual([name, value]);
    }
    expect(config.ttl).toBe(want.ttl);
    expect(await showOnEvery('statement_timeout')).toEqual(['30s', '30s', '30s']);
  }, 300_000);

  test('revision 2: a Patroni setting, a reload parameter and a removed parameter apply without a restart or a pod template change', async () => {
    const before = await statefulSet();
    const starts = await postmasterStarts();
    revision({ parameters: { work_mem: '7MB' }, patroni: { ttl: Duration.seconds(35), maximumLagOnFailover: Size.mebibytes(16) } });
    const synced = Date.now();
    const run = await runConfigJob();
    expect(run.stdout).toContain('PATCH /config');
    expect(run.stdout).toContain('no member needs a restart');
    await waitFor('work_mem and statement_timeout on every member', async () =>
      JSON.stringify(await showOnEvery('work_mem')) === JSON.stringify(['7MB', '7MB', '7MB'])
      && JSON.stringify(await showOnEvery('statement_timeout')) === JSON.stringify(['0', '0', '0']), 120_000, 250);
    const tookMs = Date.now() - synced;
    const config = await dcsConfig();
    expect(config.ttl).toBe(35);
    expect(config.maximum_lag_on_failover).toBe(16 * 1024 * 1024);
    expect(config.postgresql.parameters.work_mem).toBe('7MB');
    expect(config.postgresql.parameters.statement_timeout).toBeUndefined();
    // No restart, and the pod template did not change (no rollout).
    expect(await postmasterStarts()).toEqual(starts);
    const after = await statefulSet();
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.spec.template).toEqual(before.spec.template);
    // eslint-disable-next-line no-console
    console.log(`reload change + Patroni settings: Job ${run.durationMs} ms, effective on every member ${tookMs} ms after the sync`);

    const again = await runConfigJob();
    expect(again.stdout).toContain('the dynamic configuration is as declared');
    expect(again.stdout).not.toContain('PATCH');
    expect(again.stdout).not.toContain('restarting');
  }, 600_000);

  test('revision 3: a parameter that needs a restart: replicas one at a time, a switchover, then the former leader; no acknowledged write lost', async () => {
    const before = await statefulSet();
    const starts = await postmasterStarts();
    const oldLeader = await k8s.cluster.waitForLeader();
    let synced = 0;
    let tookMs = 0;
    const { result: run, writer, maxDown, samples } = await underWrites(k8s.cluster, 'day2_writes', async () => {
      revision({ parameters: { work_mem: '7MB', max_files_per_process: '1500' }, patroni: { ttl: Duration.seconds(35), maximumLagOnFailover: Size.mebibytes(16) } });
      synced = Date.now();
      const job = await runConfigJob();
      await waitFor('max_files_per_process on every member', async () =>
        JSON.stringify(await showOnEvery('max_files_per_process')) === JSON.stringify(['1500', '1500', '1500']), 120_000, 250);
      tookMs = Date.now() - synced;
      return job;
    });
    const newLeader = await k8s.cluster.waitForLeader();
    expect(newLeader).not.toBe(oldLeader);
    expect(run.stdout).toContain(`switching over from ${oldLeader.name}`);
    const order = [...run.stdout.matchAll(/restarting (\S+)/g)].map((m) => m[1]);
    expect(order.filter((n) => n !== oldLeader.name)).toHaveLength(2);
    // Every member restarted exactly once (the former leader by its demotion or a restart after it).
    const after = await postmasterStarts();
    for (const member of k8s.cluster.members) expect(after[member.name]).not.toBe(starts[member.name]);
    expect(maxDown).toBeLessThanOrEqual(1);
    expect(samples).toBeGreaterThan(10);
    expect(writer.acknowledged().length).toBeGreaterThan(0);
    expect(await writer.missingOn(newLeader)).toEqual([]);
    for (const member of k8s.cluster.members) expect((await member.get('/patroni'))?.body?.pending_restart).toBeFalsy();
    expect((await statefulSet()).metadata.generation).toBe(before.metadata.generation);
    // eslint-disable-next-line no-console
    console.log(`restart change: Job ${run.durationMs} ms, effective on every member ${tookMs} ms after the sync; order ${order.join(', ')}; max members down ${maxDown}; ${writer.acknowledged().length} acknowledged writes, ${writer.attempts.length - writer.acknowledged().length} failed attempts`);

    const again = await runConfigJob();
    expect(again.stdout).toContain('the dynamic configuration is as declared');
    expect(again.stdout).toContain('no member needs a restart');
    expect(again.stdout).not.toContain('restarting');
    expect(normalizeSetting((await showOnEvery('work_mem'))[0])).toBe(normalizeSetting('7MB'));
  }, 900_000);

  test('revision 4: synchronous mode on, then off again, without a restart', async () => {
    const starts = await postmasterStarts();
    const keep = { parameters: { work_mem: '7MB', max_files_per_process: '1500' }, patroni: { ttl: Duration.seconds(35), maximumLagOnFailover: Size.mebibytes(16) } };
    revision({ ...keep, patroni: { ...keep.patroni, synchronousMode: SynchronousMode.ON } });
    const synced = Date.now();
    const run = await runConfigJob();
    expect(run.stdout).toContain('"synchronous_mode": true');
    await waitFor('a synchronous standby', async () => (await k8s.cluster.clusterState())?.some((m) => m.role === 'sync_standby') === true, 120_000, 250);
    const tookMs = Date.now() - synced;
    const leader = await k8s.cluster.waitForLeader();
    expect(await leader.query('SHOW synchronous_standby_names')).not.toBe('');
    expect((await dcsConfig()).synchronous_mode).toBe(true);
    expect((await runConfigJob()).stdout).toContain('the dynamic configuration is as declared');

    revision(keep);
    const run2 = await runConfigJob();
    expect(run2.stdout).toContain('"synchronous_mode": false');
    await waitFor('no synchronous standby', async () => (await k8s.cluster.clusterState())?.every((m) => m.role !== 'sync_standby') === true, 120_000, 250);
    await waitFor('synchronous_standby_names empty', async () => (await leader.query('SHOW synchronous_standby_names')) === '', 60_000, 250);
    expect(await postmasterStarts()).toEqual(starts);
    // eslint-disable-next-line no-console
    console.log(`synchronous mode on: Job ${run.durationMs} ms, a sync standby ${tookMs} ms after the sync`);
  }, 600_000);
});


describe('promotion of a standby cluster by removing its source', () => {
  const DR = 'day2-dr';
  const DR_BASE: PostgresClusterProps = {
    ...BASE,
    name: DR,
    instances: 2,
    // The standby replicates as the primary cluster's replication user (its Secret, in the same namespace).
    replicationCredentials: Credentials.fromSecret(`standby.${NAME}.credentials.postgresql.acid.zalan.do`),
  };

  test('a standby cluster streaming from the primary is promoted by a revision without `source`, with no pod change', async () => {
    const primary = await k8s.cluster.waitForLeader();
    await primary.query('CREATE TABLE IF NOT EXISTS dr_marker (id int PRIMARY KEY); INSERT INTO dr_marker VALUES (1) ON CONFLICT DO NOTHING');
    // The members of this machine listen on 127.0.0.2: the standby streams from the primary's port there.
    drObjects = synthCluster({ ...DR_BASE, source: ClusterBootstrap.standbyOf({ host: '127.0.0.2', port: primary.pgPort }) });
    expect(JSON.parse(drObjects.find((o) => o.metadata.name === `${DR}-dynamic-config`).data['dynamic-configuration.json']).standby_cluster)
      .toEqual({ host: '127.0.0.2', port: primary.pgPort });
    gitops.sync([...objects, ...drObjects]);
    const secrets = await runJobContainer(plane, jobNamed(/^day2-dr-secrets-/, drObjects));
    if (secrets.status !== 0) throw new Error(`secret generator failed: ${secrets.stderr}`);
    dr = await startKubePatroniCluster(plane, NS, DR, { standby: true });
    const standbyLeader = dr.cluster.members[0];
    await waitFor('the marker row on the standby leader', async () => (await standbyLeader.tryQuery('SELECT count(*) FROM dr_marker')) === '1', 60_000, 500);
    expect(await standbyLeader.query('SELECT pg_is_in_recovery()')).toBe('t');
    const first = await runConfigJob(drObjects, dr);
    expect(first.stdout).toContain('the dynamic configuration is as declared');
    const before = await plane.admin.get(`/apis/apps/v1/namespaces/${NS}/statefulsets/${DR}`);

    drObjects = synthCluster(DR_BASE);
    expect(drObjects.find((o) => o.metadata.name === `${DR}-dynamic-config`).data['dynamic-configuration.json']).not.toContain('standby_cluster');
    gitops.sync([...objects, ...drObjects]);
    const synced = Date.now();
    const run = await runConfigJob(drObjects, dr);
    expect(run.stdout).toContain('"standby_cluster": null');
    const promoted = await dr.cluster.waitForLeader({ timeoutMs: 120_000 });
    const tookMs = Date.now() - synced;
    await promoted.query('INSERT INTO dr_marker VALUES (2)');
    expect((await promoted.get('/config'))!.body.standby_cluster).toBeUndefined();
    await dr.cluster.waitForReplica(dr.cluster.members.find((m) => m !== promoted)!, { timeoutMs: 120_000 });
    const after = await plane.admin.get(`/apis/apps/v1/namespaces/${NS}/statefulsets/${DR}`);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    // The primary cluster is untouched: it never got the promoted cluster's write.
    expect(await (await k8s.cluster.waitForLeader()).query('SELECT count(*) FROM dr_marker')).toBe('1');
    // eslint-disable-next-line no-console
    console.log(`promotion: Job ${run.durationMs} ms, writable ${tookMs} ms after the sync`);
    const again = await runConfigJob(drObjects, dr);
    expect(again.stdout).toContain('the dynamic configuration is as declared');
  }, 900_000);
});
