import { ApiObject, ApiObjectMetadata, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { ConnectionEnvOptions, IPostgresCluster, PostgresClusterAttributes } from './cluster-ref';
import { admitDayTwoJobs, clusterDynamicConfig, clusterMonitoringProps, createMajorUpgrade, createPasswordSync, namespaceOf, VolumeExpansion } from './cluster-wiring';
import { clusterConnectionEnv, connectToCluster } from './connection-env';
import { ImportedPostgresCluster } from './imported-cluster';
import { PatroniRbac } from './patroni-rbac';
import { ResolvedPatroniSettings } from './patroni-settings';
import { PostgresClusterProps } from './props';
import { Spilo, SpiloLabels } from './spilo-contract';
import { clusterObjectLabels, memberSelector, spiloStatefulSetSpec, statefulSetExemptions } from './spilo-pod';
import { ResolvedCluster, resolveClusterProps } from './validate-props';
import { EXEMPTION_REASONS, exemptionAnnotations } from '../audit/exemptions';
import { PolicyCheck } from '../audit/policy-rules';
import { membersSelector } from '../connect/members-peer';
import { IConnectableWorkload, IWorkloadPods } from '../connect/workload';
import { ResolvedCredentials } from '../credentials/credentials';
import { ExternalSecret } from '../credentials/external-secret';
import { SecretGenerator } from '../credentials/secret-generator';
import { DatabaseBootstrap } from '../database/database-bootstrap';
import { ClusterMonitoring } from '../monitoring/cluster-monitoring';
import { DatabaseNetworkPolicy, IDatabaseNetworkPolicy, NetworkPeer } from '../network/network-policy';
import { ConnectionPooler } from '../pooler/connection-pooler';
import { registerOwned } from '../private/app-collisions';
import { disruptionBudget } from '../private/disruption-budget';
import { KubeService, KubeStatefulSet } from '../private/kube';
import { plusEnv } from '../private/libpq-env';
import { NETWORK_GROUP_LABEL, NetworkGroup } from '../private/names';
import { orderAfter } from '../private/ordering';
import { reportAtSynth, reportResolved } from '../private/tree-report';
import { problem, ValidationErrors } from '../private/validation';
import { SpiloTls } from '../tls/server-tls';

/**
 * A highly available PostgreSQL cluster: Spilo (Patroni + PostgreSQL) in a StatefulSet, with
 * Kubernetes ConfigMaps as Patroni's consensus store, primary and replica Services, a
 * PodDisruptionBudget and least-privilege RBAC.
 *
 * Every computed setting is written into the manifest (SPILO_CONFIGURATION), so a reviewer sees
 * exactly what PostgreSQL and Patroni will run with. No Secret values are ever synthesized.
 *
 * @example
 * const app = new App();
 * const chart = new Chart(app, 'orders', { namespace: 'orders' });
 * const db = new PostgresCluster(chart, 'orders', {
 *   name: 'orders-db',
 *   instances: 3,
 *   storage: Size.gibibytes(50),
 *   roles: [{ name: 'orders_app', memberOf: ['orders_writer'] }],
 *   databases: [{ name: 'orders', prepared: true }],
 * });
 * const api = new kplus.Deployment(chart, 'api', { containers: [{ image: 'example/api:1.4.2', portNumber: 8080 }] });
 * db.addConnectionEnv(api, { user: 'orders_app', database: 'orders' });
 */
export class PostgresCluster extends Construct implements IPostgresCluster, kplus.INetworkPolicyPeer {
  /**
   * A cluster synthesized elsewhere (another app or repository), for poolers, logical backups and
   * connection helpers in this app. Its Services, Secrets and ServiceAccount follow the library's names.
   */
  public static fromClusterAttributes(scope: Construct, id: string, attributes: PostgresClusterAttributes): IPostgresCluster {
    return new ImportedPostgresCluster(scope, id, attributes);
  }

  /** Cluster name (Patroni scope). */
  public readonly name: string;
  /** Kubernetes namespace of the cluster (from the Chart). */
  public readonly namespace: string;
  /** Number of members. */
  public readonly instances: number;
  /** PostgreSQL major version. */
  public readonly postgresVersion: number;
  /** The Spilo image of the members (Jobs of the bundle reuse it, so nothing new is pulled). */
  public readonly image: string;
  /** Secrets for pulling the image. */
  public readonly imagePullSecrets: string[];
  /** Name of the primary (read-write) Service. */
  public readonly primaryServiceName: string;
  /** Name of the replica (read-only) Service. */
  public readonly replicaServiceName: string;
  /** Name of the headless Service governing the StatefulSet (stable member DNS names). */
  public readonly headlessServiceName: string;
  /** Name of the superuser Secret. */
  public readonly superuserSecretName: string;
  /** Name of the replication user Secret. */
  public readonly replicationSecretName: string;
  /** PostgreSQL port of every Service. */
  public readonly port: number = Spilo.POSTGRES_PORT;
  /** Every PostgreSQL parameter the cluster runs with: computed defaults merged with `parameters`. */
  public readonly parameters: Record<string, string>;
  /** Patroni settings with defaults applied. */
  public readonly patroniSettings: ResolvedPatroniSettings;
  /** Labels that select this cluster's member pods (stable: they are part of the StatefulSet selector). */
  public readonly selectorLabels: Record<string, string>;
  /** Secret with the server certificate, when `tls` is set. */
  public readonly tlsSecretName?: string;
  /** Key of the CA certificate in `tlsSecretName`. */
  public readonly tlsCaKey?: string;
  /** The identity the members run with. */
  public readonly rbac: PatroniRbac;
  public readonly statefulSet: k8s.KubeStatefulSet;
  public readonly primaryService: k8s.KubeService;
  public readonly replicaService: k8s.KubeService;
  public readonly headlessService: k8s.KubeService;
  /** The PodDisruptionBudget, when one is created (instances > 1). */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /** The secret generator, when any credentials are generated. */
  public readonly secretGenerator?: SecretGenerator;
  /** The bootstrap Job for roles and databases, when any are declared. */
  public readonly bootstrap?: DatabaseBootstrap;
  /** The PgBouncer tier, when `connectionPooler` is set. */
  public readonly connectionPooler?: ConnectionPooler;
  /** The NetworkPolicies, unless turned off. */
  public readonly networkPolicy?: IDatabaseNetworkPolicy;
  /** The PodMonitor (monitoring.coreos.com/v1), with `monitoring.podMonitor`. */
  public readonly podMonitor?: ApiObject;
  /** The PrometheusRule with the cluster's alerts (monitoring.coreos.com/v1), with `monitoring.prometheusRule`. */
  public readonly prometheusRule?: ApiObject;

  private readonly resolved: ResolvedCluster;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    registerOwned(this);
    const errors = new ValidationErrors(`PostgresCluster ${this.node.path}`);
    const resolved = resolveClusterProps(props, {
      namespace: Chart.of(this).namespace,
      secretGeneratorNamespace: namespaceOf(props?.secretGenerator),
      rbacNamespace: namespaceOf(props?.rbac),
    });
    const cluster = this.resolved = reportResolved(this, errors, resolved);

    this.name = cluster.name;
    this.namespace = cluster.namespace;
    this.instances = cluster.instances;
    this.postgresVersion = cluster.postgresVersion;
    this.image = cluster.image;
    this.imagePullSecrets = cluster.imagePullSecrets;
    this.primaryServiceName = cluster.names.primaryService;
    this.replicaServiceName = cluster.names.replicaService;
    this.headlessServiceName = cluster.names.headlessService;
    this.superuserSecretName = cluster.credentials.get(Spilo.SUPERUSER)!.secretName;
    this.replicationSecretName = cluster.credentials.get(Spilo.REPLICATION_USER)!.secretName;
    this.patroniSettings = cluster.patroni;
    this.parameters = cluster.parameters;
    this.selectorLabels = memberSelector(cluster.name);
    this.tlsSecretName = cluster.tls.secretName;
    this.tlsCaKey = cluster.tls.secretName === undefined ? undefined : props.tls?._keys.caKey;

    const objectLabels = clusterObjectLabels(cluster);
    const metadata = (name: string, extraLabels: Record<string, string> = {}) => ({
      name,
      labels: { ...objectLabels, ...extraLabels },
      annotations: props.annotations,
    });

    this.rbac = props.rbac ?? new PatroniRbac(this, 'Rbac', {
      name: cluster.names.patroniRbac,
      labels: objectLabels,
      serviceAccountAnnotations: Object.keys(cluster.backup.serviceAccountAnnotations).length ? cluster.backup.serviceAccountAnnotations : undefined,
    });
    this.rbac.addCluster(cluster.name);
    this.headlessService = new KubeService(this, 'HeadlessService', {
      metadata: metadata(cluster.names.headlessService),
      spec: {
        ...{ clusterIP: 'None' }, // Kubernetes' spelling: the library's objects hold Kubernetes JSON (private/kube.ts)
        // Members must resolve each other while they bootstrap, before they are Ready.
        publishNotReadyAddresses: true,
        selector: this.selectorLabels,
        ports: [
          { name: 'postgresql', port: Spilo.POSTGRES_PORT, targetPort: k8s.IntOrString.fromString('postgresql') },
          { name: 'patroni', port: Spilo.PATRONI_PORT, targetPort: k8s.IntOrString.fromString('patroni') },
        ],
      },
    });
    // Patroni labels the leader pod; the primary Service follows that label (ConfigMaps mode has no leader Endpoints).
    this.primaryService = this.roleService('PrimaryService', metadata(cluster.names.primaryService, { [SpiloLabels.ROLE]: SpiloLabels.LEADER_VALUE }), SpiloLabels.LEADER_VALUE);
    this.replicaService = this.roleService('ReplicaService', metadata(cluster.names.replicaService, { [SpiloLabels.ROLE]: SpiloLabels.REPLICA_VALUE }), SpiloLabels.REPLICA_VALUE);

    // What the members need is created first, so it precedes the StatefulSet without an edge (private/ordering.ts).
    const needs: IConstruct[] = [...this.rbac.apiObjects, this.headlessService];
    if (cluster.monitoring) {
      const monitoring = new ClusterMonitoring(this, 'Monitoring', clusterMonitoringProps(cluster, cluster.monitoring, objectLabels, this.selectorLabels));
      needs.push(monitoring.queries);
      this.podMonitor = monitoring.podMonitor?.apiObject;
      this.prometheusRule = monitoring.prometheusRule?.apiObject;
    }
    if (props.tls) {
      const dnsNames = SpiloTls.dnsNames({
        namespace: this.namespace,
        serviceNames: [cluster.names.primaryService, cluster.names.replicaService, cluster.names.primaryPooler, cluster.names.replicaPooler],
        headlessServiceName: cluster.names.headlessService,
        clusterDomain: props.clusterDomain,
      });
      const certificate = SpiloTls.certificate(this, 'Certificate', props.tls, cluster.name, dnsNames, objectLabels);
      if (certificate) needs.push(certificate);
    }
    this.secretGenerator = this.provisionCredentials(cluster, metadata, needs); // first: the next Job reads its Patroni API Secret
    needs.push(clusterDynamicConfig(this, cluster, this.jobLabels('dynamic-config', 'config'), needs).configMap);
    const podLabels = { ...props.podLabels, ...objectLabels, [NETWORK_GROUP_LABEL]: cluster.names.networkGroup('database') };
    this.statefulSet = new KubeStatefulSet(this, 'Resource', {
      metadata: { ...metadata(cluster.names.statefulSet), annotations: exemptionAnnotations(statefulSetExemptions(cluster), props.annotations) },
      spec: spiloStatefulSetSpec(cluster, this.rbac.serviceAccountName, podLabels),
    });
    orderAfter(this.statefulSet, ...needs);
    this.bootstrap = this.createBootstrap(cluster);
    orderAfter(createMajorUpgrade(this, cluster, this.jobLabels('major-upgrade', 'upgrade')).job, this.statefulSet, this.primaryService);
    this.networkPolicy = this.createNetworkPolicy(cluster, objectLabels);
    orderAfter(VolumeExpansion.forCluster(this, cluster, this.jobLabels('volume-expansion', 'volumes'), this.networkPolicy)?.job, this.statefulSet);
    createPasswordSync(this, cluster, this.primaryHost, this.networkPolicy);
    if (cluster.connectionPooler) {
      this.connectionPooler = ConnectionPooler._create(this, 'Pooler', { ...cluster.connectionPooler, cluster: this }, cluster.monitoring?.poolerExporterImage);
      for (const tier of [this.connectionPooler.primary, this.connectionPooler.replica]) {
        if (tier) orderAfter(tier.deployment, ...needs, this.primaryService, this.replicaService);
      }
    }
    if (cluster.placement.podDisruptionBudget) {
      this.podDisruptionBudget = disruptionBudget(this, 'PodDisruptionBudget', metadata(cluster.names.podDisruptionBudget), this.selectorLabels);
    }
  }

  /** Allows pods to connect to PostgreSQL (port 5432) through the NetworkPolicy. */
  public allowConnectionsFrom(...peers: NetworkPeer[]): void {
    if (!this.networkPolicy) {
      return reportAtSynth(this, `PostgresCluster ${this.node.path}`, [problem('networkPolicy.enabled', false, 'must be true for allowConnectionsFrom: there is no NetworkPolicy to add the peers to')]);
    }
    this.networkPolicy.allowConnectionsFrom(...peers);
  }

  /**
   * Allows a workload (Deployment, StatefulSet, Job, DaemonSet of any cdk8s-plus version) to connect
   * to PostgreSQL, and to the pooler. `addConnectionEnv` does this itself.
   */
  public allowWorkload(workload: IWorkloadPods): void {
    this.allowConnectionsFrom(NetworkPeer.fromWorkload(workload));
  }

  /**
   * The members as a cdk8s-plus-27 network peer, for cdk8s-plus's own idiom
   * `workload.connections.allowTo(db, { ports: [kplus.NetworkPolicyPort.tcp(5432)] })`, which adds policies of
   * its own (egress for the workload, ingress for the members). `addConnectionEnv` and `allowWorkload` do it
   * with the cluster's policy and work with every cdk8s-plus version.
   */
  public toNetworkPolicyPeerConfig(): kplus.NetworkPolicyPeerConfig {
    return { podSelector: membersSelector(this, this.selectorLabels, this.namespace).toPodSelectorConfig() };
  }

  /** The members as a cdk8s-plus-27 pod selector (see {@link toNetworkPolicyPeerConfig}). */
  public toPodSelector(): kplus.IPodSelector | undefined {
    return membersSelector(this, this.selectorLabels, this.namespace);
  }

  /** Host name of the primary Service within the cluster (`<name>.<namespace>.svc`). */
  public get primaryHost(): string {
    return `${this.primaryServiceName}.${this.namespace}.svc`;
  }

  /** Host name of the replica Service within the cluster (`<name>-repl.<namespace>.svc`). */
  public get replicaHost(): string {
    return `${this.replicaServiceName}.${this.namespace}.svc`;
  }

  /** Stable DNS name of one member pod (`<name>-<ordinal>.<name>-headless.<namespace>.svc`). */
  public memberHost(ordinal: number): string {
    return `${this.resolved.names.pod(ordinal)}.${this.headlessServiceName}.${this.namespace}.svc`;
  }

  /** The ServiceAccount the members run as. */
  public get serviceAccountName(): string {
    return this.rbac.serviceAccountName;
  }

  /** Every object of the cluster, for escape hatches (`ApiObject.addJsonPatch`). */
  public get apiObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }

  /**
   * The connection environment for an app container, as plain Kubernetes env entries: PGHOST, PGPORT,
   * PGUSER and PGPASSWORD (from the user's Secret), PGSSLMODE (`verify-full` with PGSSLROOTCERT when
   * the cluster serves a verifiable certificate, which the container must mount there; otherwise
   * `require`), PGDATABASE, and DATABASE_URL / JDBC_DATABASE_URL, which reference the password
   * (`$(PGPASSWORD)`) instead of containing it.
   */
  public connectionEnvVars(options: ConnectionEnvOptions): k8s.EnvVar[] {
    return clusterConnectionEnv(this, options);
  }

  /** The same environment as {@link connectionEnvVars}, as cdk8s-plus values. */
  public connectionEnv(options: ConnectionEnvOptions): Record<string, kplus.EnvValue> {
    return plusEnv(this, this.connectionEnvVars(options));
  }

  /**
   * Connects a workload (cdk8s-plus `Deployment`, `StatefulSet`, `Job`, ... of any cdk8s-plus
   * version): the variables of {@link connectionEnvVars} on each of its containers, the CA
   * certificate mounted with TLS, and its pods admitted through the NetworkPolicy. The workload must
   * be in the cluster's namespace; a second connection of the same container needs its own `prefix`.
   */
  public addConnectionEnv(workload: IConnectableWorkload, options: ConnectionEnvOptions): void {
    connectToCluster(this, workload, options);
  }

  /** Where a login user's name and password are (Secret name and keys). */
  public userCredentials(user: string): ResolvedCredentials {
    const credentials = this.resolved.credentials.get(user);
    if (!credentials) {
      // A misuse of the handle (not a prop), reported where it happens.
      throw new Error(`PostgresCluster ${this.node.path}: "${user}" is not a login user of this cluster (known: ${this.users.join(', ')})`);
    }
    return credentials;
  }

  /** Login users of the cluster: the superuser, the replication user and the declared login roles. */
  public get users(): string[] {
    return [...this.resolved.credentials.keys()];
  }

  private roleService(id: string, metadata: ApiObjectMetadata, role: string): k8s.KubeService {
    const exemption: [PolicyCheck, string] = [PolicyCheck.SERVICE_TARGETS_POD, EXEMPTION_REASONS.roleSelector];
    return new KubeService(this, id, {
      metadata: { ...metadata, annotations: exemptionAnnotations([exemption], metadata.annotations) },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels, [SpiloLabels.ROLE]: role },
        ports: [{ name: 'postgresql', port: Spilo.POSTGRES_PORT, targetPort: k8s.IntOrString.fromString('postgresql') }],
      },
    });
  }

  /** Labels of a Job's pods: never the members' selector labels (the headless Service, the PDB and Patroni select by them) nor their network group. */
  private jobLabels(component: string, group: Exclude<NetworkGroup, 'database' | 'pooler'>): Record<string, string> {
    return {
      ...this.resolved.props.labels,
      'app.kubernetes.io/name': 'postgresql',
      'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
      'app.kubernetes.io/component': component,
      [SpiloLabels.CLUSTER]: this.name,
      [NETWORK_GROUP_LABEL]: this.resolved.names.networkGroup(group),
    };
  }

  /** Registers generated Secrets with the generator (created on first use) and adds ExternalSecrets. */
  private provisionCredentials(cluster: ResolvedCluster, metadata: (name: string) => object, needs: IConstruct[]): SecretGenerator | undefined {
    const props = cluster.props;
    let generator: SecretGenerator | undefined;
    const secretLabels = { ...this.selectorLabels, 'app.kubernetes.io/managed-by': 'cdk8s-pgaas' };
    for (const binding of cluster.bindings) {
      if (binding.generatedSecret) {
        generator ??= props.secretGenerator ?? new SecretGenerator(this, 'SecretGenerator', {
          name: cluster.names.secretGenerator,
          image: cluster.image,
          labels: this.jobLabels('secret-generator', 'secrets'),
          ordering: cluster.ordering,
          imagePullSecrets: props.imagePullSecrets,
          networkIsolated: cluster.networkPolicy !== undefined,
        });
        generator.addSecret({ ...binding.generatedSecret, labels: secretLabels });
      }
      if (binding.externalSecret) {
        const secretName = binding.credentials.secretName;
        needs.push(new ExternalSecret(this, `ExternalSecret-${secretName}`, { ...binding.externalSecret, metadata: metadata(secretName) }));
      }
    }
    if (generator) needs.push(generator.job);
    return generator;
  }

  private createBootstrap(cluster: ResolvedCluster): DatabaseBootstrap | undefined {
    const props = cluster.props;
    const spec = cluster.bootstrapSpec;
    if ((spec.roles ?? []).length === 0 && (spec.databases ?? []).length === 0 && cluster.poolerRole === undefined) return undefined;
    const superuser = cluster.credentials.get(Spilo.SUPERUSER)!;
    const passwords: Record<string, { secretName: string; key: string }> = {};
    for (const [user, c] of cluster.credentials) passwords[user] = { secretName: c.secretName, key: c.passwordKey };
    const bootstrap = new DatabaseBootstrap(this, 'Bootstrap', {
      name: cluster.names.bootstrap,
      spec: cluster.bootstrapSpec,
      image: cluster.image,
      host: this.primaryHost,
      port: Spilo.POSTGRES_PORT,
      superuserUsername: { secretName: superuser.secretName, key: superuser.usernameKey },
      superuserPassword: { secretName: superuser.secretName, key: superuser.passwordKey },
      passwords,
      labels: this.jobLabels('bootstrap', 'bootstrap'),
      networkIsolated: cluster.networkPolicy !== undefined,
      ordering: cluster.ordering,
      imagePullSecrets: props.imagePullSecrets,
    });
    orderAfter(bootstrap.job, this.statefulSet, this.primaryService);
    return bootstrap;
  }

  private createNetworkPolicy(cluster: ResolvedCluster, labels: Record<string, string>): IDatabaseNetworkPolicy | undefined {
    if (!cluster.networkPolicy) return undefined;
    return admitDayTwoJobs(new DatabaseNetworkPolicy(this, 'NetworkPolicy', { ...cluster.networkPolicy, labels }), cluster);
  }
}
