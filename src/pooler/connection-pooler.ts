import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AUTH_FILE_ENV, AUTH_FILE_SCRIPT, AUTH_PASSWORD_ENV, AUTH_USER_ENV } from './auth-file';
import { PgBouncerConfig, PgBouncerConfigInput, PoolMode, PoolSizes } from './pgbouncer-config';
import { EXEMPTION_REASONS, exemptionAnnotations } from '../audit/exemptions';
import { PolicyCheck } from '../audit/policy-rules';
import { PostgresCluster } from '../cluster/postgres-cluster';
import { Placement } from '../scheduling/pod-placement';
import { validateImageReference } from '../cluster/spilo-image';
import { Credentials, ResolvedCredentials } from '../credentials/credentials';
import { BootstrapSql } from '../database/bootstrap-sql';
import { identifierProblem } from '../database/identifiers';
import { contentHash } from '../private/hash';
import { ClusterNames } from '../private/names';
import { placementConstraints } from '../private/placement';
import { resolveContainerResources } from '../private/resources';
import { Rules, ValidationErrors, validateAnnotationKeys, validateLabels } from '../private/validation';

/** Options of a connection pooler, reusable as a property of a cluster. */
export interface ConnectionPoolerOptions {
  /**
   * PgBouncer pods per tier (primary, and replicas when `replicaPooler`).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Also create a pooler for the replicas (`<cluster>-pooler-repl`, read-only traffic).
   * Needs a cluster with at least 2 instances.
   * @default false
   */
  readonly replicaPooler?: boolean;
  /**
   * When a server connection returns to the pool.
   * @default PoolMode.TRANSACTION
   */
  readonly poolMode?: PoolMode;
  /**
   * PgBouncer image. An override must run as any non-root uid and provide `pgbouncer` on the
   * PATH, a POSIX `/bin/sh` (the auth_file init step) and `sleep` and `mv`; the image's entrypoint is
   * not used.
   * @default "docker.io/edoburu/pgbouncer:v1.25.1-p0"
   */
  readonly image?: string;
  /**
   * Secrets for pulling the image.
   * @default - the cluster's imagePullSecrets
   */
  readonly imagePullSecrets?: string[];
  /**
   * CPU and memory of the PgBouncer container. No CPU limit by default: PgBouncer is
   * single-threaded and throttling it stalls every client.
   * @default - cpu request 100m, memory request 64Mi and limit 256Mi
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Client connections each PgBouncer pod accepts (`max_client_conn`).
   * @default 10000
   */
  readonly maxClientConnections?: number;
  /**
   * Server connections per (database, user) pool of each pod (`default_pool_size`); at most the
   * computed `maxDbConnections`.
   * @default - maxDbConnections - 1 (at least 1): one slot stays free for the auth_query connection
   */
  readonly defaultPoolSize?: number;
  /**
   * Connections of each server kept free for everything that does not go through the pooler
   * (Patroni, Spilo, the bootstrap Job, backups, monitoring, operators), on top of
   * `superuser_reserved_connections`.
   * @default 10
   */
  readonly reservedConnections?: number;
  /**
   * Databases served through the pooler. Each gets an explicit entry and an equal share of the
   * connection budget, and clients cannot reach any other database. Each needs the pooler's
   * lookup function (the bootstrap creates it in every declared database).
   * @default - any database (a wildcard entry); the connection bound then holds per database in use
   */
  readonly databases?: string[];
  /**
   * Secret (type kubernetes.io/tls, keys `tls.crt` and `tls.key`) with the certificate PgBouncer
   * presents to clients. When set, clients must use TLS.
   * @default - client TLS off: traffic between apps and the pooler is not encrypted (the pooler's
   * connections to PostgreSQL always are)
   */
  readonly clientTlsSecretName?: string;
  /**
   * Close server connections idle for this long (`server_idle_timeout`).
   * @default Duration.minutes(10)
   */
  readonly serverIdleTimeout?: Duration;
  /**
   * Close server connections older than this when they are idle (`server_lifetime`), so
   * connections spread again over replicas after a failover.
   * @default Duration.hours(1)
   */
  readonly serverLifetime?: Duration;
  /**
   * Give up on a server connection attempt after this (`server_connect_timeout`).
   * @default Duration.seconds(5)
   */
  readonly serverConnectTimeout?: Duration;
  /**
   * How long a client waits for a server connection before it gets an error
   * (`query_wait_timeout`); long enough to ride out a failover.
   * @default Duration.minutes(2)
   */
  readonly queryWaitTimeout?: Duration;
  /**
   * Disconnect clients idle for this long (`client_idle_timeout`).
   * @default - never
   */
  readonly clientIdleTimeout?: Duration;
  /**
   * The pooler role (`auth_user`): runs `pgaas_pooler.user_lookup($1)` as auth_query. It must be
   * the `poolerRole` of the cluster's bootstrap.
   * @default "pooler"
   */
  readonly poolerRole?: string;
  /**
   * Where the pooler role's password is.
   * @default - the cluster's credentials of the pooler role when the cluster declares it, else the
   * Secret "<poolerRole>.<cluster>.credentials.postgresql.acid.zalan.do" (keys username, password)
   */
  readonly credentials?: Credentials;
  /**
   * Spread the pods of a tier over nodes (`kubernetes.io/hostname`). REQUIRED with a rolling update
   * (maxSurge 1) needs `replicas + 1` schedulable nodes, or the surge pod stays Pending.
   * @default Placement.REQUIRED
   */
  readonly hostAntiAffinity?: Placement;
  /**
   * Spread the pods of a tier over zones (topology spread, maxSkew 1).
   * @default Placement.DISABLED
   */
  readonly zoneSpread?: Placement;
  /**
   * Node labels the pods must run on.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Tolerations of the pods.
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * PriorityClass of the pods.
   * @default - none
   */
  readonly priorityClassName?: string;
  /**
   * Create a PodDisruptionBudget (maxUnavailable 1) per tier.
   * @default true
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * Time a pod gets to stop: it first waits 10 s for the Service to stop sending it clients,
   * then PgBouncer finishes the running transactions (safe shutdown) before it exits.
   * @default Duration.seconds(60)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Labels added to every object (not to selectors).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Extra annotations of the pods.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
}

/** Properties of {@link ConnectionPooler}. */
export interface ConnectionPoolerProps extends ConnectionPoolerOptions {
  /** The cluster to pool connections to. */
  readonly cluster: PostgresCluster;
}

/** Options of {@link ConnectionPooler.connectionEnvVars}. */
export interface PoolerConnectionEnvOptions {
  /**
   * Login role to connect as: its credentials Secret provides PGUSER and PGPASSWORD. Superusers
   * cannot connect through the pooler (the lookup function never serves them).
   */
  readonly user: string;
  /**
   * Database to connect to (PGDATABASE).
   * @default - not set (libpq uses the user name)
   */
  readonly database?: string;
  /**
   * Connect through the replica pooler (needs `replicaPooler`).
   * @default false
   */
  readonly readOnly?: boolean;
}

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

const PORT = 5432;
const CONTAINER = 'pgbouncer';
const INIT_CONTAINER = 'auth-file';
const CONFIG_DIR = '/etc/pgbouncer';
const CONFIG_FILE = `${CONFIG_DIR}/pgbouncer.ini`;
const TLS_DIR = '/etc/pgbouncer-tls';
const AUTH_DIR = '/var/run/pgbouncer-auth';
const AUTH_FILE = `${AUTH_DIR}/userlist.txt`;
const SOCKET_DIR = '/var/run/pgbouncer';
/** Seconds the pod keeps serving after it is marked terminating, while Services and kube-proxy catch up. */
const PRESTOP_DELAY = 10;
/** uid/gid of `postgres` in the default image; set explicitly so runAsNonRoot can be verified. */
const POOLER_UID = 70;
const POOLER_GID = 70;
const SUPERUSERS = ['postgres', 'standby'];
const RESERVED_LABELS = ['application', 'connection-pooler', 'cluster-name'];

/**
 * A highly available PgBouncer tier in front of a {@link PostgresCluster}: a Deployment per tier
 * (`<cluster>-pooler` for the primary, optionally `<cluster>-pooler-repl` for the replicas), each
 * with a Service of the same name, a ConfigMap with the rendered `pgbouncer.ini` and a
 * PodDisruptionBudget.
 *
 * Clients authenticate with SCRAM against the verifier PgBouncer looks up with `auth_query`
 * (`pgaas_pooler.user_lookup`, created by the bootstrap for the pooler role), so apps need no
 * per-user configuration. The pools are sized from the cluster's `max_connections` so that all
 * pooler pods together, a rolling update's surge pods included, stay within it.
 */
export class ConnectionPooler extends Construct {
  /**
   * The default PgBouncer image: Alpine with PgBouncer and busybox, user `postgres` (uid 70). Its
   * entrypoint (which would generate a configuration from environment variables) is bypassed: the
   * container runs `pgbouncer /etc/pgbouncer/pgbouncer.ini` with the mounted configuration unchanged.
   */
  public static readonly DEFAULT_IMAGE = 'docker.io/edoburu/pgbouncer:v1.25.1-p0';

  /** Pod template annotation holding the hash of everything a pooler pod reads at start. */
  public static readonly CONFIG_HASH_ANNOTATION = 'cdk8s-pgaas/config-hash';

  /** Name of the primary pooler's Service (and Deployment): `<cluster>-pooler`. */
  public readonly serviceName: string;
  /** Name of the replica pooler's Service, when `replicaPooler`. */
  public readonly replicaServiceName?: string;
  /** PgBouncer pods per tier. */
  public readonly replicas: number;
  /** Port of the pooler Services. */
  public readonly port: number = PORT;
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

  private readonly cluster: PostgresCluster;

  constructor(scope: Construct, id: string, props: ConnectionPoolerProps) {
    super(scope, id);
    const cluster = props.cluster;
    const errors = new ValidationErrors(`ConnectionPooler ${this.node.path}`);
    const namespace = Chart.of(this).namespace;
    if (namespace !== cluster.namespace) {
      errors.add('namespace (of the Chart)', namespace, `must be the cluster's namespace (${cluster.namespace}): the pooler reads the pooler role's Secret, and Secrets are namespaced`);
    }

    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) errors.add('replicas', replicas, 'must be an integer >= 1');
    const replicaPooler = props.replicaPooler ?? false;
    if (replicaPooler && cluster.instances < 2) {
      errors.add('replicaPooler', replicaPooler, `needs a cluster with at least 2 instances (it has ${cluster.instances}): the replica Service has no endpoints otherwise`);
    }
    const image = props.image ?? ConnectionPooler.DEFAULT_IMAGE;
    const imageProblem = validateImageReference(image);
    if (imageProblem) errors.add('image', image, imageProblem);
    const imagePullSecrets = props.imagePullSecrets ?? cluster.imagePullSecrets;
    for (const secret of imagePullSecrets) {
      const problem = Rules.dns1123Subdomain(secret);
      if (problem) errors.add('imagePullSecrets', secret, problem);
    }

    const poolerRole = props.poolerRole ?? BootstrapSql.DEFAULT_POOLER_ROLE;
    const roleProblem = identifierProblem(poolerRole);
    if (roleProblem) errors.add('poolerRole', poolerRole, roleProblem);
    else if (SUPERUSERS.includes(poolerRole)) errors.add('poolerRole', poolerRole, 'must not be the superuser or the replication user: the pooler role only needs to run the lookup function');
    const credentials = resolvePoolerCredentials(cluster, poolerRole, props.credentials);
    if (props.credentials?.secretName !== undefined) {
      const problem = Rules.dns1123Subdomain(credentials.secretName);
      if (problem) errors.add('credentials.secretName', credentials.secretName, problem);
    }

    if (props.clientTlsSecretName !== undefined) {
      const problem = Rules.dns1123Subdomain(props.clientTlsSecretName);
      if (problem) errors.add('clientTlsSecretName', props.clientTlsSecretName, problem);
    }
    if (props.databases !== undefined) {
      if (props.databases.length === 0) errors.add('databases', props.databases, 'must list at least one database; omit it to serve any database');
      props.databases.forEach((db, i) => {
        const problem = identifierProblem(db);
        if (problem) errors.add(`databases[${i}]`, db, problem);
        else if (db === 'pgbouncer') errors.add(`databases[${i}]`, db, 'is the name of PgBouncer\'s admin console');
        if (props.databases!.indexOf(db) !== i) errors.add(`databases[${i}]`, db, 'is listed twice');
      });
    }

    const wholeSeconds = (property: string, value: Duration | undefined, fallback: number, min: number): number => {
      const seconds = value === undefined ? fallback : value.toSeconds({ integral: false });
      if (!Number.isInteger(seconds) || seconds < min) errors.add(property, seconds, `must be a whole number of seconds >= ${min}`);
      return seconds;
    };
    const timeouts = {
      serverIdleTimeout: wholeSeconds('serverIdleTimeout', props.serverIdleTimeout, 600, 0),
      serverLifetime: wholeSeconds('serverLifetime', props.serverLifetime, 3600, 0),
      serverConnectTimeout: wholeSeconds('serverConnectTimeout', props.serverConnectTimeout, 5, 1),
      queryWaitTimeout: wholeSeconds('queryWaitTimeout', props.queryWaitTimeout, 120, 0),
      clientIdleTimeout: wholeSeconds('clientIdleTimeout', props.clientIdleTimeout, 0, 0),
    };
    const grace = wholeSeconds('terminationGracePeriod', props.terminationGracePeriod, 60, PRESTOP_DELAY + 5);

    const maxClientConnections = props.maxClientConnections ?? 10000;
    if (!Number.isInteger(maxClientConnections) || maxClientConnections < 1) errors.add('maxClientConnections', maxClientConnections, 'must be an integer >= 1');
    const reservedConnections = props.reservedConnections ?? 10;
    if (!Number.isInteger(reservedConnections) || reservedConnections < 0) errors.add('reservedConnections', reservedConnections, 'must be an integer >= 0');

    // The numbers the budget is computed from come from the parameters the cluster runs with.
    const parameter = (name: string, fallback: number): number => {
      const raw = cluster.parameters[name];
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value)) {
        errors.add(`cluster.parameters.${name}`, raw, 'must be a whole number for the pooler to size its pools');
        return fallback;
      }
      return value;
    };
    const maxConnections = parameter('max_connections', 100);
    const superuserReserved = parameter('superuser_reserved_connections', 3) + parameter('reserved_connections', 0);
    const tiers = replicaPooler ? 2 : 1;
    // A rolling update (maxSurge 1) briefly runs replicas + 1 pods per tier. The replica tier counts
    // against the primary too: after a failover its connections to the promoted replica stay open
    // until server_lifetime, while the primary tier connects to the same server.
    const poolerPods = (Number.isInteger(replicas) && replicas >= 1 ? replicas + 1 : 2) * tiers;
    const databaseCount = props.databases?.length || 1;
    let sizes: PoolSizes = { serverConnectionBudget: 0, maxDbConnections: 0, maxServerConnections: 0 };
    if (maxConnections < 1) {
      errors.add('cluster.parameters.max_connections', maxConnections, 'must be at least 1');
    } else if (Number.isInteger(reservedConnections) && reservedConnections >= 0) {
      sizes = PgBouncerConfig.poolSizes({
        maxConnections,
        superuserReservedConnections: superuserReserved,
        reservedConnections,
        poolerPods,
        databases: databaseCount,
      });
      if (sizes.maxDbConnections < 1) {
        errors.add('replicas', replicas, `leaves no server connection per pooler pod: max_connections ${maxConnections} - superuser_reserved ${superuserReserved} `
          + `- reservedConnections ${reservedConnections} = ${sizes.serverConnectionBudget} must be at least pooler pods (${poolerPods}: (replicas + 1 surge) x ${tiers} tier(s)) `
          + `x databases (${databaseCount}); raise the cluster's max_connections or lower replicas, reservedConnections or databases`);
      }
    }
    // One slot of each database's share stays free for the auth_query connection (capped at 1 per
    // pod), so logins never have to evict an app's server connection.
    const defaultPoolSize = props.defaultPoolSize ?? Math.max(1, sizes.maxDbConnections - 1);
    const poolSizeValid = Number.isInteger(defaultPoolSize) && defaultPoolSize >= 1 && defaultPoolSize <= sizes.maxDbConnections;
    if (props.defaultPoolSize !== undefined && !poolSizeValid) {
      errors.add('defaultPoolSize', defaultPoolSize, `must be an integer from 1 to maxDbConnections (${sizes.maxDbConnections} = floor((max_connections ${maxConnections} `
        + `- superuser_reserved ${superuserReserved} - reservedConnections ${reservedConnections}) / (pooler pods ${poolerPods} x databases ${databaseCount}))): `
        + 'larger pools would let the poolers exhaust the server');
    }

    const resources = resolveResources(props.resources, errors);
    const hostAntiAffinity = props.hostAntiAffinity ?? Placement.REQUIRED;
    const zoneSpread = props.zoneSpread ?? Placement.DISABLED;
    validateLabels(errors, 'nodeSelector', props.nodeSelector);
    validateLabels(errors, 'labels', props.labels);
    validateAnnotationKeys(errors, 'podAnnotations', props.podAnnotations);
    for (const key of Object.keys(props.labels ?? {})) {
      if (RESERVED_LABELS.includes(key)) errors.add('labels key', key, 'is reserved: the pooler Services and NetworkPolicies select pods by it');
    }
    if (props.priorityClassName !== undefined) {
      const problem = Rules.dns1123Subdomain(props.priorityClassName);
      if (problem) errors.add('priorityClassName', props.priorityClassName, problem);
    }
    errors.throwIfAny();

    this.cluster = cluster;
    this.replicas = replicas;
    this.poolMode = props.poolMode ?? PoolMode.TRANSACTION;
    this.image = image;
    this.poolerRole = poolerRole;
    this.poolerCredentials = credentials;
    this.clientTls = props.clientTlsSecretName !== undefined;
    this.maxConnections = maxConnections;
    this.superuserReservedConnections = superuserReserved;
    this.reservedConnections = reservedConnections;
    this.poolerPods = poolerPods;
    this.serverConnectionBudget = sizes.serverConnectionBudget;
    this.maxDbConnections = sizes.maxDbConnections;
    this.defaultPoolSize = defaultPoolSize;
    this.maxServerConnections = sizes.maxServerConnections;
    this.maxClientConnections = maxClientConnections;
    // Not the cluster's `application: spilo`: the database Services and budget must never select pooler pods.
    this.selectorLabels = { 'application': 'db-connection-pooler', 'cluster-name': cluster.name };

    const configFor = (upstreamHost: string): PgBouncerConfigInput => ({
      upstreamHost,
      upstreamPort: cluster.port,
      databases: props.databases,
      // Every address family: IPv6-only and dual-stack clusters work too.
      listenAddr: '*',
      listenPort: PORT,
      unixSocketDir: SOCKET_DIR,
      authFile: AUTH_FILE,
      authUser: poolerRole,
      poolMode: this.poolMode,
      maxClientConn: maxClientConnections,
      defaultPoolSize,
      maxDbConnections: sizes.maxDbConnections,
      clientTls: this.clientTls ? { certFile: `${TLS_DIR}/tls.crt`, keyFile: `${TLS_DIR}/tls.key` } : undefined,
      ...timeouts,
      // After a failed connection (a failover in progress), retry soon: clients are waiting.
      serverLoginRetry: 1,
      statsUsers: [poolerRole],
    });

    const tierProps: TierProps = {
      image,
      imagePullSecrets,
      credentials,
      poolerRole,
      replicas,
      resources,
      hostAntiAffinity,
      zoneSpread,
      grace,
      clientTlsSecretName: props.clientTlsSecretName,
      nodeSelector: props.nodeSelector,
      tolerations: props.tolerations,
      priorityClassName: props.priorityClassName,
      podDisruptionBudget: props.podDisruptionBudget ?? true,
      labels: { ...props.labels, 'app.kubernetes.io/name': 'pgbouncer', 'app.kubernetes.io/part-of': cluster.name, 'app.kubernetes.io/managed-by': 'cdk8s-pgaas', ...this.selectorLabels },
      podAnnotations: props.podAnnotations,
    };
    const names = new ClusterNames(cluster.name);
    this.serviceName = `${names.primaryService}-pooler`;
    this.primary = this.tier('Primary', this.serviceName, cluster.primaryHost, configFor(cluster.primaryHost), tierProps);
    if (replicaPooler) {
      this.replicaServiceName = `${names.primaryService}-pooler-repl`;
      this.replica = this.tier('Replica', this.replicaServiceName, cluster.replicaHost, configFor(cluster.replicaHost), tierProps);
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
   * libpq environment pointing an app at the pooler: PGHOST (the pooler Service), PGPORT, PGUSER
   * and PGPASSWORD from the user's credentials Secret, PGSSLMODE (`require` with client TLS,
   * otherwise `prefer`, so apps keep working while client TLS is switched on), optionally PGDATABASE.
   */
  public connectionEnvVars(options: PoolerConnectionEnvOptions): k8s.EnvVar[] {
    if (SUPERUSERS.includes(options.user)) {
      throw new Error(`ConnectionPooler ${this.node.path}: "${options.user}" cannot connect through the pooler (superusers and the replication user are never served by the lookup function); connect to the cluster directly`);
    }
    if (options.readOnly && this.replicaHost === undefined) {
      throw new Error(`ConnectionPooler ${this.node.path}: readOnly needs a replica pooler (set replicaPooler: true)`);
    }
    const credentials = this.cluster.userCredentials(options.user);
    return [
      { name: 'PGHOST', value: options.readOnly ? this.replicaHost : this.host },
      { name: 'PGPORT', value: String(this.port) },
      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.usernameKey } } },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.passwordKey } } },
      { name: 'PGSSLMODE', value: this.clientTls ? 'require' : 'prefer' },
      ...options.database ? [{ name: 'PGDATABASE', value: options.database }] : [],
    ];
  }

  /** The same libpq environment as {@link connectionEnvVars}, as cdk8s-plus values. */
  public connectionEnv(options: PoolerConnectionEnvOptions): Record<string, kplus.EnvValue> {
    const result: Record<string, kplus.EnvValue> = {};
    for (const variable of this.connectionEnvVars(options)) {
      const ref = variable.valueFrom?.secretKeyRef;
      result[variable.name] = ref
        ? kplus.EnvValue.fromSecretValue({ secret: this.secretHandle(ref.name!), key: ref.key })
        : kplus.EnvValue.fromValue(variable.value!);
    }
    return result;
  }

  /** Adds the libpq environment of {@link connectionEnv} to a cdk8s-plus container. */
  public addConnectionEnv(container: kplus.Container, options: PoolerConnectionEnvOptions): void {
    for (const [name, value] of Object.entries(this.connectionEnv(options))) container.env.addVariable(name, value);
  }

  private secretHandle(name: string): kplus.ISecret {
    const id = `SecretRef-${name}`;
    return (this.node.tryFindChild(id) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(this, id, name);
  }

  private tier(id: string, name: string, upstreamHost: string, input: PgBouncerConfigInput, props: TierProps): ConnectionPoolerTier {
    const config = PgBouncerConfig.render(input);
    // The pods roll when anything they read at start changes; the ConfigMap keeps a stable name.
    const configHash = contentHash(config, props.image, AUTH_FILE_SCRIPT);
    const selector = { 'application': this.selectorLabels.application, 'connection-pooler': name };
    const labels = { ...props.labels, ...selector };
    const metadata = { name, labels };

    const configMap = new k8s.KubeConfigMap(this, `${id}ConfigMap`, { metadata, data: { 'pgbouncer.ini': config } });

    const { affinity, topologySpreadConstraints } = placementConstraints(props.hostAntiAffinity, props.zoneSpread, selector);

    const securityContext: k8s.SecurityContext = {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      runAsUser: POOLER_UID,
      runAsGroup: POOLER_GID,
      readOnlyRootFilesystem: true,
    };
    const smallResources: k8s.ResourceRequirements = {
      requests: { 'cpu': k8s.Quantity.fromString('10m'), 'memory': k8s.Quantity.fromString('16Mi'), 'ephemeral-storage': k8s.Quantity.fromString('1Mi') },
      limits: { 'cpu': k8s.Quantity.fromString('100m'), 'memory': k8s.Quantity.fromString('64Mi'), 'ephemeral-storage': k8s.Quantity.fromString('16Mi') },
    };
    const initContainer: k8s.Container = {
      name: INIT_CONTAINER,
      image: props.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/sh', '-c', AUTH_FILE_SCRIPT],
      env: [
        { name: AUTH_USER_ENV, value: props.poolerRole },
        { name: AUTH_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: props.credentials.secretName, key: props.credentials.passwordKey } } },
        { name: AUTH_FILE_ENV, value: AUTH_FILE },
      ],
      resources: smallResources,
      securityContext,
      volumeMounts: [{ name: 'auth', mountPath: AUTH_DIR }],
    };
    const tcp = { tcpSocket: { port: k8s.IntOrString.fromString('postgresql') } };
    const container: k8s.Container = {
      name: CONTAINER,
      image: props.image,
      imagePullPolicy: 'IfNotPresent',
      // The image's entrypoint would generate its own configuration; run the mounted one unchanged.
      command: ['pgbouncer', CONFIG_FILE],
      ports: [{ name: 'postgresql', containerPort: PORT, protocol: 'TCP' }],
      resources: props.resources,
      // TCP probes: the image has no client to run a query, and readiness must not follow the
      // database anyway. During a failover PgBouncer holds clients in its queue
      // (query_wait_timeout); failing readiness then would drop every pooler from the Service at
      // once and turn a short wait into "connection refused".
      readinessProbe: { ...tcp, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
      livenessProbe: { ...tcp, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
      lifecycle: {
        preStop: {
          exec: {
            // Keep serving until the Service has dropped this pod, then SIGINT (safe shutdown:
            // running transactions finish, no new ones start) and wait for PgBouncer (pid 1) to
            // exit, so the kubelet's SIGTERM only comes after it (a second signal during a
            // shutdown means "immediate"). SIGTERM alone is an immediate exit before 1.23 and
            // waits for every client to disconnect since; neither suits a rolling update.
            command: ['/bin/sh', '-c', `sleep ${PRESTOP_DELAY}; kill -INT 1; while kill -0 1 2>/dev/null; do sleep 1; done`],
          },
        },
      },
      securityContext,
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'auth', mountPath: AUTH_DIR, readOnly: true },
        { name: 'run', mountPath: SOCKET_DIR },
        ...props.clientTlsSecretName ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : [],
      ],
    };

    const deployment = new k8s.KubeDeployment(this, `${id}Deployment`, {
      metadata: {
        ...metadata,
        annotations: exemptionAnnotations([
          [PolicyCheck.IMAGE_PULL_POLICY, EXEMPTION_REASONS.imagePull],
          [PolicyCheck.HIGH_UID, 'the PgBouncer image runs as its postgres user (uid/gid 70), which owns its files'],
        ], (metadata as any).annotations),
      },
      spec: {
        replicas: props.replicas,
        selector: { matchLabels: selector },
        // Never below capacity: a new pod is Ready before an old one stops.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels, annotations: { ...props.podAnnotations, [ConnectionPooler.CONFIG_HASH_ANNOTATION]: configHash } },
          spec: {
            // PgBouncer never talks to the Kubernetes API.
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: props.grace,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: POOLER_UID,
              runAsGroup: POOLER_GID,
              // Lets the non-root user read the TLS key (mode 0440) and write the emptyDirs.
              fsGroup: POOLER_GID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            affinity,
            topologySpreadConstraints,
            nodeSelector: props.nodeSelector,
            tolerations: props.tolerations,
            priorityClassName: props.priorityClassName,
            imagePullSecrets: props.imagePullSecrets.length > 0 ? props.imagePullSecrets.map((n) => ({ name: n })) : undefined,
            initContainers: [initContainer],
            containers: [container],
            volumes: [
              { name: 'config', configMap: { name, defaultMode: 0o444 } },
              // Memory-backed: the pooler role's password never reaches the node's disk.
              { name: 'auth', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              ...props.clientTlsSecretName ? [{ name: 'tls', secret: { secretName: props.clientTlsSecretName, defaultMode: 0o440 } }] : [],
            ],
          },
        },
      },
    });
    deployment.addDependency(configMap);

    const service = new k8s.KubeService(this, `${id}Service`, {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'postgresql', port: PORT, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' }],
      },
    });

    let podDisruptionBudget: k8s.KubePodDisruptionBudget | undefined;
    if (props.podDisruptionBudget) {
      podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, `${id}PodDisruptionBudget`, {
        metadata,
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
      // The typed L1 lacks the field: a pod that is not Ready can always be evicted, so it never blocks a drain.
      podDisruptionBudget.addJsonPatch(JsonPatch.add('/spec/unhealthyPodEvictionPolicy', 'AlwaysAllow'));
    }
    return { name, upstreamHost, config, configHash, configMap, deployment, service, podDisruptionBudget };
  }
}

interface TierProps {
  readonly image: string;
  readonly imagePullSecrets: string[];
  readonly credentials: ResolvedCredentials;
  readonly poolerRole: string;
  readonly replicas: number;
  readonly resources: k8s.ResourceRequirements;
  readonly hostAntiAffinity: Placement;
  readonly zoneSpread: Placement;
  readonly grace: number;
  readonly clientTlsSecretName?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: k8s.Toleration[];
  readonly priorityClassName?: string;
  readonly podDisruptionBudget: boolean;
  readonly labels: Record<string, string>;
  readonly podAnnotations?: Record<string, string>;
}

/**
 * The pooler role's credentials: explicit ones, else the cluster's (once the cluster declares the
 * role), else the Secret name postgres-operator would use for it.
 */
function resolvePoolerCredentials(cluster: PostgresCluster, role: string, explicit: Credentials | undefined): ResolvedCredentials {
  const defaultName = new ClusterNames(cluster.name).credentialsSecret(role);
  if (explicit) return explicit.resolve(defaultName);
  if (cluster.users.includes(role)) return cluster.userCredentials(role);
  return Credentials.fromSecret(defaultName).resolve(defaultName);
}

function resolveResources(resources: kplus.ContainerResources | undefined, errors: ValidationErrors): k8s.ResourceRequirements {
  return resolveContainerResources(resources, {
    // PgBouncer is single-threaded: one CPU is all it can use, so a limit there costs nothing.
    cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
    memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
  }, errors, {
    // It writes nothing but logs to stdout; the root filesystem is read-only.
    requests: { 'ephemeral-storage': '16Mi' },
    limits: { 'ephemeral-storage': '64Mi' },
  }).requirements;
}
