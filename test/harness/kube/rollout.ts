import { ControlPlane } from './control-plane';
import { KubePatroniCluster } from './patroni-cluster';
import { PodLifecycle } from './pod-lifecycle';
import { PatroniMember, WriteAttempt } from '../patroni';
import { waitFor } from '../processes';

/*
 * Rolling updates of a running Patroni cluster on the test control plane, for the rollout tests and
 * the benchmark: the StatefulSet controller rolls the pods, PodLifecycle plays the kubelet's part.
 */

/** The leader's timeline (GET /patroni): every switchover or failover raises it by one. */
export async function leaderTimeline(k8s: KubePatroniCluster): Promise<number> {
  const leader = await k8s.cluster.waitForLeader();
  const timeline = (await leader.get('/patroni'))?.body?.timeline;
  if (typeof timeline !== 'number') throw new Error(`${leader.name} reports no timeline`);
  return timeline;
}

/** Waits until every member runs, one is the writable leader and every other streams from it. */
export async function settled(k8s: KubePatroniCluster, timeoutMs = 180_000): Promise<PatroniMember> {
  const leader = await k8s.cluster.waitForLeader({ timeoutMs });
  for (const member of k8s.cluster.members.filter((m) => m !== leader)) await k8s.cluster.waitForReplica(member, { timeoutMs });
  return leader;
}

/** Makes the member of `ordinal` the leader (a planned switchover when it is not already). */
export async function placeLeader(k8s: KubePatroniCluster, ordinal: number): Promise<PatroniMember> {
  const leader = await settled(k8s);
  const target = k8s.cluster.member(`${k8s.statefulSet}-${ordinal}`);
  if (leader === target) return leader;
  const response = await k8s.cluster.switchover(leader, target);
  if (response.status !== 200) throw new Error(`switchover ${leader.name} -> ${target.name} answered ${response.status}: ${response.text}`);
  await k8s.cluster.waitForLeader({ expected: target, timeoutMs: 120_000 });
  return settled(k8s);
}

export interface RolloutResult {
  /** Timeline increments during the rollout: the switchovers (no failover happens in a healthy rollout). */
  readonly switchovers: number;
  readonly durationMs: number;
  /** Pods in the order the controller replaced them. */
  readonly order: string[];
  /** The preStop hooks' logs, by pod. */
  readonly hookLogs: Array<{ pod: string; stdout: string }>;
}

/**
 * `kubectl rollout restart` (a pod template annotation, what any template change does) and waits
 * until the StatefulSet controller has replaced every pod and the cluster has settled again.
 */
export async function rollingRestart(
  plane: ControlPlane, k8s: KubePatroniCluster, lifecycle: PodLifecycle, timeoutMs = 600_000,
): Promise<RolloutResult> {
  const path = `/apis/apps/v1/namespaces/${k8s.namespace}/statefulsets/${k8s.statefulSet}`;
  const before = await leaderTimeline(k8s);
  const firstEvent = lifecycle.events.length;
  const startedAt = Date.now();
  plane.kubectlOk(['-n', k8s.namespace, 'rollout', 'restart', `statefulset/${k8s.statefulSet}`]);
  const generation = (await plane.admin.get(path)).metadata.generation;
  await waitFor(`the rollout of ${k8s.statefulSet}`, async () => {
    const status = (await plane.admin.get(path)).status ?? {};
    return status.observedGeneration >= generation && status.updateRevision === status.currentRevision
      && status.updatedReplicas === k8s.cluster.members.length && status.readyReplicas === k8s.cluster.members.length;
  }, timeoutMs, 500);
  await settled(k8s);
  const durationMs = Date.now() - startedAt;
  if (lifecycle.errors.length > 0) throw new Error(`pod lifecycle errors: ${lifecycle.errors.join('; ')}`);
  const events = lifecycle.events.slice(firstEvent);
  return {
    switchovers: await leaderTimeline(k8s) - before,
    durationMs,
    order: events.filter((e) => e.kind === 'deleted').map((e) => e.pod),
    hookLogs: events.filter((e) => e.kind === 'preStop').map((e) => ({ pod: e.pod, stdout: e.hook!.stdout })),
  };
}

/**
 * Total time writes were refused between `from` and `to`: for every run of failed attempts, from
 * the last acknowledged write before it to the first acknowledged one after it.
 */
export function writesRefusedMs(attempts: readonly WriteAttempt[], from: number, to: number): number {
  let total = 0;
  let lastOk: number | undefined;
  let failing = false;
  for (const attempt of attempts.filter((a) => a.startedAt >= from && a.endedAt <= to)) {
    if (!attempt.ok) {
      failing = true;
      continue;
    }
    if (failing) total += attempt.endedAt - (lastOk ?? from);
    failing = false;
    lastOk = attempt.endedAt;
  }
  if (failing) total += to - (lastOk ?? from);
  return total;
}
