import { ApiObject, Chart, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Rules, ValidationErrors, validateLabels } from '../private/validation';

/** The label the API server puts on every Namespace (Kubernetes >= 1.21), so namespaces can be selected by name. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

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

  /** A raw Kubernetes peer, for anything the other factories cannot express. */
  public static fromPeer(peer: k8s.NetworkPolicyPeer): NetworkPeer {
    return new NetworkPeer({ raw: peer });
  }

  private constructor(private readonly spec: PeerSpec) {}

  /** Problems with the peer's values (labels, CIDRs), for the caller's validation. */
  public validate(): string[] {
    const errors = new ValidationErrors('NetworkPeer');
    validateLabels(errors, 'pod labels', this.spec.podLabels);
    validateLabels(errors, 'namespace labels', this.spec.namespaceLabels);
    for (const cidr of [this.spec.cidr, ...this.spec.except ?? []]) {
      if (cidr !== undefined && !isCidr(cidr)) errors.add('ipBlock', cidr, 'must be an IPv4 or IPv6 CIDR such as 10.0.0.0/16 or 2001:db8::/32');
    }
    return [...errors.messages];
  }

  /** The peer as a Kubernetes NetworkPolicyPeer, for a policy in `policyNamespace`. */
  public toPeer(policyNamespace: string): k8s.NetworkPolicyPeer {
    const s = this.spec;
    if (s.raw) return s.raw;
    if (s.cidr) return { ipBlock: { cidr: s.cidr, except: s.except?.length ? s.except : undefined } };
    if (s.selector) return selectorPeer(s.selector, policyNamespace);
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

function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  if (rest.length || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) return bits <= 32 && address.split('.').every((o) => Number(o) <= 255 && String(Number(o)) === o);
  return bits <= 128 && /^[0-9a-fA-F:]+$/.test(address) && address.includes(':') && (address.match(/::/g) ?? []).length <= 1;
}

/** Where the members reach the Kubernetes API server (Patroni's DCS, the secret generator). */
export interface ApiServerEndpoint {
  /**
   * CIDRs of the API server **endpoints** (not the `kubernetes` Service's ClusterIP: most CNIs evaluate
   * egress after the Service address is translated). Find them with
   * `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`.
   */
  readonly cidrs: string[];
  /**
   * Port of the endpoints (6443 on kubeadm, 443 on most managed clusters).
   * @default 443
   */
  readonly port?: number;
  /**
   * More ports of the endpoints, when the port differs between environments.
   * @default - none
   */
  readonly additionalPorts?: number[];
}

/** DNS egress of every policy. */
export interface DnsEgress {
  /**
   * Where DNS is allowed to. The default selects CoreDNS/kube-dns pods; NodeLocal DNSCache listens
   * on a link-local address that no selector matches: use `[NetworkPeer.ipBlock('169.254.20.10/32')]`,
   * or an empty list for "any destination on port 53".
   * @default [NetworkPeer.pods({ 'k8s-app': 'kube-dns' }, 'kube-system')]
   */
  readonly peers?: NetworkPeer[];
  /**
   * DNS port.
   * @default 53 (UDP and TCP)
   */
  readonly port?: number;
}

/** Object storage (or a proxy) the backups write to. */
export interface BackupEndpoint {
  /**
   * CIDRs of the storage endpoints. Public object storage has no stable addresses: it usually needs
   * "0.0.0.0/0" (minus private ranges in `except`), unless traffic goes through an egress proxy or a
   * VPC/private endpoint with a known range.
   */
  readonly cidrs: string[];
  /**
   * CIDRs to exclude from `cidrs`, e.g. the cluster's pod and service ranges.
   * @default - none
   */
  readonly except?: string[];
  /**
   * Port of the endpoints.
   * @default 443
   */
  readonly port?: number;
}

/** The connection pooler's pods, when the cluster has one. */
export interface PoolerNetworkOptions {
  /** Labels that select the pooler's pods (and only them). */
  readonly podLabels: Record<string, string>;
  /**
   * Port the pooler listens on.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Who may connect to the pooler.
   * @default - the peers allowed to the database (`allowFrom`)
   */
  readonly allowFrom?: NetworkPeer[];
}

/** Properties of {@link DatabaseNetworkPolicy}. */
export interface DatabaseNetworkPolicyProps {
  /** Base name of the policies: `<name>-database`, `-pooler`, `-secrets`, `-bootstrap`, `-backup`. */
  readonly name: string;
  /**
   * Labels that select the database member pods and nothing else (not the Jobs of the bundle).
   * Polaris accepts a policy only when its podSelector matches exactly one pod label, so a single
   * dedicated label is best.
   */
  readonly databasePodLabels: Record<string, string>;
  /**
   * PostgreSQL port.
   * @default 5432
   */
  readonly postgresPort?: number;
  /**
   * Patroni REST API port.
   * @default 8008
   */
  readonly patroniPort?: number;
  /** The Kubernetes API server: Patroni keeps its leader lock there (egress is mandatory). */
  readonly apiServer: ApiServerEndpoint;
  /**
   * DNS egress.
   * @default - kube-dns pods in kube-system, port 53 UDP and TCP
   */
  readonly dns?: DnsEgress;
  /**
   * Application pods allowed to connect to PostgreSQL (port 5432). Add more with {@link allowConnectionsFrom}.
   * @default - none
   */
  readonly allowFrom?: NetworkPeer[];
  /**
   * Peers allowed to the Patroni REST API (8008) besides the members, e.g. a Prometheus scraping
   * `/metrics`. The API's unsafe endpoints need authentication; its GET endpoints do not.
   * @default - the members only
   */
  readonly patroniApiFrom?: NetworkPeer[];
  /**
   * The connection pooler: its pods may connect to the database, and get their own policy.
   * @default - no pooler
   */
  readonly pooler?: PoolerNetworkOptions;
  /**
   * Labels of the bootstrap Job's pods: they may connect to the database (and get their own policy).
   * @default - no bootstrap Job
   */
  readonly bootstrapJobPodLabels?: Record<string, string>;
  /**
   * Labels of the secret generator Job's pods: they get egress to the API server only.
   * @default - no secret generator
   */
  readonly secretGeneratorPodLabels?: Record<string, string>;
  /**
   * Labels of the logical backup Job pods: database, DNS and backup storage egress.
   * @default - no backup Jobs
   */
  readonly backupJobPodLabels?: Record<string, string>;
  /**
   * Backup storage the members (WAL archiving) and backup Jobs write to.
   * @default - no backup egress
   */
  readonly backupEndpoints?: BackupEndpoint;
  /**
   * Labels of the policies.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** The NetworkPolicies of a cluster, as the constructs that connect to it use them. */
export interface IDatabaseNetworkPolicy {
  /** Allows pods to connect to PostgreSQL (port 5432). */
  allowConnectionsFrom(...peers: NetworkPeer[]): void;
  /**
   * A policy for a Job that connects to the database (no ingress; egress to DNS, the members' 5432
   * and optionally backup storage), and admits its pods to the members.
   */
  addDatabaseClientJob(id: string, nameSuffix: string, podLabels: Record<string, string>, storage?: BackupEndpoint): k8s.KubeNetworkPolicy;
}

/**
 * Default-deny NetworkPolicies (networking.k8s.io/v1) for a cluster's pods, each with explicit allows:
 *
 * - members: ingress 5432 from the allowed apps, the pooler, the bundle's Jobs and the other members
 *   (replication, pg_rewind), 8008 from the other members only (leader race, failsafe); egress to DNS,
 *   the API server, the other members (5432, 8008) and the backup storage;
 * - pooler: ingress on its port from the allowed apps; egress to DNS and the members' 5432;
 * - secret generator Job: no ingress; egress to the API server;
 * - bootstrap Job: no ingress; egress to DNS and the members' 5432;
 * - backup Jobs: no ingress; egress to DNS, the members' 5432 and the backup storage.
 *
 * Kubelet probes come from the node and are not subject to NetworkPolicy in most CNIs (Calico, Cilium,
 * the kube-proxy based ones allow host-to-local-pod traffic); no rule is needed for them. Policies are
 * only enforced when the cluster's CNI implements NetworkPolicy.
 */
export class DatabaseNetworkPolicy extends Construct implements IDatabaseNetworkPolicy {
  /** The policy of the database members. */
  public readonly database: k8s.KubeNetworkPolicy;
  private readonly clientJobs: Array<Record<string, string>> = [];
  private readonly addClientJobPolicy: (
    id: string, suffix: string, podLabels: Record<string, string>, storage?: BackupEndpoint) => k8s.KubeNetworkPolicy;
  /** The pooler's policy, when there is a pooler. */
  public readonly pooler?: k8s.KubeNetworkPolicy;
  /** The secret generator Job's policy. */
  public readonly secretGenerator?: k8s.KubeNetworkPolicy;
  /** The bootstrap Job's policy. */
  public readonly bootstrap?: k8s.KubeNetworkPolicy;
  /** The backup Jobs' policy. */
  public readonly backup?: k8s.KubeNetworkPolicy;

  private readonly clients: NetworkPeer[];

  constructor(scope: Construct, id: string, props: DatabaseNetworkPolicyProps) {
    super(scope, id);
    const errors = new ValidationErrors(`DatabaseNetworkPolicy ${this.node.path}`);
    const nameProblem = Rules.dns1123Subdomain(`${props.name}-bootstrap`);
    if (nameProblem) errors.add('name', props.name, nameProblem);
    const namespace = Chart.of(this).namespace;
    if (!namespace) errors.add('namespace (of the Chart)', namespace, 'must be set: peers in other namespaces are selected relative to it');
    if (Object.keys(props.databasePodLabels).length === 0) errors.add('databasePodLabels', props.databasePodLabels, 'must not be empty: an empty selector would select every pod of the namespace');
    validateLabels(errors, 'databasePodLabels', props.databasePodLabels);
    validateLabels(errors, 'labels', props.labels);
    for (const [property, labels] of [['pooler.podLabels', props.pooler?.podLabels], ['bootstrapJobPodLabels', props.bootstrapJobPodLabels],
      ['secretGeneratorPodLabels', props.secretGeneratorPodLabels], ['backupJobPodLabels', props.backupJobPodLabels]] as const) {
      if (labels === undefined) continue;
      validateLabels(errors, property, labels);
      if (Object.keys(labels).length === 0) {
        errors.add(property, labels, 'must not be empty: an empty selector would select every pod of the namespace');
      } else if (Object.entries(labels).every(([k, v]) => props.databasePodLabels[k] === v)) {
        errors.add(property, labels, 'must not also select the database pods: give each group a label of its own');
      }
    }
    const port = (property: string, value: number | undefined, fallback: number) => {
      const p = value ?? fallback;
      if (!Number.isInteger(p) || p < 1 || p > 65535) errors.add(property, p, 'must be a port number 1..65535');
      return p;
    };
    const postgresPort = port('postgresPort', props.postgresPort, 5432);
    const patroniPort = port('patroniPort', props.patroniPort, 8008);
    const apiPort = port('apiServer.port', props.apiServer.port, 443);
    const dnsPort = port('dns.port', props.dns?.port, 53);
    const poolerPort = port('pooler.port', props.pooler?.port, 5432);
    const backupPort = port('backupEndpoints.port', props.backupEndpoints?.port, 443);
    if (props.apiServer.cidrs.length === 0) errors.add('apiServer.cidrs', props.apiServer.cidrs, 'must name at least one CIDR: Patroni cannot hold its leader lock without the API server');
    for (const cidr of props.apiServer.cidrs) if (!isCidr(cidr)) errors.add('apiServer.cidrs', cidr, 'must be an IPv4 or IPv6 CIDR');
    for (const cidr of [...props.backupEndpoints?.cidrs ?? [], ...props.backupEndpoints?.except ?? []]) if (!isCidr(cidr)) errors.add('backupEndpoints.cidrs', cidr, 'must be an IPv4 or IPv6 CIDR');
    if (props.backupEndpoints && props.backupEndpoints.cidrs.length === 0) errors.add('backupEndpoints.cidrs', [], 'must name at least one CIDR (0.0.0.0/0 for public object storage)');
    const peerGroups: Array<[string, NetworkPeer[] | undefined]> = [['allowFrom', props.allowFrom], ['patroniApiFrom', props.patroniApiFrom],
      ['pooler.allowFrom', props.pooler?.allowFrom], ['dns.peers', props.dns?.peers]];
    for (const [property, peers] of peerGroups) for (const peer of peers ?? []) errors.addAll(peer.validate().map((m) => `${property}: ${m}`));
    errors.throwIfAny();

    this.clients = [...props.allowFrom ?? []];
    const ns = namespace!;
    const metadata = (suffix: string) => ({ name: `${props.name}-${suffix}`, labels: props.labels });
    const tcp = (p: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(p) });
    const peers = (list: NetworkPeer[]) => list.map((p) => p.toPeer(ns));
    const pods = (labels: Record<string, string>): k8s.NetworkPolicyPeer => ({ podSelector: { matchLabels: labels } });
    const members = pods(props.databasePodLabels);
    const dnsPeers = props.dns?.peers ?? [NetworkPeer.pods({ 'k8s-app': 'kube-dns' }, 'kube-system')];
    const dns: k8s.NetworkPolicyEgressRule = {
      to: dnsPeers.length ? peers(dnsPeers) : undefined,
      ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(dnsPort) }, tcp(dnsPort)],
    };
    const apiPorts = [apiPort, ...(props.apiServer.additionalPorts ?? []).map((p, i) => port(`apiServer.additionalPorts[${i}]`, p, p))];
    const apiServer: k8s.NetworkPolicyEgressRule = { to: props.apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: apiPorts.map(tcp) };
    const except = props.backupEndpoints?.except?.length ? props.backupEndpoints.except : undefined;
    const backup: k8s.NetworkPolicyEgressRule[] = props.backupEndpoints
      ? [{ to: props.backupEndpoints.cidrs.map((cidr) => ({ ipBlock: { cidr, except } })), ports: [tcp(backupPort)] }]
      : [];
    const toDatabase: k8s.NetworkPolicyEgressRule = { to: [members], ports: [tcp(postgresPort)] };
    type Ingress = () => k8s.NetworkPolicyIngressRule[];
    const policy = (policyId: string, suffix: string, podLabels: Record<string, string>, ingress: Ingress, egress: k8s.NetworkPolicyEgressRule[]) =>
      new k8s.KubeNetworkPolicy(this, policyId, {
        metadata: metadata(suffix),
        spec: {
          podSelector: { matchLabels: podLabels },
          // Both types listed: whatever is not allowed below is denied, in both directions.
          policyTypes: ['Ingress', 'Egress'],
          ingress: Lazy.any({ produce: () => ingress() }) as any,
          egress,
        },
      });

    this.database = policy('Database', 'database', props.databasePodLabels, () => [
      {
        from: [
          members,
          ...peers(this.clients),
          ...props.pooler ? [pods(props.pooler.podLabels)] : [],
          ...props.bootstrapJobPodLabels ? [pods(props.bootstrapJobPodLabels)] : [],
          ...props.backupJobPodLabels ? [pods(props.backupJobPodLabels)] : [],
          ...this.clientJobs.map(pods),
        ],
        ports: [tcp(postgresPort)],
      },
      // Patroni's REST API: the leader race and failsafe mode query the other members.
      { from: [members, ...peers(props.patroniApiFrom ?? [])], ports: [tcp(patroniPort)] },
    ], [
      dns,
      apiServer,
      { to: [members], ports: [tcp(postgresPort), tcp(patroniPort)] },
      ...backup,
    ]);

    if (props.pooler) {
      const pooler = props.pooler;
      this.pooler = policy('Pooler', 'pooler', pooler.podLabels, () => {
        const from = peers(pooler.allowFrom ?? this.clients);
        // An ingress rule with no peers would allow everyone; no client yet means no ingress rule.
        return from.length ? [{ from, ports: [tcp(poolerPort)] }] : [];
      }, [dns, toDatabase]);
    }
    if (props.secretGeneratorPodLabels) {
      this.secretGenerator = policy('SecretGenerator', 'secrets', props.secretGeneratorPodLabels, () => [], [apiServer]);
    }
    if (props.bootstrapJobPodLabels) {
      this.bootstrap = policy('Bootstrap', 'bootstrap', props.bootstrapJobPodLabels, () => [], [dns, toDatabase]);
    }
    if (props.backupJobPodLabels) {
      this.backup = policy('Backup', 'backup', props.backupJobPodLabels, () => [], [dns, toDatabase, ...backup]);
    }
    this.addClientJobPolicy = (jobId, suffix, podLabels, storage) => {
      this.clientJobs.push(podLabels);
      const storageRule: k8s.NetworkPolicyEgressRule[] = storage
        ? [{
          to: storage.cidrs.map((cidr) => ({ ipBlock: { cidr, except: storage.except?.length ? storage.except : undefined } })),
          ports: [tcp(storage.port ?? 443)],
        }]
        : [];
      return policy(jobId, suffix, podLabels, () => [], [dns, toDatabase, ...storageRule]);
    };
  }

  /**
   * Adds another Job of the bundle that connects to the database (for example a BackupSchedule): the
   * members accept it on the PostgreSQL port, and its own policy allows only DNS, the members and
   * the given storage endpoints.
   */
  public addDatabaseClientJob(id: string, nameSuffix: string, podLabels: Record<string, string>, storage?: BackupEndpoint): k8s.KubeNetworkPolicy {
    return this.addClientJobPolicy(id, nameSuffix, podLabels, storage);
  }

  /** Allows more application pods to connect to PostgreSQL (and to the pooler, unless it has its own list). */
  public allowConnectionsFrom(...peers: NetworkPeer[]): void {
    const problems = peers.flatMap((p) => p.validate());
    if (problems.length) throw new Error(`DatabaseNetworkPolicy ${this.node.path}: invalid peer: ${problems.join('; ')}`);
    this.clients.push(...peers);
  }

  /** Allows a cdk8s-plus workload (Deployment, StatefulSet, Job, Pods.select(...)) to connect. */
  public allowWorkload(workload: kplus.IPodSelector): void {
    this.allowConnectionsFrom(NetworkPeer.fromPodSelector(workload));
  }

  /** The policies, for dependencies and escape hatches. */
  public get apiObjects(): ApiObject[] {
    return [this.database, this.pooler, this.secretGenerator, this.bootstrap, this.backup].filter((p): p is k8s.KubeNetworkPolicy => p !== undefined);
  }
}
