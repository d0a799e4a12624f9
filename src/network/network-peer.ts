import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { IWorkloadPods } from '../connect/workload';
import { written } from '../private/kube';
import { Problem, Rules, ValidationErrors, validateLabels } from '../private/validation';

/** The label the API server puts on every Namespace (Kubernetes >= 1.21), so namespaces can be selected by name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The rule an IP block breaks. */
export const CIDR_RULE = 'must be an IPv4 or IPv6 CIDR such as 10.0.0.0/16 or 2001:db8::/32';

/**
 * Who may connect (ingress) or be connected to (egress): pods by labels, namespaces, IP blocks, or a
 * cdk8s-plus workload. A peer with pods but no namespace means the policy's own namespace.
 */
export class NetworkPeer {
  /**
   * Pods with these labels, in the policy's namespace or in the named one.
   * @param labels pod labels (all must match)
   * @param namespace namespace name; default: the namespace of the policy
   */
  public static pods(labels: Record<string, string>, namespace?: string): NetworkPeer {
    return new NetworkPeer({ podLabels: labels, namespaceLabels: namespace ? { [NAMESPACE_NAME_LABEL]: namespace } : undefined });
  }

  /** Pods with these labels in every namespace whose labels match `namespaceLabels` ({} = every namespace). */
  public static podsInNamespaces(podLabels: Record<string, string>, namespaceLabels: Record<string, string>): NetworkPeer {
    return new NetworkPeer({ podLabels, namespaceLabels });
  }

  /** Every pod of the namespaces whose labels match ({} = every namespace of the cluster). */
  public static namespaces(namespaceLabels: Record<string, string>): NetworkPeer {
    return new NetworkPeer({ namespaceLabels });
  }

  /**
   * Addresses outside the cluster's pod network (API server, object storage, a VPC endpoint). IP blocks
   * should not be used for pods: pod IPs change.
   * @param cidr an IPv4 or IPv6 CIDR, e.g. "10.0.0.0/16" or "0.0.0.0/0"
   * @param except CIDRs inside `cidr` to exclude
   */
  public static ipBlock(cidr: string, except?: string[]): NetworkPeer {
    return new NetworkPeer({ cidr, except });
  }

  /**
   * The pods of a cdk8s-plus workload or selector (`kplus.Deployment`, `kplus.Pods.select(...)`, ...),
   * through `toPodSelectorConfig()`. A workload in a Chart of another namespace is selected in that
   * namespace.
   */
  public static fromPodSelector(selector: kplus.IPodSelector): NetworkPeer {
    return new NetworkPeer({ selector });
  }

  /**
   * The pods of a workload of any cdk8s-plus version (27 ... 33), by its `matchLabels`; a workload in
   * a Chart of another namespace is selected in that namespace.
   */
  public static fromWorkload(workload: IWorkloadPods): NetworkPeer {
    return new NetworkPeer({ workload });
  }

  /** A raw Kubernetes peer, for anything the other factories cannot express. */
  public static fromPeer(peer: k8s.NetworkPolicyPeer): NetworkPeer {
    return new NetworkPeer({ raw: peer });
  }

  private constructor(private readonly spec: PeerSpec) {}

  /**
   * Problems with the peer's values (labels, CIDRs), relative to the peer: the caller prefixes them
   * with the property that lists it.
   * @internal
   */
  public _validate(): Problem[] {
    const errors = new ValidationErrors('NetworkPeer');
    validateLabels(errors, 'podLabels', this.spec.podLabels);
    validateLabels(errors, 'namespaceLabels', this.spec.namespaceLabels);
    if (this.spec.cidr !== undefined && !isCidr(this.spec.cidr)) errors.add('ipBlock', this.spec.cidr, CIDR_RULE);
    for (const cidr of this.spec.except ?? []) {
      if (!isCidr(cidr)) {errors.add('ipBlock.except', cidr, CIDR_RULE);} else if (this.spec.cidr && isCidr(this.spec.cidr) && !strictlyWithin(cidr, this.spec.cidr)) {
        errors.add('ipBlock.except', cidr, `must lie strictly inside ${this.spec.cidr} (the API server rejects it otherwise)`);
      }
    }
    const namespace = this.spec.namespaceLabels?.[NAMESPACE_NAME_LABEL];
    if (namespace !== undefined) errors.check('namespace', namespace, Rules.dns1123Label(namespace));
    return [...errors.problems];
  }

  /** The peer as a Kubernetes NetworkPolicyPeer, for a policy in `policyNamespace`. */
  public toPeer(policyNamespace: string): k8s.NetworkPolicyPeer {
    const s = this.spec;
    if (s.raw) return written(k8s.toJson_NetworkPolicyPeer)(s.raw);
    if (s.cidr) return { ipBlock: { cidr: s.cidr, except: s.except?.length ? s.except : undefined } };
    if (s.selector) return selectorPeer(s.selector, policyNamespace);
    if (s.workload) {
      const namespace = Chart.of(s.workload).namespace;
      return {
        podSelector: { matchLabels: { ...s.workload.matchLabels } },
        namespaceSelector: namespace && namespace !== policyNamespace ? { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } : undefined,
      };
    }
    return {
      podSelector: s.podLabels ? { matchLabels: s.podLabels } : undefined,
      namespaceSelector: s.namespaceLabels ? (Object.keys(s.namespaceLabels).length ? { matchLabels: s.namespaceLabels } : {}) : undefined,
    };
  }
}

interface PeerSpec {
  readonly podLabels?: Record<string, string>;
  readonly namespaceLabels?: Record<string, string>;
  readonly cidr?: string;
  readonly except?: string[];
  readonly selector?: kplus.IPodSelector;
  readonly workload?: IWorkloadPods;
  readonly raw?: k8s.NetworkPolicyPeer;
}

function selectorPeer(selector: kplus.IPodSelector, policyNamespace: string): k8s.NetworkPolicyPeer {
  const config = selector.toPodSelectorConfig();
  // LabelSelector keeps its labels private; _toKube() is the form cdk8s-plus itself emits.
  const podSelector = config.labelSelector._toKube();
  let namespaceSelector: k8s.LabelSelector | undefined;
  if (config.namespaces?.names?.length) {
    namespaceSelector = { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...config.namespaces.names] }] };
  } else if (config.namespaces?.labelSelector) {
    namespaceSelector = config.namespaces.labelSelector._toKube();
  } else if (selector instanceof kplus.AbstractPod) {
    // A workload's own metadata rarely names its namespace (cdk8s applies the Chart's at synth): without
    // this, a peer in another Chart's namespace would silently select pods of the policy's namespace.
    const namespace = Chart.of(selector).namespace;
    if (namespace && namespace !== policyNamespace) namespaceSelector = { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } };
  }
  return { podSelector, namespaceSelector };
}

export function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  if (rest.length || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) return bits <= 32 && address.split('.').every((o) => Number(o) <= 255 && String(Number(o)) === o);
  return bits <= 128 && /^[0-9a-fA-F:]+$/.test(address) && address.includes(':') && (address.match(/::/g) ?? []).length <= 1;
}

/** An address as a number and its width (32 or 128 bits), for CIDR arithmetic. */
function addressBits(address: string): { value: bigint; width: number } {
  if (address.includes('.')) return { value: address.split('.').reduce((v, o) => v * 256n + BigInt(Number(o)), 0n), width: 32 };
  const [head, tail] = address.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array(missing).fill('0'), ...groups(tail)];
  return { value: all.reduce((v, g) => v * 65536n + BigInt(parseInt(g || '0', 16)), 0n), width: 128 };
}

/** Whether `inner` is a smaller block inside `outer` (same family, longer prefix, same network bits). */
export function strictlyWithin(inner: string, outer: string): boolean {
  const [innerAddress, innerPrefix] = inner.split('/');
  const [outerAddress, outerPrefix] = outer.split('/');
  const a = addressBits(innerAddress);
  const b = addressBits(outerAddress);
  if (a.width !== b.width || Number(innerPrefix) <= Number(outerPrefix)) return false;
  const block = 2n ** BigInt(a.width - Number(outerPrefix));
  return a.value / block === b.value / block;
}
