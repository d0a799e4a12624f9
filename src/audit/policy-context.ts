/**
 * What the policy checks (policy-checks.ts) see of a bundle: its manifests, the pods they run and
 * the cross-object lookups (selectors, PodDisruptionBudgets, NetworkPolicies).
 */
import { asArray, asObject, containersOf, ContainerGroup, ContainerRef, isObject, namespaceOf, PodRef, podOf, podTemplateOf } from './manifest';
import { PolicyRulesOptions } from './policy-check';

/** One offending field of one object. */
export interface Finding {
  readonly manifest: any;
  readonly path: string;
  readonly message: string;
}

/** A pod of the bundle with what the workload checks need to know about its controller. */
export interface PodTemplate extends PodRef {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Replicas of Deployments, StatefulSets and ReplicaSets; undefined otherwise. */
  readonly replicas?: number;
  /** Deployments, StatefulSets, DaemonSets, ReplicaSets: containers that should stay up (probes apply). */
  readonly longRunning: boolean;
}

// PodTemplates run nothing and ReplicationControllers are legacy: the tools' workload checks cover these kinds.
const WORKLOADS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** The pod template of a workload controller (not of a Pod, a PodTemplate or a ReplicationController). */
export function workloadTemplateOf(manifest: any): Record<string, any> | undefined {
  return WORKLOADS.has(manifest?.kind) ? podTemplateOf(manifest)?.template : undefined;
}

export class Context {
  public readonly pods: PodTemplate[] = [];

  constructor(public readonly manifests: any[], public readonly options: PolicyRulesOptions) {
    for (const manifest of manifests) {
      const pod = WORKLOADS.has(manifest.kind) ? podOf(manifest) : undefined;
      if (!pod) continue;
      this.pods.push({
        ...pod,
        namespace: namespaceOf(manifest),
        labels: asObject(pod.metadata.labels),
        replicas: REPLICATED.has(pod.kind) ? (typeof manifest.spec?.replicas === 'number' ? manifest.spec.replicas : 1) : undefined,
        longRunning: LONG_RUNNING.has(pod.kind),
      });
    }
  }

  public ofKind(...kinds: string[]): any[] {
    return this.manifests.filter((m) => kinds.includes(m.kind));
  }

  public podsIn(namespace: string): PodTemplate[] {
    return this.pods.filter((p) => p.namespace === namespace);
  }

  /** The PodDisruptionBudgets selecting the pod. */
  public pdbsFor(pod: PodTemplate): any[] {
    return this.ofKind('PodDisruptionBudget').filter((p) => namespaceOf(p) === pod.namespace && selectorMatches(p.spec?.selector, pod.labels));
  }

  /** The NetworkPolicies selecting the pod. */
  public policiesFor(pod: PodTemplate): any[] {
    return this.ofKind('NetworkPolicy').filter((p) => namespaceOf(p) === pod.namespace && selectorMatches(p.spec?.podSelector ?? {}, pod.labels));
  }
}

/** Kubernetes label selector semantics (matchLabels AND matchExpressions; an empty selector matches everything). */
export function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  for (const [key, value] of Object.entries(asObject(selector.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const expression of asArray(selector.matchExpressions)) {
    const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
    const values: string[] = asArray(expression.values);
    switch (expression.operator) {
      case 'In': if (!has || !values.includes(labels[expression.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[expression.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** A Service's `spec.selector` is a plain map; undefined or empty selects nothing (no Endpoints are managed). */
export function mapSelectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function policyTypes(policy: any): string[] {
  const types = asArray(policy.spec?.policyTypes).map((t) => String(t).toLowerCase());
  if (types.length > 0) return types;
  // The API server's default: Ingress always, Egress when egress rules exist.
  return ['ingress', ...policy.spec?.egress ? ['egress'] : []];
}

export type Run = (ctx: Context) => Finding[];

/** Problems of one container, as [path below the container, message]; undefined or empty when it passes. */
type ContainerTest = (c: ContainerRef, pod: PodTemplate) => Array<[string, string]> | undefined;

const INIT_AND_REGULAR: ContainerGroup[] = ['initContainers', 'containers'];

/** A per-container check over every pod template (probe checks leave out init containers). */
export function perContainer(test: ContainerTest, includeInit = true): Run {
  return (ctx) => {
    const findings: Finding[] = [];
    for (const pod of ctx.pods) {
      for (const c of containersOf(pod, includeInit ? INIT_AND_REGULAR : ['containers'])) {
        for (const [path, message] of test(c, pod) ?? []) findings.push({ manifest: pod.manifest, path: `${c.path}${path}`, message: `${c.label}: ${message}` });
      }
    }
    return findings;
  };
}

/** Whether a resource quantity is set to something other than zero. */
export function quantitySet(resources: any, kind: 'requests' | 'limits', name: string): boolean {
  const value = asObject(asObject(resources)[kind])[name];
  return value !== undefined && value !== null && String(value) !== '' && !/^0+(\.0*)?[a-zA-Z]*$/.test(String(value));
}
