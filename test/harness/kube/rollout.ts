import { ControlPlane } from './control-plane';
import { switchover } from './failover';
import { KubePatroniCluster } from './patroni-cluster';
import { PodLifecycle, preStopRuns } from './pod-lifecycle';
import { PatroniMember } from '../patroni';
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
  await switchover(k8s.cluster, leader, target);
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
  /** The leader once the cluster has settled again. */
  readonly leader: PatroniMember;
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
  const leader = await settled(k8s);
  const durationMs = Date.now() - startedAt;
  if (lifecycle.errors.length > 0) throw new Error(`pod lifecycle errors: ${lifecycle.errors.join('; ')}`);
  const events = lifecycle.events.slice(firstEvent);
  return {
    switchovers: await leaderTimeline(k8s) - before,
    durationMs,
    order: events.filter((e) => e.kind === 'deleted').map((e) => e.pod),
    hookLogs: preStopRuns(events).map((run) => ({ pod: run.pod, stdout: run.hook.stdout })),
    leader,
  };
}
