/**
 * Which pod-to-pod connections a set of synthesized NetworkPolicies (networking.k8s.io/v1) allows, by the
 * API's documented semantics: a connection is allowed when the source's egress AND the destination's ingress
 * allow it; a pod no policy of a direction selects is open in that direction; the rules of every policy that
 * selects a pod are added up; a rule without peers matches every peer, a rule without ports every port.
 *
 * Scope: pods only. An ipBlock never matches a pod here (CNIs differ on whether it matches pod IPs, and the
 * library never uses one for a pod); named ports and SCTP are not modelled. Namespaces carry only the
 * `kubernetes.io/metadata.name` label the API server puts on every namespace, unless given more.
 */

/** A pod as NetworkPolicies see it. */
export interface PolicyPod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** @default - only kubernetes.io/metadata.name */
  readonly namespaceLabels?: Record<string, string>;
}

interface Selector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

interface Peer {
  readonly podSelector?: Selector;
  readonly namespaceSelector?: Selector;
  readonly ipBlock?: unknown;
}

interface Rule {
  readonly from?: Peer[];
  readonly to?: Peer[];
  readonly ports?: Array<{ protocol?: string; port?: number | string; endPort?: number }>;
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function selects(selector: Selector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values }) => {
    switch (operator) {
      case 'In': return key in labels && (values ?? []).includes(labels[key]);
      case 'NotIn': return !(key in labels) || !(values ?? []).includes(labels[key]);
      case 'Exists': return key in labels;
      case 'DoesNotExist': return !(key in labels);
      default: throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}

function namespaceLabels(pod: PolicyPod): Record<string, string> {
  return { ...pod.namespaceLabels, [NAMESPACE_NAME_LABEL]: pod.namespace };
}

function peerMatches(peer: Peer, pod: PolicyPod, policyNamespace: string): boolean {
  if (peer.ipBlock) return false;
  const inNamespace = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaceLabels(pod)) : pod.namespace === policyNamespace;
  return inNamespace && (peer.podSelector ? selects(peer.podSelector, pod.labels) : true);
}

function portMatches(rule: Rule, port: number, protocol: string): boolean {
  if (!rule.ports?.length) return true;
  return rule.ports.some((p) => (p.protocol ?? 'TCP') === protocol
    && (p.port === undefined || (typeof p.port === 'number' && (p.endPort ? port >= p.port && port <= p.endPort : port === p.port))));
}

/** The policies of `pod`'s namespace selecting it for a direction, with their rules of that direction. */
function rulesFor(policies: any[], pod: PolicyPod, direction: 'Ingress' | 'Egress'): Rule[] | undefined {
  const selecting = policies.filter((p) => p.kind === 'NetworkPolicy' && (p.metadata.namespace ?? pod.namespace) === pod.namespace
    && selects(p.spec.podSelector ?? {}, pod.labels)
    && (p.spec.policyTypes ?? (p.spec.egress ? ['Ingress', 'Egress'] : ['Ingress'])).includes(direction));
  if (selecting.length === 0) return undefined;
  return selecting.flatMap((p) => (direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []);
}

/** Whether the policies allow `from` to open a connection to `port` of `to`. */
export function allowsConnection(policies: any[], from: PolicyPod, to: PolicyPod, port: number, protocol = 'TCP'): boolean {
  const egress = rulesFor(policies, from, 'Egress');
  const egressAllowed = egress === undefined
    || egress.some((r) => portMatches(r, port, protocol) && (!r.to?.length || r.to.some((peer) => peerMatches(peer, to, from.namespace))));
  const ingress = rulesFor(policies, to, 'Ingress');
  const ingressAllowed = ingress === undefined
    || ingress.some((r) => portMatches(r, port, protocol) && (!r.from?.length || r.from.some((peer) => peerMatches(peer, from, to.namespace))));
  return egressAllowed && ingressAllowed;
}

/** The pods of the synthesized workloads (Jobs, CronJobs, Deployments, StatefulSets), one per workload, named `Kind/name`. */
export function workloadPods(objects: any[], defaultNamespace: string): PolicyPod[] {
  return objects.flatMap((o) => {
    const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : ['Job', 'Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind) ? o.spec.template : undefined;
    return template ? [{ name: `${o.kind}/${o.metadata.name}`, namespace: o.metadata.namespace ?? defaultNamespace, labels: template.metadata?.labels ?? {} }] : [];
  });
}
