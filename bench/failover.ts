/*
 * Failover, switchover and rollout speed on the Kubernetes DCS: the bundle applied to a real API server
 * (test/harness/kube), real Patroni 4.0.4 + PostgreSQL 15 members authenticated as the bundle's
 * ServiceAccount, the StatefulSet controller rolling the pods and the kubelet's part (preStop hook,
 * SIGTERM, pod re-creation) played by PodLifecycle.
 *
 *   npm run bench   (ts-node --project bench/tsconfig.json bench/failover.ts)
 *
 * For each profile, 3 members, RUNS times (env FAILOVER_BENCH_RUNS, default 5):
 *  - with synchronous mode on: unplanned failover (kill -9 of the leader's Patroni and PostgreSQL) to
 *    the first write acknowledged by the new leader; planned switchover (POST /switchover to the
 *    synchronous standby) to the first acknowledged write; acknowledged writes lost (must be 0);
 *  - with asynchronous replication (the library's default, set through PATCH /config): a rolling
 *    update (`kubectl rollout restart`) with the leader at each ordinal in turn: switchovers (the
 *    leader's timeline increments) and the total time writes were refused.
 * Writes come from one client at a time (psql per INSERT through a multi-host "primary Service"
 * connection string), so the resolution is one write round trip (≈0.1 s here).
 * FAILOVER_BENCH_PROFILES=default,fast selects profiles.
 */
import { PatroniProfile, PatroniSettings, SynchronousMode } from '../src';
import { ControlPlane } from '../test/harness/kube/control-plane';
import { deployPostgresCluster } from '../test/harness/kube/deploy';
import { disruptUnderWrites, killLeader, switchover } from '../test/harness/kube/failover';
import { KubePatroniCluster } from '../test/harness/kube/patroni-cluster';
import { PodLifecycle } from '../test/harness/kube/pod-lifecycle';
import { placeLeader, rollingRestart, settled } from '../test/harness/kube/rollout';
import { PatroniMember } from '../test/harness/patroni';
import { waitFor } from '../test/harness/processes';

interface Profile { readonly name: string; readonly description: string; readonly patroni: PatroniSettings }

const PROFILES: Profile[] = [
  { name: 'default', description: 'ttl 30, loop_wait 10, retry_timeout 10', patroni: {} },
  { name: 'fast', description: 'ttl 20, loop_wait 5, retry_timeout 5', patroni: { profile: PatroniProfile.FAST_FAILOVER } },
];
const ORDINALS = [0, 1, 2];

interface Sample {
  readonly failoverMs: number;
  readonly switchoverMs: number;
  readonly lostWrites: number;
  /** By the leader's ordinal before the rollout. */
  readonly rollouts: Record<number, { readonly switchovers: number; readonly refusedMs: number; readonly durationMs: number }>;
}

let plane: ControlPlane | undefined;
let cluster: KubePatroniCluster | undefined;
let lifecycle: PodLifecycle | undefined;
const cleanUp = async () => {
  await lifecycle?.stop();
  cluster?.cluster.stop();
  plane?.stop();
  lifecycle = cluster = plane = undefined;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void cleanUp().finally(() => process.exit(130)));
}

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function setSynchronousMode(k8s: KubePatroniCluster, on: boolean): Promise<PatroniMember> {
  const leader = await settled(k8s);
  const response = await leader.patch('/config', { synchronous_mode: on });
  if (response?.status !== 200) throw new Error(`PATCH /config answered ${response?.status}: ${response?.text}`);
  await waitFor(`synchronous mode ${on ? 'on' : 'off'}`, async () => {
    const state = await k8s.cluster.clusterState();
    const standbys = (state ?? []).filter((m) => m.role === 'sync_standby' && m.state !== 'stopped').length;
    return on ? standbys === 1 && (await leader.tryQuery('SHOW synchronous_standby_names')) !== '' : standbys === 0;
  }, 120_000, 500);
  return leader;
}

async function measure(k8s: KubePatroniCluster, pods: PodLifecycle): Promise<Sample> {
  // Unplanned, synchronous: crash the leader.
  const leader = await setSynchronousMode(k8s, true);
  const failover = await disruptUnderWrites(k8s.cluster, () => killLeader(k8s.cluster, leader, 180_000), { writes: 10, timeoutMs: 180_000 });
  leader.start();
  const current = await setSynchronousMode(k8s, true);

  // Planned: switch over to the synchronous standby.
  const standby = k8s.cluster.member((await k8s.cluster.clusterState())!.find((m) => m.role === 'sync_standby')!.name);
  const planned = await disruptUnderWrites(k8s.cluster, () => switchover(k8s.cluster, current, standby), { writes: 10, timeoutMs: 180_000 });

  // Rollouts, asynchronous (in synchronous mode only the synchronous standby may take over).
  await setSynchronousMode(k8s, false);
  const rollouts: Sample['rollouts'] = {};
  for (const ordinal of ORDINALS) {
    await placeLeader(k8s, ordinal);
    const result = await disruptUnderWrites(k8s.cluster, () => rollingRestart(plane!, k8s, pods), { writes: 10 });
    if (result.missing.length > 0) throw new Error(`rollout with the leader at ordinal ${ordinal} lost acknowledged writes ${result.missing.join(', ')}`);
    rollouts[ordinal] = { switchovers: result.switchovers, refusedMs: result.refusedMs, durationMs: result.durationMs };
  }
  return {
    failoverMs: failover.firstWrite.endedAt - failover.startedAt,
    switchoverMs: planned.firstWrite.endedAt - planned.startedAt,
    lostWrites: failover.missing.length,
    rollouts,
  };
}

function stats(values: number[], unit: 's' | '' = 's'): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const f = (v: number) => unit === 's' ? (v / 1000).toFixed(1) : String(v);
  return `${f(median)} (${f(sorted[0])}–${f(sorted[sorted.length - 1])})${unit ? ' s' : ''}`;
}

async function main(): Promise<void> {
  const runs = Number(process.env.FAILOVER_BENCH_RUNS ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FAILOVER_BENCH_RUNS must be a positive integer, got ${process.env.FAILOVER_BENCH_RUNS}`);
  const wanted = (process.env.FAILOVER_BENCH_PROFILES ?? PROFILES.map((p) => p.name).join(',')).split(',');
  const results: Array<[Profile, Sample[], number]> = [];
  for (const profile of PROFILES.filter((p) => wanted.includes(p.name))) {
    log(`profile ${profile.name} (${profile.description}): control plane and 3 members`);
    plane = await ControlPlane.start({ crds: false });
    const samples: Sample[] = [];
    const startedAt = Date.now();
    try {
      const namespace = `bench-${profile.name}`;
      await plane.createNamespace(namespace, 'restricted');
      cluster = (await deployPostgresCluster(plane, namespace, { name: 'bench-db', instances: 3, patroni: { ...profile.patroni, synchronousMode: SynchronousMode.ON } })).k8s;
      lifecycle = await PodLifecycle.start(plane, cluster);
      for (let i = 1; i <= runs; i++) {
        const runStartedAt = Date.now();
        const sample = await measure(cluster, lifecycle);
        samples.push(sample);
        log(`profile ${profile.name} run ${i}/${runs} (${Math.round((Date.now() - runStartedAt) / 1000)} s): failover ${sample.failoverMs} ms, switchover ${sample.switchoverMs} ms, lost ${sample.lostWrites}, rollouts ${JSON.stringify(sample.rollouts)}`);
      }
    } finally {
      await cleanUp();
    }
    results.push([profile, samples, Date.now() - startedAt]);
  }
  console.log(`\nKubernetes DCS, Patroni 4.0.4, PostgreSQL 15, 3 members; median (min–max) of ${runs} runs per profile`);
  console.log('\n| | ' + results.map(([p]) => `${p.name} (${p.description})`).join(' | ') + ' |');
  console.log('|---|' + results.map(() => '---|').join(''));
  const row = (what: string, f: (samples: Sample[]) => string) => console.log(`| ${what} | ${results.map(([, s]) => f(s)).join(' | ')} |`);
  row('kill -9 of the leader → first acknowledged write (synchronous)', (s) => stats(s.map((x) => x.failoverMs)));
  row('planned switchover → first acknowledged write (synchronous)', (s) => stats(s.map((x) => x.switchoverMs)));
  row('acknowledged writes lost at failover (synchronous)', (s) => s.map((x) => x.lostWrites).join(', '));
  for (const ordinal of ORDINALS) {
    row(`rolling update, leader at ordinal ${ordinal}: switchovers`, (s) => stats(s.map((x) => x.rollouts[ordinal].switchovers), ''));
    row(`rolling update, leader at ordinal ${ordinal}: writes refused (total)`, (s) => stats(s.map((x) => x.rollouts[ordinal].refusedMs)));
    row(`rolling update, leader at ordinal ${ordinal}: duration`, (s) => stats(s.map((x) => x.rollouts[ordinal].durationMs)));
  }
  for (const [profile, samples, ms] of results) console.log(`\n${profile.name}: ${samples.length} runs in ${Math.round(ms / 1000)} s (cluster start included)`);
}

main().catch(async (e) => {
  console.error(e);
  await cleanUp();
  process.exit(1);
});
