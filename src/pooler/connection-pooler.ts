import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CONFIG_HASH_ANNOTATION, DEFAULT_POOLER_IMAGE, POOLER_PORT } from './pod-layout';
import { PoolMode } from './pool-mode';
import { renderPoolerTier } from './pooler-tier';
import { ConnectionPoolerProps, PoolerConnectionEnvOptions } from './props';
import { ResolvedConnectionPooler, ResolvedPoolerTier, resolveConnectionPooler, UNPOOLED_USERS } from './validate-props';
import { IPostgresCluster } from '../cluster/cluster-ref';
import { checkConnectionOptions, connectWorkload, ServerCa, serverCa } from '../connect/connect-workload';
import { IConnectableWorkload } from '../connect/workload';
import { ResolvedCredentials } from '../credentials/credentials';
import { registerOwned } from '../private/app-collisions';
import { disruptionBudget } from '../private/disruption-budget';
import { KubeConfigMap, KubeDeployment, KubeService } from '../private/kube';
import { libpqEnv, plusEnv } from '../private/libpq-env';
import { orderAfter } from '../private/ordering';
import { reportResolved } from '../private/tree-report';
import { ValidationErrors } from '../private/validation';

/** One tier's objects. */
export interface ConnectionPoolerTier {
  /** Name of the Deployment, Service, ConfigMap and PodDisruptionBudget. */
  readonly name: string;
  /** The upstream host its pools connect to. */
  readonly upstreamHost: string;
  /** The rendered pgbouncer.ini. */
  readonly config: string;
  /** Hash of the configuration, the image and the start-up script in the pod template (`cdk8s-pgaas/config-hash`). */
  readonly configHash: string;
  readonly configMap: k8s.KubeConfigMap;
  readonly deployment: k8s.KubeDeployment;
  readonly service: k8s.KubeService;
  /** The PodDisruptionBudget, unless disabled. */
  readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
}

/**
 * A highly available PgBouncer tier in front of a PostgreSQL cluster ({@link IPostgresCluster}): a Deployment per tier
 * (`<cluster>-pooler` for the primary, optionally `<cluster>-pooler-repl` for the replicas), each
 * with a Service of the same name, a ConfigMap with the rendered `pgbouncer.ini` and a
 * PodDisruptionBudget.
 *
 * Clients authenticate with SCRAM against the verifier PgBouncer looks up with `auth_query`
 * (`pgaas_pooler.user_lookup`, created by the bootstrap for the pooler role), so apps need no
 * per-user configuration. The pools are sized from the cluster's `max_connections` so that all
 * pooler pods together, a rolling update's surge pods included, stay within it.
 *
 * Declare it through `PostgresCluster`'s `connectionPooler` prop, which also creates what the pooler
 * needs besides its own objects: the pooler role and its lookup function (bootstrap), the role's
 * Secret and the NetworkPolicy. That is the only way to create one: a pooler on its own would
 * synthesize without error and never work.
 *
 * @example
 * const db = new PostgresCluster(chart, 'orders', {
 *   name: 'orders-db',
 *   instances: 3,
 *   roles: [{ name: 'orders_app', memberOf: ['orders_writer'] }],
 *   databases: [{ name: 'orders', prepared: true }],
 *   connectionPooler: { replicas: 2, replicaPooler: true },
 * });
 * const api = new kplus.Deployment(chart, 'api', { containers: [{ image: 'example/api:1.4.2' }] });
 * db.connectionPooler!.addConnectionEnv(api, { user: 'orders_app', database: 'orders' });
 */
export class ConnectionPooler extends Construct {
  /**
   * The default PgBouncer image: Alpine with PgBouncer and busybox, user `postgres` (uid 70). Its
   * entrypoint (which would generate a configuration from environment variables) is bypassed: the
   * container runs `pgbouncer /etc/pgbouncer/pgbouncer.ini` with the mounted configuration unchanged.
   */
  public static readonly DEFAULT_IMAGE = DEFAULT_POOLER_IMAGE;

  /** Pod template annotation holding the hash of everything a pooler pod reads at start. */
  public static readonly CONFIG_HASH_ANNOTATION = CONFIG_HASH_ANNOTATION;

  /**
   * The cluster's pooler, created by `PostgresCluster` (which provides its role, Secret and NetworkPolicy).
   * @internal
   */
  public static _create(scope: Construct, id: string, props: ConnectionPoolerProps, exporterImage?: string): ConnectionPooler {
    return new ConnectionPooler(scope, id, props, exporterImage);
  }

  /** Name of the primary pooler's Service (and Deployment): `<cluster>-pooler`. */
  public readonly serviceName: string;
  /** Name of the replica pooler's Service, when `replicaPooler`. */
  public readonly replicaServiceName?: string;
  /** PgBouncer pods per tier. */
  public readonly replicas: number;
  /** Port of the pooler Services. */
  public readonly port: number = POOLER_PORT;
  /** Pool mode. */
  public readonly poolMode: PoolMode;
  /** PgBouncer image. */
  public readonly image: string;
  /** The pooler role (`auth_user`). */
  public readonly poolerRole: string;
  /** Where the pooler role's password is. */
  public readonly poolerCredentials: ResolvedCredentials;
  /** Whether clients must use TLS. */
  public readonly clientTls: boolean;
  /** The cluster's `max_connections` the sizes are computed from. */
  public readonly maxConnections: number;
  /** `superuser_reserved_connections` (+ `reserved_connections`) of the cluster. */
  public readonly superuserReservedConnections: number;
  /** Connections kept free for everything that does not go through the pooler. */
  public readonly reservedConnections: number;
  /** Pooler pods that can hold connections to one server at once: replicas + 1 surge pod, per tier. */
  public readonly poolerPods: number;
  /** `max_connections - superuserReservedConnections - reservedConnections`. */
  public readonly serverConnectionBudget: number;
  /** `max_db_connections` of each pod: `floor(serverConnectionBudget / (poolerPods * databases))`. */
  public readonly maxDbConnections: number;
  /** `default_pool_size` of each pod. */
  public readonly defaultPoolSize: number;
  /** Upper bound of the server connections of all pooler pods together (<= serverConnectionBudget). */
  public readonly maxServerConnections: number;
  /** `max_client_conn` of each pod. */
  public readonly maxClientConnections: number;
  /**
   * Labels that select the pods of every tier of this pooler, and only them (for a NetworkPolicy);
   * each tier's Service and Deployment add `connection-pooler: <tier name>`.
   */
  public readonly selectorLabels: Record<string, string>;
  /** The primary tier. */
  public readonly primary: ConnectionPoolerTier;
  /** The replica tier, when `replicaPooler`. */
  public readonly replica?: ConnectionPoolerTier;

  private readonly cluster: IPostgresCluster;
  /** The CA clients verify the pooler with, when it serves the cluster's certificate. */
  private readonly ca?: ServerCa;

  private constructor(scope: Construct, id: string, props: ConnectionPoolerProps, exporterImage?: string) {
    super(scope, id);
    registerOwned(this);
    const cluster = props.cluster;
    const errors = new ValidationErrors(`ConnectionPooler ${this.node.path}`);
    const namespace = Chart.of(this).namespace;
    if (namespace !== cluster.namespace) {
      errors.add('namespace (of the Chart)', namespace, `must be the cluster's namespace (${cluster.namespace}): the pooler reads the pooler role's Secret, and Secrets are namespaced`);
    }
    const pooler = { ...reportResolved(this, errors, resolveConnectionPooler(props, cluster)), exporterImage };

    this.cluster = cluster;
    this.replicas = pooler.replicas;
    this.poolMode = pooler.poolMode;
    this.image = pooler.image;
    this.poolerRole = pooler.poolerRole;
    this.poolerCredentials = pooler.credentials;
    this.clientTls = pooler.clientTlsSecretName !== undefined;
    // The cluster's certificate names the pooler Services too, so clients can verify the pooler like the database.
    this.ca = pooler.clientTlsSecretName !== undefined && pooler.clientTlsSecretName === cluster.tlsSecretName
      ? serverCa(cluster.name, cluster.tlsSecretName, cluster.tlsCaKey) : undefined;
    this.maxConnections = pooler.maxConnections;
    this.superuserReservedConnections = pooler.superuserReservedConnections;
    this.reservedConnections = pooler.reservedConnections;
    this.poolerPods = pooler.poolerPods;
    this.serverConnectionBudget = pooler.sizes.serverConnectionBudget;
    this.maxDbConnections = pooler.sizes.maxDbConnections;
    this.defaultPoolSize = pooler.defaultPoolSize;
    this.maxServerConnections = pooler.sizes.maxServerConnections;
    this.maxClientConnections = pooler.maxClientConnections;
    this.selectorLabels = pooler.selectorLabels;

    this.serviceName = pooler.primary.name;
    this.primary = this.tier(pooler, pooler.primary);
    if (pooler.replica) {
      this.replicaServiceName = pooler.replica.name;
      this.replica = this.tier(pooler, pooler.replica);
    }
  }

  /** Host name of the primary pooler's Service (`<cluster>-pooler.<namespace>.svc`). */
  public get host(): string {
    return `${this.serviceName}.${this.cluster.namespace}.svc`;
  }

  /** Host name of the replica pooler's Service, when `replicaPooler`. */
  public get replicaHost(): string | undefined {
    return this.replicaServiceName === undefined ? undefined : `${this.replicaServiceName}.${this.cluster.namespace}.svc`;
  }

  /** Every object of the pooler, for escape hatches (`ApiObject.addJsonPatch`). */
  public get apiObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }

  /**
   * The connection environment pointing an app at the pooler, with the same variables as
   * `PostgresCluster.connectionEnvVars`. PGSSLMODE follows the same rule as the database's: `verify-full`
   * (with PGSSLROOTCERT) when the pooler serves the cluster's verifiable certificate, `require` with
   * another certificate; without client TLS, `prefer` (PgBouncer then offers no TLS).
   */
  public connectionEnvVars(options: PoolerConnectionEnvOptions): k8s.EnvVar[] {
    checkConnectionOptions(`ConnectionPooler ${this.node.path}`, options);
    if (UNPOOLED_USERS.includes(options.user)) {
      throw new Error(`ConnectionPooler ${this.node.path}: "${options.user}" cannot connect through the pooler (superusers and the replication user are never served by the lookup function); connect to the cluster directly`);
    }
    if (options.readOnly && this.replicaHost === undefined) {
      throw new Error(`ConnectionPooler ${this.node.path}: readOnly needs a replica pooler (set replicaPooler: true)`);
    }
    return libpqEnv({
      host: (options.readOnly ? this.replicaHost : this.host)!,
      port: this.port,
      credentials: this.cluster.userCredentials(options.user),
      sslMode: this.ca ? 'verify-full' : this.clientTls ? 'require' : 'prefer',
      sslRootCert: this.ca?.file,
      database: options.database,
      prefix: options.prefix,
      urls: true,
    });
  }

  /** The same environment as {@link connectionEnvVars}, as cdk8s-plus values. */
  public connectionEnv(options: PoolerConnectionEnvOptions): Record<string, kplus.EnvValue> {
    return plusEnv(this, this.connectionEnvVars(options));
  }

  /**
   * Connects a workload through the pooler (cdk8s-plus `Deployment`, `StatefulSet`, `Job`, ... of any
   * cdk8s-plus version): the variables of {@link connectionEnvVars} on each of its containers, the CA
   * certificate mounted with TLS, and its pods admitted through the cluster's NetworkPolicy (which
   * admits the same clients to the pooler). The workload must be in the cluster's namespace.
   */
  public addConnectionEnv(workload: IConnectableWorkload, options: PoolerConnectionEnvOptions): void {
    const env = this.connectionEnvVars(options);
    connectWorkload(this, {
      subject: `ConnectionPooler ${this.node.path}`,
      namespace: this.cluster.namespace,
      networkPolicy: this.cluster.networkPolicy,
      ca: this.ca,
    }, workload, env, options.prefix ?? '');
  }

  private tier(pooler: ResolvedConnectionPooler, tier: ResolvedPoolerTier): ConnectionPoolerTier {
    const manifest = renderPoolerTier(pooler, tier);
    const id = tier.id;
    const configMap = new KubeConfigMap(this, `${id}ConfigMap`, { metadata: manifest.metadata, data: manifest.configMapData });
    const deployment = new KubeDeployment(this, `${id}Deployment`, manifest.deployment);
    orderAfter(deployment, configMap);
    const service = new KubeService(this, `${id}Service`, { metadata: manifest.metadata, spec: manifest.service });
    const podDisruptionBudget = pooler.placement.podDisruptionBudget
      ? disruptionBudget(this, `${id}PodDisruptionBudget`, manifest.metadata, manifest.selector)
      : undefined;
    const { name, upstreamHost, config, configHash } = manifest;
    return { name, upstreamHost, config, configHash, configMap, deployment, service, podDisruptionBudget };
  }
}
