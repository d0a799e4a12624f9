import { k8s } from 'cdk8s-plus-27';
import { NetworkPeer } from './network-peer';
import { BackupEndpoint, DatabaseNetworkPolicyProps, networkPolicyPorts, NetworkPolicyPorts } from './network-policy-props';

type Ingress = k8s.NetworkPolicyIngressRule;
type Egress = k8s.NetworkPolicyEgressRule;

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const pods = (labels: Record<string, string>): k8s.NetworkPolicyPeer => ({ podSelector: { matchLabels: labels } });

/** Egress to object storage (or its proxy). */
export function storageEgress(storage: BackupEndpoint): Egress {
  const except = storage.except?.length ? storage.except : undefined;
  return { to: storage.cidrs.map((cidr) => ({ ipBlock: { cidr, except } })), ports: [tcp(storage.port ?? 443)] };
}

/**
 * The rules of every policy of a cluster, from valid props (see `validateDatabaseNetworkPolicy`)
 * and the policies' namespace. Pure: the construct only wraps them in objects. Ingress takes the
 * clients known at synth, since they can be added after the policies are created.
 */
export class NetworkPolicyRules {
  private readonly ports: NetworkPolicyPorts;
  private readonly members: k8s.NetworkPolicyPeer;

  constructor(private readonly props: DatabaseNetworkPolicyProps, private readonly namespace: string) {
    this.ports = networkPolicyPorts(props);
    this.members = pods(props.databasePodLabels);
  }

  /**
   * 5432 from the members, the apps, the pooler and the bundle's Jobs that speak SQL; 8008 from the members,
   * `patroniApiFrom` and the Jobs that call Patroni's REST API. Each Job is admitted on its one port only.
   */
  public databaseIngress(clients: NetworkPeer[], sqlJobs: Array<Record<string, string>>, patroniApiJobs: Array<Record<string, string>>): Ingress[] {
    const props = this.props;
    return [
      {
        from: [
          this.members,
          ...this.peers(clients),
          ...props.pooler ? [pods(props.pooler.podLabels)] : [],
          ...props.bootstrapJobPodLabels ? [pods(props.bootstrapJobPodLabels)] : [],
          ...sqlJobs.map(pods),
        ],
        ports: [tcp(this.ports.postgres)],
      },
      // Patroni's REST API: the leader race and failsafe mode query the other members; the dynamic configuration Job PATCHes it.
      { from: [this.members, ...this.peers(props.patroniApiFrom ?? []), ...patroniApiJobs.map(pods)], ports: [tcp(this.ports.patroni)] },
      // Prometheus scrapes the exporter and Patroni's /metrics; only the declared peers (none: no rule).
      ...props.metricsFrom?.length ? [{ from: this.peers(props.metricsFrom), ports: [tcp(this.ports.metrics), tcp(this.ports.patroni)] }] : [],
    ];
  }

  public get databaseEgress(): Egress[] {
    return [
      this.dns,
      this.apiServer,
      { to: [this.members], ports: [tcp(this.ports.postgres), tcp(this.ports.patroni)] },
      ...this.props.backupEndpoints ? [storageEgress({ ...this.props.backupEndpoints, port: this.ports.backup })] : [],
    ];
  }

  /** The pooler's clients on its port, Prometheus on its metrics port; none yet means no rule (a rule without peers would admit everyone). */
  public poolerIngress(clients: NetworkPeer[]): Ingress[] {
    const from = this.peers(this.props.pooler?.allowFrom ?? clients);
    const metricsFrom = this.props.metricsFrom ?? [];
    return [
      ...from.length ? [{ from, ports: [tcp(this.ports.pooler)] }] : [],
      // Prometheus scrapes the pooler's exporter; only the declared peers (none: no rule).
      ...metricsFrom.length ? [{ from: this.peers(metricsFrom), ports: [tcp(this.ports.poolerMetrics)] }] : [],
    ];
  }

  /** DNS and the members' PostgreSQL port: the pooler and every Job that connects to the database. */
  public clientEgress(storage?: BackupEndpoint): Egress[] {
    return [this.dns, { to: [this.members], ports: [tcp(this.ports.postgres)] }, ...storage ? [storageEgress(storage)] : []];
  }

  /** DNS and the members' Patroni REST API port: a Job that configures the cluster through Patroni (not PostgreSQL, not the API server). */
  public get patroniApiClientEgress(): Egress[] {
    return [this.dns, { to: [this.members], ports: [tcp(this.ports.patroni)] }];
  }

  /** The API server only (reached by its address from the pod's environment, so no DNS): the secret generator, the volume expansion. */
  public get apiServerEgress(): Egress[] {
    return [this.apiServer];
  }

  private get dns(): Egress {
    const peers = this.props.dns?.peers ?? [NetworkPeer.pods({ 'k8s-app': 'kube-dns' }, 'kube-system')];
    return {
      to: peers.length ? this.peers(peers) : undefined,
      ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(this.ports.dns) }, tcp(this.ports.dns)],
    };
  }

  private get apiServer(): Egress {
    return { to: this.props.apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: this.ports.apiServer.map(tcp) };
  }

  private peers(list: NetworkPeer[]): k8s.NetworkPolicyPeer[] {
    return list.map((p) => p.toPeer(this.namespace));
  }
}
