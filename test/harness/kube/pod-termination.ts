import { ControlPlane } from './control-plane';
import { resolveContainerEnv } from './kubelet';
import { KubePatroniCluster } from './patroni-cluster';
import { HookResult, runPreStopHook } from '../patroni';
import { waitFor } from '../processes';

/*
 * What a kubelet does when the StatefulSet controller deletes a member's pod (a scale-down, a
 * rolling update), for a control plane without one:
 *
 *   step                                   | real cluster                               | harness
 *   ---------------------------------------+--------------------------------------------+---------------------------------------------
 *   the pod gets a deletionTimestamp       | the StatefulSet controller deletes it      | the same (real controller), waited for here
 *   preStop hook                           | the kubelet execs the container's          | the same command, taken from the pod, run on
 *                                          | lifecycle.preStop.exec.command             | this machine with the container's env; its
 *                                          |                                            | PATRONI_URL is the member's REST address
 *   SIGTERM, then SIGKILL after the grace  | container runtime                          | PatroniMember.terminate (SIGTERM to Patroni)
 *   the pod object disappears              | the kubelet confirms (grace period 0)      | DELETE with gracePeriodSeconds 0
 */
export async function terminateMemberPod(plane: ControlPlane, k8s: KubePatroniCluster, podName: string): Promise<HookResult> {
  const path = `/api/v1/namespaces/${k8s.namespace}/pods/${podName}`;
  let pod: any;
  await waitFor(`the deletion of pod ${podName}`, async () => {
    pod = (await plane.admin.request('GET', path)).body;
    return pod?.metadata?.deletionTimestamp !== undefined;
  }, 60_000, 250);
  const member = k8s.cluster.member(podName);
  const container = (pod.spec.containers as any[]).find((c) => c.lifecycle?.preStop?.exec);
  const env = await resolveContainerEnv(plane.admin, pod, container);
  const hook = await runPreStopHook(container.lifecycle.preStop.exec.command, member.restUrl, {
    PATRONI_RESTAPI_USERNAME: env.PATRONI_RESTAPI_USERNAME, PATRONI_RESTAPI_PASSWORD: env.PATRONI_RESTAPI_PASSWORD,
  });
  await member.terminate((pod.spec.terminationGracePeriodSeconds ?? 30) * 1000);
  k8s.cluster.members.splice(k8s.cluster.members.indexOf(member), 1);
  await plane.admin.expect('DELETE', `${path}?gracePeriodSeconds=0`, undefined, { accept: [404] });
  return hook;
}
