import * as fs from 'fs';
import { ControlPlane } from './control-plane';
import { writeServiceAccountDir } from './job-runner';
import { resolveContainerEnv } from './kubelet';
import { KubePatroniCluster } from './patroni-cluster';
import { HookResult, runPreStopHook } from '../patroni';
import { serviceTempDir, sleep, waitFor } from '../processes';

/*
 * The kubelet's part in deleting (and recreating) the pods of a running Patroni cluster (pod deletion,
 * `kubectl rollout restart`, a rolling update or a scale-down of the StatefulSet), on top of
 * FakeKubelet (which binds pods and reports their status):
 *
 *   kubelet, at pod deletion                        | harness (terminatePod)
 *   ------------------------------------------------+---------------------------------------------------
 *   runs the container's preStop exec command       | the same command (from the pod being deleted), as
 *                                                   | the service user, with the container's env
 *                                                   | (resolveContainerEnv), PATRONI_URL = the member's
 *                                                   | REST URL and the pod's ServiceAccount token in
 *                                                   | PGAAS_SA_DIR (PGAAS_API_URL = the test API server)
 *   SIGTERM to the container, SIGKILL after the     | PatroniMember.terminate(rest of the grace period)
 *   terminationGracePeriodSeconds                   |
 *   confirms the deletion (DELETE, grace 0)         | the same, with the pod's uid as precondition
 *   starts the containers of the recreated pod      | PodLifecycle: the member starts again with its data
 *   (same name, same volume)                        | directory and configuration (the PVC is the member's
 *                                                   | dir); its pod template change is not re-read: tests
 *                                                   | roll templates whose change Patroni does not see
 *                                                   | (an annotation, as `kubectl rollout restart`)
 *   a pod deleted for good (scale-down)             | terminateMemberPod: no restart, the member leaves
 *                                                   | the cluster
 */

export interface PodLifecycleEvent {
  readonly pod: string;
  readonly uid: string;
  readonly kind: 'preStop' | 'stopped' | 'deleted' | 'started';
  readonly at: number;
  /** The preStop hook's result (kind 'preStop'). */
  readonly hook?: HookResult;
  /** Who held the leader lock (the `<scope>-leader` ConfigMap) when the hook had finished, before SIGTERM (kind 'preStop'). */
  readonly leaderLock?: string;
}

/** A preStop hook the harness ran, as PodLifecycle.hooks lists them. */
export interface PreStopRun {
  readonly pod: string;
  readonly hook: HookResult;
  readonly at: number;
  readonly leaderLock?: string;
}

/** The preStop hooks among `events`, in order. */
export function preStopRuns(events: readonly PodLifecycleEvent[]): PreStopRun[] {
  return events.filter((e) => e.kind === 'preStop').map((e) => ({ pod: e.pod, hook: e.hook!, at: e.at, leaderLock: e.leaderLock }));
}

/**
 * What the kubelet does for a member's pod that has a deletionTimestamp (the table above): the
 * preStop hook (when the container has one and the member runs), SIGTERM for the rest of the grace
 * period, then the deletion confirmed. `record` gets every step as it happens.
 */
export async function terminatePod(
  plane: ControlPlane, k8s: KubePatroniCluster, pod: any, record: (event: PodLifecycleEvent) => void,
): Promise<void> {
  const { name, uid, namespace } = pod.metadata;
  const member = k8s.cluster.member(name);
  const deadline = Date.now() + 1000 * (pod.spec.terminationGracePeriodSeconds ?? 30);
  const container = (pod.spec.containers as any[]).find((c) => c.lifecycle?.preStop?.exec?.command);
  if (container && member.running) {
    const env = await resolveContainerEnv(plane.admin, pod, container, k8s.kubelet.podIp(name));
    const dir = serviceTempDir('prestop');
    try {
      const saDir = await writeServiceAccountDir(plane, dir, namespace, pod.spec.serviceAccountName);
      const hookEnv = { ...env, PGAAS_SA_DIR: saDir, PGAAS_API_URL: plane.server };
      const hook = await runPreStopHook(container.lifecycle.preStop.exec.command, member.restUrl, hookEnv);
      const lock = await plane.admin.request('GET', `/api/v1/namespaces/${namespace}/configmaps/${k8s.cluster.spec.scope}-leader`);
      record({ pod: name, uid, kind: 'preStop', at: Date.now(), hook, leaderLock: lock.body?.metadata?.annotations?.leader });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  await member.terminate(Math.max(1_000, deadline - Date.now()));
  record({ pod: name, uid, kind: 'stopped', at: Date.now() });
  await plane.admin.expect('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
    apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid },
  }, { accept: [404, 409] });
  record({ pod: name, uid, kind: 'deleted', at: Date.now() });
}

/**
 * A member's pod the StatefulSet controller deletes for good (a scale-down): waits for its
 * deletionTimestamp, terminates it as the kubelet does (terminatePod) and drops its member from the
 * cluster. Returns the preStop hook's result.
 */
export async function terminateMemberPod(plane: ControlPlane, k8s: KubePatroniCluster, podName: string): Promise<HookResult> {
  let pod: any;
  await waitFor(`the deletion of pod ${podName}`, async () => {
    pod = (await plane.admin.request('GET', `/api/v1/namespaces/${k8s.namespace}/pods/${podName}`)).body;
    return pod?.metadata?.deletionTimestamp !== undefined;
  }, 60_000, 250);
  const events: PodLifecycleEvent[] = [];
  await terminatePod(plane, k8s, pod, (event) => events.push(event));
  const member = k8s.cluster.member(podName);
  k8s.cluster.members.splice(k8s.cluster.members.indexOf(member), 1);
  const [run] = preStopRuns(events);
  if (!run) throw new Error(`pod ${podName} ran no preStop hook`);
  return run.hook;
}

/** The kubelet for every pod of the cluster's StatefulSet: deleted pods terminated, recreated ones started. */
export class PodLifecycle {
  /** Starts acting on the cluster's pods; the pods running now are taken as started. */
  public static async start(plane: ControlPlane, k8s: KubePatroniCluster, intervalMs = 250): Promise<PodLifecycle> {
    const lifecycle = new PodLifecycle(plane, k8s);
    for (const pod of await lifecycle.pods()) lifecycle.started.set(pod.metadata.name, pod.metadata.uid);
    lifecycle.loop = lifecycle.run(intervalMs);
    return lifecycle;
  }

  public readonly events: PodLifecycleEvent[] = [];
  /** Errors of the deletion or start handling (a test should expect none). */
  public readonly errors: string[] = [];
  private readonly started = new Map<string, string>();
  private readonly handling = new Map<string, Promise<void>>();
  private running = true;
  private loop?: Promise<void>;

  private constructor(private readonly plane: ControlPlane, private readonly k8s: KubePatroniCluster) {}

  public async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all(this.handling.values());
  }

  /** The preStop hook results so far, in order. */
  public hooks(): PreStopRun[] {
    return preStopRuns(this.events);
  }

  /**
   * Deletes a pod (`kubectl delete pod`) and waits until the StatefulSet controller has recreated it
   * and its member has started again; returns that pod's events since the deletion.
   */
  public async deletePod(name: string, timeoutMs = 180_000): Promise<PodLifecycleEvent[]> {
    const deletedAt = Date.now();
    await this.plane.admin.expect('DELETE', `/api/v1/namespaces/${this.k8s.namespace}/pods/${name}`);
    const since = () => this.events.filter((e) => e.pod === name && e.at > deletedAt);
    await waitFor(`${name} recreated and started`, () => since().some((e) => e.kind === 'started'), timeoutMs, 250);
    return since();
  }

  private async pods(): Promise<any[]> {
    const { namespace, statefulSet } = this.k8s;
    return ((await this.plane.admin.get(`/api/v1/namespaces/${namespace}/pods`)).items as any[])
      .filter((p) => (p.metadata.ownerReferences ?? []).some((o: any) => o.kind === 'StatefulSet' && o.name === statefulSet));
  }

  private async run(intervalMs: number): Promise<void> {
    while (this.running) {
      try {
        for (const pod of await this.pods()) {
          const { name, uid } = pod.metadata;
          if (pod.metadata.deletionTimestamp) {
            if (!this.handling.has(uid)) {
              const terminating = terminatePod(this.plane, this.k8s, pod, (event) => this.events.push(event));
              this.handling.set(uid, terminating.catch((e) => void this.errors.push(`${name}: ${e}`)));
            }
          } else if (this.started.get(name) !== uid && pod.spec.nodeName && pod.status?.podIP && !this.handling.has(`start-${uid}`)) {
            // A recreated pod, bound and given its IP by FakeKubelet: start its container (the member).
            this.handling.set(`start-${uid}`, this.startMember(pod).catch((e) => void this.errors.push(`${name}: ${e}`)));
          }
        }
      } catch {
        // the API server may be down: next round
      }
      await sleep(intervalMs);
    }
  }

  private async startMember(pod: any): Promise<void> {
    const { name, uid } = pod.metadata;
    // The old pod's container must be gone first (it is, once the old pod was deleted).
    const member = this.k8s.cluster.member(name);
    if (member.running) throw new Error(`${name} (pod ${uid}) appeared while its member still runs`);
    this.started.set(name, uid);
    member.start();
    this.events.push({ pod: name, uid, kind: 'started', at: Date.now() });
  }
}
