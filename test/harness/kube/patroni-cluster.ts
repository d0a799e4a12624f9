import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane } from './control-plane';
import { FakeKubelet, resolveContainerEnv } from './kubelet';
import { registerCleanupRoot, unregisterCleanupRoot } from '../etcd';
import { ClusterSecrets, ensureInitdbLocales, PatroniCluster, PatroniMember, SynthesizedCluster } from '../patroni';
import { ensurePatroni4 } from '../patroni4';
import { freePort, serviceTempDir, waitFor, writeServiceFile } from '../processes';

/*
 * Real Patroni 4 members on the Kubernetes DCS, one per pod the StatefulSet controller created, each
 * configured from its pod as Spilo configures Patroni from the container's environment:
 *
 *   Patroni key                        | from the pod (Spilo's configure_spilo.py rule)
 *   -----------------------------------+-------------------------------------------------------------
 *   name                               | the pod name (Spilo: the hostname, which is the pod name)
 *   scope                              | SCOPE
 *   kubernetes.namespace               | POD_NAMESPACE (fieldRef metadata.namespace)
 *   kubernetes.labels                  | KUBERNETES_LABELS (JSON)
 *   kubernetes.use_endpoints: false    | KUBERNETES_USE_CONFIGMAPS set
 *   kubernetes.bypass_api_service      | KUBERNETES_BYPASS_API_SERVICE (Spilo's default 'true')
 *   kubernetes.pod_ip                  | POD_IP (fieldRef status.podIP: the kubelet stand-in's 192.0.2.x)
 *   kubernetes.<x>                     | any other KUBERNETES_<X> (scope_label, role_label, leader_label_value, ...)
 *   bootstrap.dcs, initdb, parameters, | SPILO_CONFIGURATION, with $(PATRONI_RESTAPI_*) expanded from the
 *   pg_hba, restapi.authentication     | Secret the bundle's generator Job wrote
 *   authentication passwords           | PGPASSWORD_SUPERUSER / PGPASSWORD_STANDBY from their Secrets
 *   API credentials                    | a TokenRequest token of the pod's serviceAccountName (RBAC
 *                                      | enforced), in a kubeconfig (Patroni reads KUBECONFIG outside a pod,
 *                                      | context from kubernetes.context: 'test', the harness's one addition)
 *
 * Listen and connect addresses, data directory, binaries and the throwaway certificate are the
 * Patroni harness's (patroni.ts), since the processes share one machine.
 */

export interface KubePatroniCluster {
  readonly cluster: PatroniCluster;
  readonly kubelet: FakeKubelet;
  readonly namespace: string;
  readonly statefulSet: string;
  /** The pod of a member, as the API server has it now. */
  pod(member: PatroniMember): Promise<any>;
  /**
   * Starts a Patroni member for a pod the StatefulSet controller added (a scale-up), configured from
   * that pod like the first ones, and waits until it streams from the leader.
   */
  addMember(podName: string, options?: { readonly timeoutMs?: number }): Promise<PatroniMember>;
}

/** Spilo's `kubernetes:` section from the container env (configure_spilo.py's KUBERNETES_* rules). */
export function kubernetesDcsFromEnv(env: Record<string, string>, podIp: string): Record<string, unknown> {
  const section: Record<string, unknown> = { namespace: env.POD_NAMESPACE };
  const special = new Set(['KUBERNETES_LABELS', 'KUBERNETES_USE_CONFIGMAPS', 'KUBERNETES_BYPASS_API_SERVICE', 'KUBERNETES_BOOTSTRAP_LABELS']);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('KUBERNETES_') || special.has(name) || name.startsWith('KUBERNETES_SERVICE_') || name.startsWith('KUBERNETES_PORT')) continue;
    section[name.slice('KUBERNETES_'.length).toLowerCase()] = value;
  }
  section.labels = JSON.parse(env.KUBERNETES_LABELS ?? '{"application": "spilo"}');
  if (env.KUBERNETES_USE_CONFIGMAPS) section.use_endpoints = false;
  else Object.assign(section, { use_endpoints: true, ports: [{ port: 5432, name: 'postgresql' }] });
  if ((env.KUBERNETES_BYPASS_API_SERVICE ?? 'true') === 'true') section.bypass_api_service = true;
  section.pod_ip = podIp;
  return section;
}

export interface StartKubePatroniOptions {
  readonly memberTimeoutMs?: number;
  /** Members to start: those of the lowest ordinals (the other pods stay unready). @default every replica */
  readonly members?: number;
  readonly nodes?: number;
  /**
   * The cluster is a standby cluster (bootstrap.dcs.standby_cluster): member 0 must become the standby
   * leader (read-only, replicating from the remote primary) and the others stream from it.
   * @default false
   */
  readonly standby?: boolean;
  /** postgresql.bin_dir of every member, for another major than Debian's. @default PG_BIN (PostgreSQL 15) */
  readonly binDir?: string;
}

/** Waits until GET /cluster reports `member` with one of `roles` in state running or streaming. */
async function waitForRole(cluster: PatroniCluster, member: PatroniMember, roles: string[], timeoutMs: number): Promise<void> {
  try {
    await waitFor(`${member.name} to run as ${roles.join(' or ')}`, async () => {
      member.assertAlive();
      const me = (await cluster.clusterState())?.find((m) => m.name === member.name);
      return me !== undefined && roles.includes(me.role) && ['running', 'streaming'].includes(me.state);
    }, timeoutMs, 500);
  } catch (e) {
    throw cluster.withLogs(e);
  }
}

/**
 * Runs the StatefulSet's pods: the kubelet stand-in binds them and reports readiness from each
 * member's real /readiness, and a Patroni 4 member runs for each pod, started one at a time.
 */
export async function startKubePatroniCluster(
  plane: ControlPlane, namespace: string, statefulSet: string, options: StartKubePatroniOptions = {},
): Promise<KubePatroniCluster> {
  const patroni = ensurePatroni4();
  const sts = await plane.admin.get(`/apis/apps/v1/namespaces/${namespace}/statefulsets/${statefulSet}`);
  const replicas: number = sts.spec.replicas ?? 1;
  const root = serviceTempDir('k8s-patroni');
  registerCleanupRoot(root);
  const members = new Map<string, PatroniMember>();
  const ownedBy = (pod: any) => (pod.metadata.ownerReferences ?? []).some((o: any) => o.kind === 'StatefulSet' && o.name === statefulSet);
  const kubelet = new FakeKubelet(plane.admin, namespace, {
    nodes: options.nodes ?? Math.max(3, replicas),
    selects: ownedBy,
    ready: async (pod) => {
      const member = members.get(pod.metadata.name);
      return member !== undefined && member.running && (await member.get('/readiness'))?.status === 200;
    },
  });
  let cluster: PatroniCluster | undefined;
  const names = Array.from({ length: replicas }, (_, i) => `${statefulSet}-${i}`);
  const timeout = options.memberTimeoutMs ?? 180_000;
  const stopAll = () => {
    void kubelet.stop();
    unregisterCleanupRoot(root);
  };
  try {
    await kubelet.ensureNodes();
    kubelet.start();
    await waitFor(`the pods of ${statefulSet}`, async () => {
      const pods = ((await plane.admin.get(`/api/v1/namespaces/${namespace}/pods`)).items as any[]).filter(ownedBy);
      return names.every((name) => pods.some((p) => p.metadata.name === name && p.spec.nodeName && p.status?.podIP));
    }, 60_000, 250);

    for (const [i, name] of names.slice(0, options.members ?? replicas).entries()) {
      const member = await startMember(name);
      if (options.standby) await waitForRole(cluster!, member, i === 0 ? ['standby_leader'] : ['replica'], timeout);
      else if (i === 0) await cluster!.waitForLeader({ timeoutMs: timeout, expected: member });
      else await cluster!.waitForReplica(member, { timeoutMs: timeout });
    }
  } catch (e) {
    if (cluster) {
      const error = cluster.withLogs(e);
      cluster.stop();
      throw error;
    }
    stopAll();
    throw e;
  }

  /** One member for one pod, configured from the pod as Spilo configures Patroni (the table above). */
  async function startMember(name: string): Promise<PatroniMember> {
    const pod = await plane.admin.get(`/api/v1/namespaces/${namespace}/pods/${name}`);
    const container = (pod.spec.containers as any[]).find((c) => (c.env ?? []).some((e: any) => e.name === 'SPILO_CONFIGURATION'));
    const env = await resolveContainerEnv(plane.admin, pod, container, kubelet.podIp(name));
    const spilo = JSON.parse(env.SPILO_CONFIGURATION);
    const spec: SynthesizedCluster = {
      scope: env.SCOPE,
      instances: replicas,
      superuser: env.PGUSER_SUPERUSER,
      replicationUser: env.PGUSER_STANDBY,
      dcs: spilo.bootstrap.dcs,
      initdb: spilo.bootstrap.initdb,
      parameters: spilo.postgresql.parameters ?? {},
      pgHba: spilo.postgresql.pg_hba,
      allParameters: { ...spilo.bootstrap.dcs.postgresql?.parameters, ...spilo.postgresql.parameters },
      restApi: spilo.restapi?.authentication,
    };
    const secrets: ClusterSecrets = { superuserPassword: env.PGPASSWORD_SUPERUSER, replicationPassword: env.PGPASSWORD_STANDBY };
    if (!cluster) {
      ensureInitdbLocales(spec.initdb);
      cluster = PatroniCluster.of(spec, root, secrets, stopAll);
    }
    // A pod that returns (a scale-up after a scale-down) gets its retained volume back: its directory.
    const dir = path.join(root, name);
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir);
      const owner = fs.statSync(root);
      fs.chownSync(dir, owner.uid, owner.gid);
      fs.chmodSync(dir, 0o700);
    }
    // The pod's ServiceAccount token, as projected into the pod; Patroni reads the kubeconfig.
    const token = await plane.serviceAccountToken(namespace, pod.spec.serviceAccountName);
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeServiceFile(kubeconfig, plane.kubeconfig({ token }, namespace));
    const runtime = { patroni, env: { KUBECONFIG: kubeconfig }, binDir: options.binDir };
    const member = new PatroniMember(spec, name, dir, await freePort(), await freePort(), runtime);
    // kubernetes.context: outside a pod Patroni reads KUBECONFIG and picks this context (its default is 'kind-kind').
    member.configure({ kubernetes: { ...kubernetesDcsFromEnv(env, kubelet.podIp(name)), context: 'test' } }, secrets);
    cluster.members.push(member);
    members.set(name, member);
    member.start();
    return member;
  }
  const running = cluster!;
  // With failsafe_mode (the bundle's default) Patroni 4 lets a replica race for the lock only when the
  // leader has recorded it in the failsafe topology (the `failsafe` annotation of <scope>-leader,
  // rewritten every loop_wait): a leader lost before that leaves the cluster without a leader until it
  // returns (found here; ha.py is_healthiest_node). The harness hands over a settled cluster.
  if (running.spec.dcs.failsafe_mode) {
    await waitFor('every member in the leader\'s failsafe topology', async () => {
      const lock = await plane.admin.request('GET', `/api/v1/namespaces/${namespace}/configmaps/${running.spec.scope}-leader`);
      const failsafe = JSON.parse(lock.body?.metadata?.annotations?.failsafe ?? '{}');
      return names.slice(0, options.members ?? replicas).every((name) => name in failsafe);
    }, 60_000, 500);
  }
  return {
    cluster: running,
    kubelet,
    namespace,
    statefulSet,
    pod: (member) => plane.admin.get(`/api/v1/namespaces/${namespace}/pods/${member.name}`),
    addMember: async (podName, addOptions = {}) => {
      await waitFor(`pod ${podName} bound and running`, async () => {
        const pod = await plane.admin.request('GET', `/api/v1/namespaces/${namespace}/pods/${podName}`);
        return pod.status === 200 && pod.body.spec.nodeName !== undefined && pod.body.status?.podIP !== undefined;
      }, 60_000, 250);
      const member = await startMember(podName);
      try {
        await running.waitForReplica(member, { timeoutMs: addOptions.timeoutMs ?? timeout });
        return member;
      } catch (e) {
        throw running.withLogs(e);
      }
    },
  };
}
