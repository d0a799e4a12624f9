import { ApiObject, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NetworkPeer } from './network-peer';
import { BackupEndpoint, DatabaseNetworkPolicyProps, validateDatabaseNetworkPolicy } from './network-policy-props';
import { NetworkPolicyRules } from './network-policy-rules';
import { NETWORK_POLICY_SCHEMA } from './prop-types';
import { IWorkloadPods } from '../connect/workload';
import { KubeNetworkPolicy } from '../private/kube';
import { ClusterNames } from '../private/names';
import { requirePropTypes } from '../private/runtime-types';
import { problemsChanged, reportAtSynth } from '../private/tree-report';
import { Problem, ValidationErrors } from '../private/validation';

// The public types of the policies, importable from the construct's module.
export { NetworkPeer } from './network-peer';
export type { ApiServerEndpoint, BackupEndpoint, DatabaseNetworkPolicyProps, DnsEgress, PoolerNetworkOptions } from './network-policy-props';

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
 * - members: ingress 5432 from the allowed apps, the pooler, the bundle's SQL Jobs and the other members
 *   (replication, pg_rewind), 8008 from the other members (leader race, failsafe) and the Jobs that call
 *   the REST API (`addPatroniApiClientJob`); egress to DNS, the API server, the other members (5432, 8008)
 *   and the backup storage; no Job is in the members' group;
 * - pooler: ingress on its port from the allowed apps; egress to DNS and the members' 5432;
 * - secret generator Job: no ingress; egress to the API server;
 * - bootstrap Job: no ingress; egress to DNS and the members' 5432;
 * - other Jobs that connect (logical backups, the major upgrade, see `addDatabaseClientJob`): no ingress;
 *   egress to DNS, the members' 5432 and their storage;
 * - the dynamic configuration Job (`addPatroniApiClientJob`): no ingress; egress to DNS and the members' 8008;
 * - Jobs of the Kubernetes API only (the volume expansion, `addApiServerClientJob`): no ingress; egress to the API server.
 *
 * Kubelet probes come from the node and are not subject to NetworkPolicy in most CNIs (Calico, Cilium,
 * the kube-proxy based ones allow host-to-local-pod traffic); no rule is needed for them. Policies are
 * only enforced when the cluster's CNI implements NetworkPolicy.
 */
export class DatabaseNetworkPolicy extends Construct implements IDatabaseNetworkPolicy {
  /** The policy of the database members. */
  public readonly database: k8s.KubeNetworkPolicy;
  /** The pooler's policy, when there is a pooler. */
  public readonly pooler?: k8s.KubeNetworkPolicy;
  /** The secret generator Job's policy. */
  public readonly secretGenerator?: k8s.KubeNetworkPolicy;
  /** The bootstrap Job's policy. */
  public readonly bootstrap?: k8s.KubeNetworkPolicy;

  private readonly clients: NetworkPeer[];
  /** Pod labels of the Jobs admitted to the members' PostgreSQL port, and of those admitted to their REST API port. */
  private readonly sqlJobs: Array<Record<string, string>> = [];
  private readonly patroniApiJobs: Array<Record<string, string>> = [];
  private readonly rules: NetworkPolicyRules;
  private readonly peerProblems: Problem[] = [];

  constructor(scope: Construct, id: string, private readonly props: DatabaseNetworkPolicyProps) {
    super(scope, id);
    const errors = new ValidationErrors(`DatabaseNetworkPolicy ${this.node.path}`);
    requirePropTypes(this, errors.subject, props, NETWORK_POLICY_SCHEMA);
    const namespace = Chart.of(this).namespace;
    if (!namespace) errors.add('namespace (of the Chart)', namespace, 'must be set: peers in other namespaces are selected relative to it');
    errors.addProblems(validateDatabaseNetworkPolicy(props));
    // Peers added later (allowConnectionsFrom) are checked with the props, in the tree's one report at synth.
    reportAtSynth(this, errors.subject, () => [...errors.problems, ...this.peerProblems]);

    this.clients = [...props.allowFrom ?? []];
    this.rules = new NetworkPolicyRules(props, namespace!);
    const names = new ClusterNames(props.name);
    this.database = this.policy('Database', names.databaseNetworkPolicy, props.databasePodLabels,
      () => this.rules.databaseIngress(this.clients, this.sqlJobs, this.patroniApiJobs), this.rules.databaseEgress);
    if (props.pooler) {
      this.pooler = this.policy('Pooler', names.primaryPooler, props.pooler.podLabels, () => this.rules.poolerIngress(this.clients), this.rules.clientEgress());
    }
    if (props.secretGeneratorPodLabels) {
      this.secretGenerator = this.policy('SecretGenerator', names.secretGenerator, props.secretGeneratorPodLabels, () => [], this.rules.apiServerEgress);
    }
    if (props.bootstrapJobPodLabels) {
      this.bootstrap = this.policy('Bootstrap', names.bootstrap, props.bootstrapJobPodLabels, () => [], this.rules.clientEgress());
    }
  }

  /**
   * Adds another Job of the bundle that connects to the database (for example a BackupSchedule): the
   * members accept it on the PostgreSQL port, and its own policy allows only DNS, the members and
   * the given storage endpoints.
   */
  public addDatabaseClientJob(id: string, nameSuffix: string, podLabels: Record<string, string>, storage?: BackupEndpoint): k8s.KubeNetworkPolicy {
    this.sqlJobs.push(podLabels);
    return this.policy(id, `${this.props.name}-${nameSuffix}`, podLabels, () => [], this.rules.clientEgress(storage));
  }

  /**
   * Adds a Job of the bundle that talks only to the members' Patroni REST API (the dynamic configuration
   * Job): the members accept it on the REST API port and not on PostgreSQL's, and its own policy allows
   * only DNS and the members' REST API port.
   */
  public addPatroniApiClientJob(id: string, nameSuffix: string, podLabels: Record<string, string>): k8s.KubeNetworkPolicy {
    this.patroniApiJobs.push(podLabels);
    return this.policy(id, `${this.props.name}-${nameSuffix}`, podLabels, () => [], this.rules.patroniApiClientEgress);
  }

  /**
   * Adds another Job of the bundle that talks only to the Kubernetes API (for example the volume
   * expansion): no ingress, egress to the API server only.
   */
  public addApiServerClientJob(id: string, nameSuffix: string, podLabels: Record<string, string>): k8s.KubeNetworkPolicy {
    return this.policy(id, `${this.props.name}-${nameSuffix}`, podLabels, () => [], this.rules.apiServerEgress);
  }

  /** Allows more application pods to connect to PostgreSQL (and to the pooler, unless it has its own list). */
  public allowConnectionsFrom(...peers: NetworkPeer[]): void {
    peers.forEach((peer, i) => this.peerProblems.push(...peer._validate().map((p) => ({ ...p, property: `allowConnectionsFrom[${i}].${p.property}` }))));
    this.clients.push(...peers);
    problemsChanged(this);
  }

  /** Allows a workload (Deployment, StatefulSet, Job, DaemonSet of any cdk8s-plus version) to connect. */
  public allowWorkload(workload: IWorkloadPods): void {
    this.allowConnectionsFrom(NetworkPeer.fromWorkload(workload));
  }

  /** The policies, for dependencies and escape hatches. */
  public get apiObjects(): ApiObject[] {
    return [this.database, this.pooler, this.secretGenerator, this.bootstrap].filter((p): p is k8s.KubeNetworkPolicy => p !== undefined);
  }

  private policy(
    id: string, name: string, podLabels: Record<string, string>, ingress: () => k8s.NetworkPolicyIngressRule[], egress: k8s.NetworkPolicyEgressRule[],
  ): k8s.KubeNetworkPolicy {
    return new KubeNetworkPolicy(this, id, {
      metadata: { name, labels: this.props.labels },
      spec: {
        podSelector: { matchLabels: podLabels },
        // Both types listed: whatever is not allowed below is denied, in both directions.
        policyTypes: ['Ingress', 'Egress'],
        // Clients can be added after the policies are created. An empty list is left out, not
        // written as `[]`: the API server stores `[]` as absent, so an applied `[]` differs from the
        // live object on every sync and bumps its generation (found by the drift test on a real API
        // server). policyTypes alone already denies everything not listed.
        ingress: Lazy.any({ produce: () => nonEmpty(ingress()) }) as any,
        egress: nonEmpty(egress),
      },
    });
  }
}

function nonEmpty<T>(rules: T[]): T[] | undefined {
  return rules.length > 0 ? rules : undefined;
}
