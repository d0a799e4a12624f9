import { KubeClient } from './client';
import { SyncLoop } from './sync-loop';
import { KubeletEnv } from '../kubelet-env';

/*
 * Stand-ins for what a kubelet and the scheduler do, for a control plane that has neither:
 *
 *   what                         | real cluster                                  | harness
 *   -----------------------------+-----------------------------------------------+------------------------------------------------
 *   Nodes                        | registered by each kubelet                    | created by FakeKubelet.ensureNodes, Ready=True
 *                                |                                               | written through nodes/status, one zone each
 *   scheduling                   | kube-scheduler binds (affinity, spread, ...)  | pods/binding to node-<ordinal % nodes> (the
 *                                |                                               | bundle's required anti-affinity is satisfied by
 *                                |                                               | as many nodes as members)
 *   pod IP                       | CNI                                           | 192.0.2.<n> (TEST-NET-1, data only: nothing ever
 *                                |                                               | connects to it; EndpointSlices reject loopback)
 *   container start, status      | kubelet runs containers, writes pods/status   | pods/status: phase Running, containerStatuses
 *   readiness                    | kubelet runs the readinessProbe               | `ready(pod)` of the test (e.g. GET /readiness
 *                                |                                               | of the member's real Patroni REST API)
 *   env of a container           | kubelet resolves fieldRef/secretKeyRef/configMapKeyRef, $(..) | resolveContainerEnv below, the same rules
 */

export interface FakeKubeletOptions {
  /** Pods this kubelet runs (others stay Pending). */
  readonly selects: (pod: any) => boolean;
  /** Readiness of a running pod (the readiness probe's answer). @default always ready */
  readonly ready?: (pod: any) => boolean | Promise<boolean>;
  readonly nodes?: number;
}

export class FakeKubelet extends SyncLoop {
  private readonly ips = new Map<string, string>();
  private nextIp = 10;

  constructor(private readonly client: KubeClient, public readonly namespace: string, private readonly options: FakeKubeletOptions) {
    super();
  }

  public async ensureNodes(): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < (this.options.nodes ?? 3); i++) {
      const name = `node-${i}`;
      names.push(name);
      const labels = { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${String.fromCharCode(97 + i)}`, 'kubernetes.io/os': 'linux' };
      await this.client.expect('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } }, { accept: [409] });
      const now = new Date().toISOString();
      await this.client.mergePatch(`/api/v1/nodes/${name}/status`, {
        status: {
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'harness', lastHeartbeatTime: now, lastTransitionTime: now }],
          addresses: [{ type: 'InternalIP', address: `192.0.2.${200 + i}` }, { type: 'Hostname', address: name }],
          capacity: { cpu: '8', memory: '32Gi', pods: '110' },
          allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
        },
      });
    }
    return names;
  }

  /** The pod IP the harness gives a pod (stable per pod name). */
  public podIp(name: string): string {
    let ip = this.ips.get(name);
    if (!ip) {
      ip = `192.0.2.${this.nextIp++}`;
      this.ips.set(name, ip);
    }
    return ip;
  }

  /** One round: bind new pods, write the status of bound ones. */
  public async sync(): Promise<void> {
    const pods = ((await this.client.get(`/api/v1/namespaces/${this.namespace}/pods`)).items as any[])
      .filter((p) => this.options.selects(p) && !p.metadata.deletionTimestamp);
    const nodes = this.options.nodes ?? 3;
    for (const pod of pods) {
      const name = pod.metadata.name;
      if (!pod.spec.nodeName) {
        const ordinal = Number(/-(\d+)$/.exec(name)?.[1] ?? 0);
        await this.client.expect('POST', `/api/v1/namespaces/${this.namespace}/pods/${name}/binding`, {
          apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: `node-${ordinal % nodes}` },
        }, { accept: [409] });
        continue;
      }
      const ready = await (this.options.ready ?? (() => true))(pod);
      const current = pod.status ?? {};
      const wasReady = (current.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
      if (current.phase === 'Running' && current.podIP === this.podIp(name) && wasReady === ready) continue;
      const now = new Date().toISOString();
      const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: now });
      await this.client.mergePatch(`/api/v1/namespaces/${this.namespace}/pods/${name}/status`, {
        status: {
          phase: 'Running',
          hostIP: '192.0.2.250',
          podIP: this.podIp(name),
          podIPs: [{ ip: this.podIp(name) }],
          startTime: current.startTime ?? now,
          conditions: [condition('PodScheduled', true), condition('Initialized', true), condition('ContainersReady', ready), condition('Ready', ready)],
          containerStatuses: (pod.spec.containers as any[]).map((c) => ({
            name: c.name, image: c.image, imageID: '', ready, started: true, restartCount: 0, state: { running: { startedAt: current.startTime ?? now } },
          })),
        },
      });
    }
  }
}

/**
 * A container's environment as the kubelet gives it: plain values, fieldRefs (namespace, name, pod
 * IP), secretKeyRefs read from the API (as the kubelet reads them), then `$(NAME)` expansion in order.
 */
export async function resolveContainerEnv(client: KubeClient, pod: any, container: any, podIp?: string): Promise<Record<string, string>> {
  const namespace = pod.metadata.namespace;
  const known: Record<string, string> = {};
  const env: Array<{ name: string; value?: string }> = [];
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env.push(variable);
      continue;
    }
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    const secretRef = variable.valueFrom?.secretKeyRef;
    if (fieldPath === 'metadata.namespace') {known[variable.name] = namespace;} else if (fieldPath === 'metadata.name') {known[variable.name] = pod.metadata.name;} else if (fieldPath === 'status.podIP') {known[variable.name] = podIp ?? pod.status?.podIP ?? '';} else if (secretRef) {
      const secret = await client.request('GET', `/api/v1/namespaces/${namespace}/secrets/${secretRef.name}`);
      if (secret.status !== 200 || secret.body?.data?.[secretRef.key] === undefined) {
        if (secretRef.optional) continue;
        throw new Error(`env ${variable.name}: Secret ${namespace}/${secretRef.name} key ${secretRef.key} is missing (the pod would not start)`);
      }
      known[variable.name] = Buffer.from(secret.body.data[secretRef.key], 'base64').toString('utf8');
    } else if (variable.valueFrom?.configMapKeyRef) {
      const ref = variable.valueFrom.configMapKeyRef;
      const configMap = await client.request('GET', `/api/v1/namespaces/${namespace}/configmaps/${ref.name}`);
      if (configMap.status !== 200 || configMap.body?.data?.[ref.key] === undefined) {
        if (ref.optional) continue;
        throw new Error(`env ${variable.name}: ConfigMap ${namespace}/${ref.name} key ${ref.key} is missing (the pod would not start)`);
      }
      known[variable.name] = configMap.body.data[ref.key];
    } else {
      throw new Error(`env ${variable.name}: the harness does not resolve ${JSON.stringify(variable.valueFrom)}`);
    }
    env.push({ name: variable.name });
  }
  return KubeletEnv.resolve(env, known);
}
