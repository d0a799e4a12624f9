import { Chart, Size, Testing } from 'cdk8s';
import { PostgresCluster, PostgresClusterProps } from '../../../src';
import { ControlPlane } from '../../harness/kube/control-plane';
import { GitOpsSync } from '../../harness/kube/gitops';
import { runJobContainer } from '../../harness/kube/job-runner';
import { KubePatroniCluster, startKubePatroniCluster } from '../../harness/kube/patroni-cluster';
import { ExecResult, PatroniMember, underWrites, Writer } from '../../harness/patroni';
import { waitFor } from '../../harness/processes';

/*
 * Day 2 through GitOps: the parameters a hot standby must hold at least as high as its primary
 * (max_connections, max_worker_processes, ... as recorded in pg_control) lowered and raised on a running
 * 3-member cluster with a writer running. PostgreSQL refuses a standby whose value is below the primary's;
 * Patroni 4 starts a replica with the value from pg_control when the declared one is lower and keeps
 * pending_restart. So a lowering must restart the primary first (its new value reaches the replicas'
 * pg_control through the WAL), a raise the replicas first. Real Patroni 4.0.4 members on the Kubernetes DCS;
 * each revision's configuration Job runs as its pod would (the members' local REST addresses instead of DNS).
 */

const NS = 'hot-standby';
const NAME = 'hs-db';
const BASE: PostgresClusterProps = { name: NAME, instances: 3, resources: { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(512) } } };
const HIGH = { max_connections: '200', max_worker_processes: '16' };
const LOW = { max_connections: '100', max_worker_processes: '8' };

let plane: ControlPlane;
let gitops: GitOpsSync;
let objects: any[];
let k8s: KubePatroniCluster;

function revision(parameters: Record<string, string>): void {
  const chart = new Chart(Testing.app(), 'hs', { namespace: NS });
  new PostgresCluster(chart, 'db', { ...BASE, parameters });
  objects = Testing.synth(chart);
  gitops.sync(objects);
}

function jobNamed(pattern: RegExp): any {
  const found = objects.filter((o) => o.kind === 'Job' && pattern.test(o.metadata.name));
  if (found.length !== 1) throw new Error(`expected one Job matching ${pattern}, found ${found.length}`);
  return found[0];
}

async function runConfigJob(): Promise<ExecResult & { durationMs: number }> {
  const started = Date.now();
  const result = await runJobContainer(plane, jobNamed(/-config-[0-9a-f]{10}$/), {
    env: { PATRONI_URLS: k8s.cluster.members.map((m) => m.restUrl).join(' ') },
    timeoutMs: 900_000,
  });
  if (result.status !== 0) throw new Error(`the configuration Job failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return { ...result, durationMs: Date.now() - started };
}

async function showOnEvery(name: string): Promise<string[]> {
  return Promise.all(k8s.cluster.members.map((m) => m.query(`SHOW ${name}`)));
}

async function expectEveryMemberAt(values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    expect([name, await showOnEvery(name)]).toEqual([name, k8s.cluster.members.map(() => value)]);
  }
  for (const member of k8s.cluster.members) {
    const status = (await member.get('/patroni'))?.body;
    expect([member.name, status?.pending_restart ?? false, status?.pending_restart_reason]).toEqual([member.name, false, undefined]);
  }
}

interface Change {
  readonly run: ExecResult & { durationMs: number };
  readonly tookMs: number;
  readonly maxDown: number;
  readonly samples: number;
  readonly writer: Writer;
  readonly oldLeader: PatroniMember;
  readonly newLeader: PatroniMember;
  readonly restarted: string[];
}

/** Syncs a revision with `parameters` and runs its Job while a writer writes and a sampler counts members down. */
async function change(parameters: Record<string, string>, table: string): Promise<Change> {
  const oldLeader = await k8s.cluster.waitForLeader();
  let tookMs = 0;
  const { result: run, writer, maxDown, samples } = await underWrites(k8s.cluster, table, async () => {
    revision(parameters);
    const synced = Date.now();
    const job = await runConfigJob();
    await waitFor('the new values on every member', async () => {
      for (const [name, value] of Object.entries(parameters)) {
        if ((await showOnEvery(name)).some((v) => v !== value)) return false;
      }
      return true;
    }, 120_000, 250);
    tookMs = Date.now() - synced;
    return job;
  });
  const newLeader = await k8s.cluster.waitForLeader();
  const restarted = [...run.stdout.matchAll(/restarting (\S+)/g)].map((m) => m[1]);
  return { run, tookMs, maxDown, samples, writer, oldLeader, newLeader, restarted };
}

function report(what: string, c: Change): void {
  // eslint-disable-next-line no-console
  console.log(`${what}: Job ${c.run.durationMs} ms, every member at the new values ${c.tookMs} ms after the sync; `
    + `restarts ${c.restarted.join(', ')}; leader ${c.oldLeader.name} -> ${c.newLeader.name}; max members down ${c.maxDown} of ${c.samples} samples; `
    + `${c.writer.acknowledged().length} acknowledged writes, ${c.writer.attempts.length - c.writer.acknowledged().length} failed attempts\n${c.run.stdout}`);
}

async function expectNoLoss(c: Change): Promise<void> {
  expect(c.maxDown).toBeLessThanOrEqual(1);
  expect(c.samples).toBeGreaterThan(10);
  expect(c.writer.acknowledged().length).toBeGreaterThan(0);
  expect(await c.writer.missingOn(c.newLeader)).toEqual([]);
  // A rerun of the same revision finds nothing to do.
  const again = await runConfigJob();
  expect(again.stdout).toContain('the dynamic configuration is as declared');
  expect(again.stdout).toContain('no member needs a restart');
  expect(again.stdout).not.toContain('restarting');
}

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false });
  await plane.createNamespace(NS, 'restricted');
  gitops = new GitOpsSync(plane, { prune: true });
  revision(HIGH);
  const secrets = await runJobContainer(plane, jobNamed(/^hs-db-secrets-/));
  if (secrets.status !== 0) throw new Error(`secret generator failed: ${secrets.stderr}`);
  k8s = await startKubePatroniCluster(plane, NS, NAME);
}, 900_000);

afterAll(async () => {
  k8s?.cluster.stop();
  plane?.stop();
});

/** Lowering then raising, `RUNS` times (PGAAS_HOT_STANDBY_RUNS, default 1: the measurements of the README take 3). */
const RUNS = Number(process.env.PGAAS_HOT_STANDBY_RUNS ?? '1');

describe('hot-standby-bound parameters of a running cluster', () => {
  test('the members bootstrapped at the declared high values', async () => {
    await expectEveryMemberAt(HIGH);
    const run = await runConfigJob();
    expect(run.stdout).toContain('the dynamic configuration is as declared');
  }, 300_000);

  for (let i = 1; i <= RUNS; i++) {
    test(`run ${i}: lowering max_connections 200 -> 100 and max_worker_processes 16 -> 8 restarts the leader first, in place, then each replica`, async () => {
      const c = await change(LOW, `lower_writes_${i}`);
      report(`lowering run ${i}`, c);
      await expectEveryMemberAt(LOW);
      // The leader first: a replica cannot go below the value its primary runs (pg_control holds it).
      expect(c.restarted[0]).toBe(c.oldLeader.name);
      expect(c.restarted).toHaveLength(3);
      expect(new Set(c.restarted).size).toBe(3);
      // No switchover: a promoted replica would still run the higher value.
      expect(c.run.stdout).not.toContain('switching over');
      expect(c.newLeader.name).toBe(c.oldLeader.name);
      await expectNoLoss(c);
    }, 900_000);

    test(`run ${i}: raising max_connections 100 -> 200 and max_worker_processes 8 -> 16 restarts the replicas first, then switches over`, async () => {
      const c = await change(HIGH, `raise_writes_${i}`);
      report(`raising run ${i}`, c);
      await expectEveryMemberAt(HIGH);
      expect(c.restarted.slice(0, 2)).not.toContain(c.oldLeader.name);
      expect(c.run.stdout).toContain(`switching over from ${c.oldLeader.name}`);
      expect(c.newLeader.name).not.toBe(c.oldLeader.name);
      await expectNoLoss(c);
    }, 900_000);
  }

  test('one raised and one lowered in a revision: the replicas take the raise, then the leader restarts in place, then the replicas again', async () => {
    const MIXED = { max_connections: '300', max_worker_processes: '8' };
    const c = await change(MIXED, 'mixed_writes');
    report('mixed', c);
    await expectEveryMemberAt(MIXED);
    const replicas = k8s.cluster.members.filter((m) => m.name !== c.oldLeader.name).map((m) => m.name).sort();
    expect(c.restarted.slice(0, 2).sort()).toEqual(replicas);
    expect(c.restarted[2]).toBe(c.oldLeader.name);
    expect(c.restarted.slice(3).sort()).toEqual(replicas);
    expect(c.run.stdout).not.toContain('switching over');
    await expectNoLoss(c);
  }, 900_000);
});
