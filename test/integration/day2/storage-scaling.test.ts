import * as fs from 'fs';
import * as path from 'path';
import { Chart, Size, Testing, Yaml } from 'cdk8s';
import { PostgresCluster, SynchronousMode } from '../../../src';
import { PostgresClusterProps } from '../../../src/cluster/props';
import { ControlPlane, GITOPS_FIELD_MANAGER } from '../../harness/kube/control-plane';
import { disruptUnderWrites } from '../../harness/kube/failover';
import { GitOpsSync } from '../../harness/kube/gitops';
import { runJobContainer } from '../../harness/kube/job-runner';
import { KubePatroniCluster, startKubePatroniCluster } from '../../harness/kube/patroni-cluster';
import { terminateMemberPod } from '../../harness/kube/pod-lifecycle';
import { FakeStorage } from '../../harness/kube/storage';
import { waitFor } from '../../harness/processes';

/*
 * Day 2 through GitOps, on a real API server and StatefulSet controller: storage growth (revision
 * after revision applied by GitOpsSync, claims created by the StatefulSet controller, grown by the
 * bundle's Job with its own ServiceAccount token) and scaling with real Patroni 4 members (a new pod
 * gets a member, a removed pod's member stops after the pod's own preStop hook). The storage
 * stand-ins (binding, resizer, kubelet file system expansion) are listed in test/harness/kube/storage.ts.
 */

const NS = 'day2';
let plane: ControlPlane;
let storage: FakeStorage;

function synth(props: PostgresClusterProps): any[] {
  const chart = new Chart(Testing.app(), 'day2', { namespace: NS });
  new PostgresCluster(chart, 'db', props);
  return Testing.synth(chart);
}

function findJob(objects: any[], prefix: string): any {
  const jobs = objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith(prefix));
  if (jobs.length !== 1) throw new Error(`expected one Job ${prefix}*, found ${jobs.length}`);
  return jobs[0];
}

const claimPath = (name: string) => `/api/v1/namespaces/${NS}/persistentvolumeclaims/${name}`;
const getClaim = (name: string) => plane.admin.get(claimPath(name));
const claimSizes = async (names: string[]) => Promise.all(names.map(async (n) => {
  const c = await getClaim(n);
  return { name: n, requested: c.spec.resources.requests.storage, capacity: c.status?.capacity?.storage };
}));

async function waitForBoundClaims(names: string[]): Promise<void> {
  await waitFor(`claims ${names.join(', ')} Bound`, async () => {
    const claims = await Promise.all(names.map((n) => plane.admin.request('GET', claimPath(n))));
    return claims.every((c) => c.status === 200 && c.body.status?.phase === 'Bound');
  }, 60_000, 250);
}

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false });
  await plane.createNamespace(NS, 'restricted');
  storage = new FakeStorage(plane.admin, NS);
  await storage.createStorageClass('expandable', true);
  await storage.createStorageClass('fixed', false);
  storage.start();
}, 900_000);

afterAll(async () => {
  await storage?.stop();
  plane?.stop();
});

describe('storage growth through GitOps', () => {
  const NAME = 'vol-db';
  const gitops = () => sync;
  let sync: GitOpsSync;
  const created = { storage: Size.gibibytes(1), storageClassName: 'expandable' };
  const grownTo = (gib: number, instances: number): PostgresClusterProps => ({
    name: NAME, instances, storage: Size.gibibytes(gib), storageClassName: 'expandable', volumeClaimTemplate: created,
  });
  const claims = (n: number) => Array.from({ length: n }, (_, i) => `pgdata-${NAME}-${i}`);

  beforeAll(() => {
    sync = new GitOpsSync(plane, { prune: true });
  });

  test('revision 1 creates the claims; a plain larger storage is refused by the API server', async () => {
    gitops().sync(synth({ name: NAME, instances: 2, ...created }));
    await waitForBoundClaims(claims(2));
    expect(await claimSizes(claims(2))).toEqual(claims(2).map((name) => ({ name, requested: '1Gi', capacity: '1Gi' })));

    // What broke the sync before: the new size lands in volumeClaimTemplates, which are immutable.
    const naive = path.join(plane.dir, 'naive.yaml');
    fs.writeFileSync(naive, Yaml.stringify(...synth({ name: NAME, instances: 2, storage: Size.gibibytes(2), storageClassName: 'expandable' })));
    const refused = plane.kubectl(['apply', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '--dry-run=server', '-f', naive]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/The StatefulSet "vol-db" is invalid: spec.volumeClaimTemplates: Invalid value: .*field is immutable/);
  }, 120_000);

  test('revision 2 (storage 2Gi, volumeClaimTemplate recorded) is accepted; the Job grows every claim; a re-sync changes nothing', async () => {
    const objects = synth(grownTo(2, 2));
    gitops().sync(objects);
    const sts = await plane.admin.get(`/apis/apps/v1/namespaces/${NS}/statefulsets/${NAME}`);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');

    const job = findJob(objects, `${NAME}-volumes-`);
    // The Job controller's pod is admitted where Pod Security "restricted" is enforced.
    await waitFor('the Job\'s pod', async () => (await plane.admin.get(`/api/v1/namespaces/${NS}/pods?labelSelector=job-name%3D${job.metadata.name}`)).items.length === 1, 30_000, 250);
    const startedAt = Date.now();
    const run = await runJobContainer(plane, job, { env: { PGAAS_POLL_SECONDS: '0.5' } });
    const tookMs = Date.now() - startedAt;
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('every claim has the declared size') });
    expect(await claimSizes(claims(2))).toEqual(claims(2).map((name) => ({ name, requested: '2Gi', capacity: '2Gi' })));
    for (const name of claims(2)) expect((await plane.admin.get(`/api/v1/persistentvolumes/pv-${NS}-${name}`)).spec.capacity.storage).toBe('2Gi');
    // eslint-disable-next-line no-console
    console.log(`storage growth 1Gi -> 2Gi, 2 claims, online expansion stand-in: Job ${tookMs} ms\n${run.stdout}`);

    // Drift-free: the same revision again changes no object, and the Job (same name) changes no claim.
    const versions = async () => Promise.all(claims(2).map(async (n) => (await getClaim(n)).metadata.resourceVersion));
    const before = { generation: (await plane.admin.get(`/apis/apps/v1/namespaces/${NS}/statefulsets/${NAME}`)).metadata.generation, claims: await versions() };
    expect(gitops().sync(synth(grownTo(2, 2))).created).toEqual([]);
    const file = path.join(plane.dir, 'revision-again.yaml');
    fs.writeFileSync(file, Yaml.stringify(...objects));
    const diff = plane.kubectl(['diff', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', file]);
    expect({ status: diff.status, stdout: diff.stdout }).toEqual({ status: 0, stdout: '' });
    expect(findJob(synth(grownTo(2, 2)), `${NAME}-volumes-`).metadata.name).toBe(job.metadata.name);
    const again = await runJobContainer(plane, job);
    expect(again.status).toBe(0);
    expect({ generation: (await plane.admin.get(`/apis/apps/v1/namespaces/${NS}/statefulsets/${NAME}`)).metadata.generation, claims: await versions() }).toEqual(before);
  }, 180_000);

  test('a member added after the growth starts at the template size, and the new Job grows its claim', async () => {
    const previous = findJob(synth(grownTo(2, 2)), `${NAME}-volumes-`).metadata.name;
    const objects = synth(grownTo(2, 3));
    const { created: added, pruned } = gitops().sync(objects);
    const job = findJob(objects, `${NAME}-volumes-`);
    // Like Argo CD and Flux: the new Job is created, the previous one pruned.
    expect(added.map((o) => o.metadata.name)).toContain(job.metadata.name);
    expect(pruned).toContain(`Job/${NS}/${previous}`);
    await waitForBoundClaims(claims(3));
    expect((await getClaim(`pgdata-${NAME}-2`)).spec.resources.requests.storage).toBe('1Gi');
    const run = await runJobContainer(plane, job, { env: { PGAAS_POLL_SECONDS: '0.5' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`pgdata-${NAME}-2: requested 2Gi (was 1Gi)`);
    expect(await claimSizes(claims(3))).toEqual(claims(3).map((name) => ({ name, requested: '2Gi', capacity: '2Gi' })));
  }, 180_000);

  test('offline expansion: the Job succeeds once the volumes are grown and names the members whose restart finishes it', async () => {
    storage.expansion = 'offline';
    try {
      const objects = synth(grownTo(3, 3));
      gitops().sync(objects);
      const run = await runJobContainer(plane, findJob(objects, `${NAME}-volumes-`), { env: { PGAAS_POLL_SECONDS: '0.5' } });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`restart these members to finish (kubectl rollout restart statefulset): ${claims(3).join(', ')}`);
      for (const claim of await Promise.all(claims(3).map(getClaim))) {
        expect(claim.spec.resources.requests.storage).toBe('3Gi');
        expect(claim.status.capacity.storage).toBe('2Gi');
        expect(claim.status.conditions.map((c: any) => c.type)).toEqual(['FileSystemResizePending']);
      }
    } finally {
      // The members restart (the stand-in's kubelet finishes the file system expansion).
      storage.expansion = 'online';
    }
    await waitFor('file systems grown', async () => (await claimSizes(claims(3))).every((c) => c.capacity === '3Gi'), 30_000, 250);
  }, 180_000);

  test('a declared size below what the claims request fails the Job (volumes never shrink) and changes nothing; the API server refuses it too', async () => {
    const objects = synth(grownTo(2, 3));
    gitops().sync(objects);
    const run = await runJobContainer(plane, findJob(objects, `${NAME}-volumes-`));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`pgdata-${NAME}-0 requests 3Gi, more than the declared 2Gi: a volume cannot shrink; declare at least 3Gi`);
    expect((await claimSizes(claims(3))).map((c) => c.requested)).toEqual(['3Gi', '3Gi', '3Gi']);
    const shrink = await plane.admin.request('PATCH', claimPath(`pgdata-${NAME}-0`), { spec: { resources: { requests: { storage: '2Gi' } } } }, 'application/merge-patch+json');
    expect(shrink.status).toBe(422);
    expect(shrink.body.message).toContain('can not be less than status.capacity');
    gitops().sync(synth(grownTo(3, 3)));
  }, 180_000);

  test('a StorageClass without allowVolumeExpansion: the API server refuses, and the Job fails with its reason', async () => {
    const fixed = new GitOpsSync(plane, { prune: true });
    fixed.sync(synth({ name: 'fixed-db', instances: 1, storage: Size.gibibytes(1), storageClassName: 'fixed' }));
    await waitForBoundClaims(['pgdata-fixed-db-0']);
    const objects = synth({ name: 'fixed-db', instances: 1, storage: Size.gibibytes(2), storageClassName: 'fixed', volumeClaimTemplate: { storage: Size.gibibytes(1), storageClassName: 'fixed' } });
    fixed.sync(objects);
    const job = findJob(objects, 'fixed-db-volumes-');
    const run = await runJobContainer(plane, job);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    expect(await claimSizes(['pgdata-fixed-db-0'])).toEqual([{ name: 'pgdata-fixed-db-0', requested: '1Gi', capacity: '1Gi' }]);

    // Least privilege: the Job's token reaches its own claims only.
    const client = await plane.clientFor(NS, job.spec.template.spec.serviceAccountName);
    expect((await client.request('GET', claimPath('pgdata-fixed-db-0'))).status).toBe(200);
    expect((await client.request('GET', claimPath(`pgdata-${NAME}-0`))).status).toBe(403);
    expect((await client.request('PATCH', claimPath(`pgdata-${NAME}-0`), { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json')).status).toBe(403);
    expect((await client.request('GET', `/api/v1/namespaces/${NS}/persistentvolumeclaims`)).status).toBe(403);
    expect((await client.request('DELETE', claimPath('pgdata-fixed-db-0'))).status).toBe(403);
    client.close();
  }, 180_000);

  test('scaling down keeps the removed member\'s claim; pruning the whole cluster keeps every claim, which no GitOps field manager owns', async () => {
    gitops().sync(synth(grownTo(3, 2)));
    await waitFor('the StatefulSet at 2 pods', async () => {
      const pods = (await plane.admin.get(`/api/v1/namespaces/${NS}/pods?labelSelector=cluster-name%3D${NAME}`)).items as any[];
      return pods.length === 2 && !pods.some((p) => p.metadata.name === `${NAME}-2`);
    }, 60_000, 250);
    expect((await getClaim(`pgdata-${NAME}-2`)).status.phase).toBe('Bound');

    // The cluster leaves Git: the tool prunes what it applied (the StatefulSet among them), never the claims.
    const { pruned } = gitops().sync([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'placeholder', namespace: NS }, data: {} }]);
    expect(pruned).toContain(`StatefulSet/${NS}/${NAME}`);
    await waitFor('the StatefulSet and its pods gone', async () => {
      const sts = await plane.admin.request('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets/${NAME}`);
      const pods = (await plane.admin.get(`/api/v1/namespaces/${NS}/pods?labelSelector=cluster-name%3D${NAME}`)).items as any[];
      return sts.status === 404 && pods.length === 0;
    }, 60_000, 250);
    for (const name of claims(3)) {
      const claim = await getClaim(name);
      expect(claim.metadata.deletionTimestamp).toBeUndefined();
      expect(claim.metadata.ownerReferences ?? []).toEqual([]);
      expect((claim.metadata.managedFields as any[]).map((m) => m.manager)).not.toContain(GITOPS_FIELD_MANAGER);
      expect(claim.spec.resources.requests.storage).toBe('3Gi');
    }
  }, 180_000);
});

describe('scaling with real Patroni 4 members', () => {
  const NAME = 'scale-db';
  let sync: GitOpsSync;
  let k8s: KubePatroniCluster;
  const props = (instances: number, synchronousNodeCount: number): PostgresClusterProps => ({
    name: NAME, instances, storageClassName: 'expandable', patroni: { synchronousMode: SynchronousMode.ON, synchronousNodeCount },
  });
  const pdbStatus = async () => (await plane.admin.get(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/${NAME}`)).status;
  const syncStandbys = async () => ((await plane.admin.get(`/api/v1/namespaces/${NS}/configmaps/${NAME}-sync`)).metadata.annotations?.sync_standby ?? '').split(',').filter(Boolean).sort();

  beforeAll(async () => {
    sync = new GitOpsSync(plane, { prune: true });
    const objects = synth(props(3, 1));
    sync.sync(objects);
    const generator = findJob(objects, `${NAME}-secrets-`);
    expect((await runJobContainer(plane, generator)).status).toBe(0);
    k8s = await startKubePatroniCluster(plane, NS, NAME);
  }, 900_000);

  afterAll(() => {
    k8s?.cluster.stop();
  });

  test('scaling down to 2 with synchronousNodeCount 2 fails at synth time; with 1 it applies', () => {
    expect(() => synth(props(2, 2))).toThrow(/patroni.synchronousNodeCount: 2 is invalid: must be at most instances - 1 = 1/);
    expect(() => synth(props(2, 1))).not.toThrow();
  });

  test('scale down 3 -> 2 with the leader on the highest ordinal: its preStop hook switches over first, no acknowledged write is lost, its claim stays', async () => {
    const target = k8s.cluster.member(`${NAME}-2`);
    const leader = await k8s.cluster.waitForLeader();
    if (leader !== target) {
      // A manual failover (a switchover must target the synchronous standby, which may be another member).
      const answer = await leader.post('/failover', { candidate: target.name });
      expect(answer?.status).toBe(200);
      await k8s.cluster.waitForLeader({ expected: target, timeoutMs: 60_000 });
    }
    await waitFor('the PDB allows one disruption of 3', async () => {
      const s = await pdbStatus();
      return s?.expectedPods === 3 && s?.currentHealthy === 3 && s?.disruptionsAllowed === 1;
    }, 60_000, 500);

    // A settled cluster: one synchronous standby (synchronousNodeCount 1), both replicas streaming.
    const settled = async () => {
      const members = ((await target.get('/cluster'))?.body?.members ?? []) as any[];
      const streaming = members.filter((m) => m.state === 'streaming' && typeof m.lag === 'number');
      return streaming.length === 2 && streaming.filter((m) => m.role === 'sync_standby').length === 1;
    };
    await waitFor('one synchronous standby, both replicas streaming', settled, 60_000, 500);
    const scaleDown = await disruptUnderWrites(k8s.cluster, async () => {
      sync.sync(synth(props(2, 1)));
      const hook = await terminateMemberPod(plane, k8s, target.name);
      return { hook, leader: await k8s.cluster.waitForLeader({ not: target, timeoutMs: 60_000 }) };
    }, { table: 'scale_writes' });
    const { hook, leader: newLeader, startedAt, firstWrite, writer } = scaleDown;
    expect(hook.stdout).toMatch(new RegExp(`switching over from ${target.name} to ${NAME}-[01]`));
    expect(hook.stdout).toContain(`${target.name} is no longer the leader`);
    expect(scaleDown.missing).toEqual([]);
    const failed = writer.attempts.filter((a) => !a.ok && a.startedAt >= startedAt).length;
    // eslint-disable-next-line no-console
    console.log(`scale down 3 -> 2, leader on ${target.name}: hook ${hook.durationMs} ms, first write on ${newLeader.name} after ${firstWrite.endedAt - startedAt} ms, `
      + `acknowledged ${writer.acknowledged().length}, failed attempts ${failed}\n${hook.stdout}`);
    expect((await getClaim(`pgdata-${target.name}`)).metadata.deletionTimestamp).toBeUndefined();
    await waitFor('the PDB at 2 members', async () => {
      const s = await pdbStatus();
      return s?.expectedPods === 2 && s?.currentHealthy === 2 && s?.disruptionsAllowed === 1;
    }, 60_000, 500);
    const remaining = k8s.cluster.members.map((m) => m.name).sort();
    expect(remaining).toEqual([`${NAME}-0`, `${NAME}-1`]);
    const leaderNow = await k8s.cluster.waitForLeader();
    await waitFor('the remaining replica is the synchronous standby', async () => JSON.stringify(await syncStandbys()) === JSON.stringify(remaining.filter((n) => n !== leaderNow.name)), 60_000, 500);
    // Patroni 4 keeps a departed member's replication slot for member_slots_ttl (30 min by default).
    expect(await leaderNow.query('SELECT slot_name FROM pg_replication_slots ORDER BY 1')).toContain(target.name.replace(/-/g, '_'));
  }, 300_000);

  test('scale up 2 -> 3: the returning pod gets its retained volume back and streams again; the PDB follows', async () => {
    const startedAt = Date.now();
    sync.sync(synth(props(3, 1)));
    const member = await k8s.addMember(`${NAME}-2`);
    const tookMs = Date.now() - startedAt;
    const leader = await k8s.cluster.waitForLeader();
    await waitFor('3 members streaming', async () => (await leader.query('SELECT count(*) FROM pg_stat_replication WHERE state = \'streaming\'')) === '2', 60_000, 500);
    // Its data survived: the rows written before it left are there without a new base backup.
    expect(Number(await member.query('SELECT count(*) FROM scale_writes'))).toBeGreaterThan(0);
    expect(member.log().split('==== harness: starting').pop()).not.toContain('bootstrap from leader');
    await waitFor('the PDB at 3 members', async () => {
      const s = await pdbStatus();
      return s?.expectedPods === 3 && s?.currentHealthy === 3 && s?.disruptionsAllowed === 1;
    }, 60_000, 500);
    // eslint-disable-next-line no-console
    console.log(`scale up 2 -> 3 (retained volume): streaming after ${tookMs} ms`);
  }, 300_000);
});
