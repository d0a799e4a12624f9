import { KubePatroniCluster } from './patroni-cluster';
import { PodLifecycle, PreStopRun, PodLifecycleEvent, preStopRuns } from './pod-lifecycle';
import { PatroniCluster, PatroniMember, WriteAttempt, Writer } from '../patroni';
import { sleep, waitFor } from '../processes';

/*
 * Leader changes of a running Patroni cluster under a steady write load, for the HA and rollout tests
 * and the failover benchmark: the disruption (kill -9, a planned switchover, a pod deletion, a rolling
 * update) and what the writing client saw (the first write the new leader acknowledged, the time
 * writes were refused, acknowledged writes the new leader lacks).
 */

export interface UnderWritesOptions {
  /** Acknowledged writes before the disruption starts. @default 30 */
  readonly writes?: number;
  /** The writer's table. @default the Writer's */
  readonly table?: string;
  /** For the new leader's first acknowledged write. @default 120 s */
  readonly timeoutMs?: number;
}

/** What the writing client saw during a disruption. */
export interface WritesSeen {
  /** When the disruption started (after the first `writes` acknowledged writes). */
  readonly startedAt: number;
  /** The first write the new leader acknowledged that started after `startedAt`. */
  readonly firstWrite: WriteAttempt;
  /** Total time writes were refused (writesRefusedMs) from `startedAt` until the writer stopped. */
  readonly refusedMs: number;
  /** Acknowledged writes the new leader does not have (none, for a disruption that loses none). */
  readonly missing: number[];
  /** The writer, stopped, with every attempt. */
  readonly writer: Writer;
}

/**
 * Runs `disrupt` while one client writes: `writes` acknowledged writes first, then the disruption,
 * which answers the new leader; then the first write that leader acknowledges, a second more of
 * writes, and the comparison of every acknowledged write with the new leader's table.
 */
export async function disruptUnderWrites<T extends { readonly leader: PatroniMember }>(
  cluster: PatroniCluster, disrupt: () => Promise<T>, options: UnderWritesOptions = {},
): Promise<T & WritesSeen> {
  const writes = options.writes ?? 30;
  const writer = await Writer.create(cluster, options.table);
  writer.start();
  try {
    await waitFor(`${writes} acknowledged writes`, () => writer.acknowledged().length >= writes, 60_000, 100);
    const startedAt = Date.now();
    const outcome = await disrupt();
    const firstWrite = await writer.waitForWriteAfter(startedAt, outcome.leader, options.timeoutMs);
    await sleep(1_000);
    await writer.stop();
    const refusedMs = writesRefusedMs(writer.attempts, startedAt, Date.now());
    return { ...outcome, startedAt, firstWrite, refusedMs, missing: await writer.missingOn(outcome.leader), writer };
  } finally {
    await writer.stop();
  }
}

/** A leader change: who led before and who leads now. */
export interface LeaderChange {
  readonly old: PatroniMember;
  readonly leader: PatroniMember;
}

/** kill -9 of `old`'s Patroni and PostgreSQL; waits until another member holds the leader lock. */
export async function killLeader(cluster: PatroniCluster, old: PatroniMember, timeoutMs = 120_000): Promise<LeaderChange> {
  old.kill();
  return { old, leader: await cluster.waitForLeader({ not: old, timeoutMs }) };
}

/** A planned switchover (POST /switchover) from `old` to `candidate`; waits until the candidate leads. */
export async function switchover(cluster: PatroniCluster, old: PatroniMember, candidate: PatroniMember): Promise<LeaderChange> {
  const response = await cluster.switchover(old, candidate);
  if (response.status !== 200) throw new Error(`switchover ${old.name} -> ${candidate.name} answered ${response.status}: ${response.text}`);
  return { old, leader: await cluster.waitForLeader({ expected: candidate, timeoutMs: 120_000 }) };
}

/** Starts a stopped member again and waits until it streams from the leader; answers how long that took. */
export async function rejoin(cluster: PatroniCluster, member: PatroniMember, timeoutMs = 180_000): Promise<number> {
  const startedAt = Date.now();
  member.start();
  await cluster.waitForReplica(member, { timeoutMs });
  return Date.now() - startedAt;
}

export interface LeaderPodDeletion extends LeaderChange {
  /** The preStop hooks the kubelet ran for the deleted pod. */
  readonly hooks: PreStopRun[];
  /** When the old pod's member had stopped (SIGTERM, after the hook). */
  readonly stopped: PodLifecycleEvent;
  /** From the deletion until the old member streams from the new leader. */
  readonly durationMs: number;
}

/**
 * Deletes the leader's pod (`kubectl delete pod`), with `lifecycle` playing the kubelet: waits until
 * the pod is back, another member leads and the old one streams from it.
 */
export async function deleteLeaderPod(k8s: KubePatroniCluster, lifecycle: PodLifecycle, old: PatroniMember): Promise<LeaderPodDeletion> {
  const deletedAt = Date.now();
  const events = await lifecycle.deletePod(old.name);
  const leader = await k8s.cluster.waitForLeader({ not: old, timeoutMs: 120_000 });
  await k8s.cluster.waitForReplica(old, { timeoutMs: 180_000 });
  const stopped = events.find((e) => e.kind === 'stopped');
  if (!stopped) throw new Error(`${old.name} was recreated without its member stopping`);
  return { old, leader, hooks: preStopRuns(events), stopped, durationMs: Date.now() - deletedAt };
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
