// Internal resolver of the pooler: not part of the jsii API (do not re-export from src/index.ts).
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { databasesProblems, integerProblem, PgBouncerConfig, PgBouncerSettings, PoolSizes, PoolSizingInput } from './pgbouncer-config';
import { AUTH_FILE, DEFAULT_POOLER_IMAGE, poolerSelectorLabels, POOLER_PORT, PRESTOP_DELAY, SOCKET_DIR, TLS_CERT_FILE, TLS_KEY_FILE } from './pod-layout';
import { PoolMode } from './pool-mode';
import { ConnectionPoolerOptions } from './props';
import { validateImageReference } from '../cluster/spilo-image';
import { Credentials, ResolvedCredentials } from '../credentials/credentials';
import { BootstrapSql } from '../database/bootstrap-sql';
import { identifierProblem } from '../database/identifiers';
import { ClusterNames, SPILO_REPLICATION_USER, SPILO_SUPERUSER } from '../private/names';
import { ResolvedPodPlacement, resolvePodPlacement } from '../private/placement';
import { resolveContainerResources } from '../private/resources';
import { check, Problem, Rules, Validated, ValidationErrors, validateAnnotationKeys, validateLabels } from '../private/validation';
import { Placement } from '../scheduling/pod-placement';

/** What the pooler needs to know of its cluster before any object exists (an {@link IPostgresCluster} is one). */
export interface PoolerUpstream {
  readonly name: string;
  readonly namespace: string;
  readonly instances: number;
  readonly port: number;
  readonly primaryHost: string;
  readonly replicaHost: string;
  readonly parameters: Record<string, string>;
  readonly imagePullSecrets: string[];
  readonly users: string[];
  userCredentials(user: string): ResolvedCredentials;
}

/** One tier of a pooler: a Deployment, Service, ConfigMap and PodDisruptionBudget of one name. */
export interface ResolvedPoolerTier {
  /** Prefix of the construct ids of the tier's objects. */
  readonly id: string;
  /** Name of every object of the tier. */
  readonly name: string;
  /** The cluster Service its pools connect to. */
  readonly upstreamHost: string;
}

/** {@link ConnectionPoolerOptions} with every default applied, and what is derived from them. */
export interface ResolvedConnectionPooler {
  /** The primary tier. */
  readonly primary: ResolvedPoolerTier;
  /** The replica tier, when `replicaPooler`. */
  readonly replica?: ResolvedPoolerTier;
  readonly replicas: number;
  readonly image: string;
  readonly imagePullSecrets: string[];
  readonly poolerRole: string;
  readonly credentials: ResolvedCredentials;
  readonly clientTlsSecretName?: string;
  readonly poolMode: PoolMode;
  readonly maxClientConnections: number;
  readonly maxConnections: number;
  readonly superuserReservedConnections: number;
  readonly reservedConnections: number;
  readonly poolerPods: number;
  readonly sizes: PoolSizes;
  readonly defaultPoolSize: number;
  /** pgbouncer.ini of every tier, but the upstream host. */
  readonly settings: PgBouncerSettings;
  readonly resources: k8s.ResourceRequirements;
  readonly placement: ResolvedPodPlacement;
  /** Selects the pods of every tier, and only them. */
  readonly selectorLabels: Record<string, string>;
  /** Labels of every object (the selector labels included). */
  readonly labels: Record<string, string>;
  readonly podAnnotations?: Record<string, string>;
  /** The metrics sidecar's image, when the cluster has monitoring. */
  readonly exporterImage?: string;
}

/** Users the lookup function never serves: they cannot connect through the pooler. */
export const UNPOOLED_USERS: readonly string[] = [SPILO_SUPERUSER, SPILO_REPLICATION_USER];
/** Labels the pooler's selectors use: a user label of that key would break them. */
const RESERVED_LABELS = ['application', 'connection-pooler', 'cluster-name'];
/** One row of the rules table: the property, its value and the rule it breaks (or undefined). */
type Row = [string, unknown, string | undefined];

/**
 * Resolves pooler options against the cluster they pool: every default applied, the pool sizes
 * computed, and every problem of the options (never thrown). The namespace rule is the construct's
 * (it needs the construct's Chart).
 */
export function resolveConnectionPooler(options: ConnectionPoolerOptions, upstream: PoolerUpstream): Validated<ResolvedConnectionPooler> {
  // The shared helpers validate into a collector; it only gathers here, the caller reports.
  const collector = new ValidationErrors('ConnectionPooler');
  const names = new ClusterNames(upstream.name);
  const replicas = options.replicas ?? 2;
  const replicaPooler = options.replicaPooler ?? false;
  const image = options.image ?? DEFAULT_POOLER_IMAGE;
  const imagePullSecrets = options.imagePullSecrets ?? upstream.imagePullSecrets;
  const poolerRole = options.poolerRole ?? BootstrapSql.DEFAULT_POOLER_ROLE;
  const credentials = resolvePoolerCredentials(upstream, names, poolerRole, options.credentials);
  const maxClientConnections = options.maxClientConnections ?? 10000;

  const timeoutRows: Row[] = [];
  const wholeSeconds = (property: string, value: Duration | undefined, fallback: number, min: number): number => {
    const seconds = value === undefined ? fallback : value.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < min) timeoutRows.push([property, seconds, `must be a whole number of seconds >= ${min}`]);
    return seconds;
  };
  const timeouts = {
    serverIdleTimeout: wholeSeconds('serverIdleTimeout', options.serverIdleTimeout, 600, 0),
    serverLifetime: wholeSeconds('serverLifetime', options.serverLifetime, 3600, 0),
    serverConnectTimeout: wholeSeconds('serverConnectTimeout', options.serverConnectTimeout, 5, 1),
    queryWaitTimeout: wholeSeconds('queryWaitTimeout', options.queryWaitTimeout, 120, 0),
    clientIdleTimeout: wholeSeconds('clientIdleTimeout', options.clientIdleTimeout, 0, 0),
  };

  const rows: Row[] = [
    ['replicas', replicas, integerProblem(replicas, 1)],
    ['replicaPooler', replicaPooler, replicaPooler && upstream.instances < 2
      ? `needs a cluster with at least 2 instances (it has ${upstream.instances}): the replica Service has no endpoints otherwise` : undefined],
    ['image', image, validateImageReference(image)],
    ...imagePullSecrets.map((secret): Row => ['imagePullSecrets', secret, Rules.dns1123Subdomain(secret)]),
    ['poolerRole', poolerRole, identifierProblem(poolerRole) ?? (UNPOOLED_USERS.includes(poolerRole)
      ? 'must not be the superuser or the replication user: the pooler role only needs to run the lookup function' : undefined)],
    ['credentials.secretName', credentials.secretName, options.credentials?.secretName !== undefined ? Rules.dns1123Subdomain(credentials.secretName) : undefined],
    ['clientTlsSecretName', options.clientTlsSecretName, options.clientTlsSecretName !== undefined ? Rules.dns1123Subdomain(options.clientTlsSecretName) : undefined],
    ...timeoutRows,
    ['maxClientConnections', maxClientConnections, integerProblem(maxClientConnections, 1)],
    ...Object.keys(options.labels ?? {}).map((key): Row => ['labels key', key, RESERVED_LABELS.includes(key)
      ? 'is reserved: the pooler Services and NetworkPolicies select pods by it' : undefined]),
  ];
  collector.addProblems(rows.flatMap(([property, value, rule]) => check(property, value, rule)));
  collector.addProblems(databasesProblems(options.databases));
  validateLabels(collector, 'labels', options.labels);
  validateAnnotationKeys(collector, 'podAnnotations', options.podAnnotations);
  const placement = resolvePodPlacement(options, {
    hostAntiAffinity: Placement.REQUIRED,
    terminationGracePeriodSeconds: 60,
    minGraceSeconds: PRESTOP_DELAY + 5,
    minGraceReason: `the preStop hook waits ${PRESTOP_DELAY} s for the Service to drop the pod before PgBouncer shuts down safely`,
  }, collector);
  const resources = resolveResources(options.resources, collector);

  const tiers = replicaPooler ? 2 : 1;
  // A rolling update (maxSurge 1) briefly runs replicas + 1 pods per tier. The replica tier counts
  // against the primary too: after a failover its connections to the promoted replica stay open
  // until server_lifetime, while the primary tier connects to the same server.
  const poolerPods = (integerProblem(replicas, 1) === undefined ? replicas + 1 : 2) * tiers;
  const sizing = poolSizing(options, upstream, poolerPods, collector);
  const { sizes } = sizing;
  // One slot of each database's share stays free for the auth_query connection (capped at 1 per
  // pod), so logins never have to evict an app's server connection.
  const defaultPoolSize = options.defaultPoolSize ?? Math.max(1, sizes.maxDbConnections - 1);
  const bounded = sizing.valid && sizes.maxDbConnections >= 1;
  if (sizing.valid && !bounded) {
    collector.add('replicas', replicas, `leaves no server connection per pooler pod: max_connections ${sizing.input.maxConnections} `
      + `- superuser_reserved ${sizing.input.superuserReservedConnections} - reservedConnections ${sizing.input.reservedConnections} = ${sizes.serverConnectionBudget} `
      + `must be at least pooler pods (${poolerPods}: (replicas + 1 surge) x ${tiers} tier(s)) x databases (${sizing.input.databases}); `
      + "raise the cluster's max_connections or lower replicas, reservedConnections or databases");
  }
  // Without a valid budget only the lower bound can be checked.
  const poolSizeProblem = options.defaultPoolSize === undefined
    ? undefined
    : integerProblem(defaultPoolSize, 1, bounded ? sizes.maxDbConnections : undefined);
  if (poolSizeProblem) {
    collector.add('defaultPoolSize', defaultPoolSize, !bounded ? poolSizeProblem
      : `must be an integer from 1 to maxDbConnections (${sizes.maxDbConnections} = floor((max_connections ${sizing.input.maxConnections} `
      + `- superuser_reserved ${sizing.input.superuserReservedConnections} - reservedConnections ${sizing.input.reservedConnections}) `
      + `/ (pooler pods ${poolerPods} x databases ${sizing.input.databases}))): `
      + 'larger pools would let the poolers exhaust the server');
  }

  const settings: PgBouncerSettings = {
    upstreamPort: upstream.port,
    databases: options.databases,
    // Every address family: IPv6-only and dual-stack clusters work too.
    listenAddr: '*',
    listenPort: POOLER_PORT,
    unixSocketDir: SOCKET_DIR,
    authFile: AUTH_FILE,
    authUser: poolerRole,
    poolMode: options.poolMode ?? PoolMode.TRANSACTION,
    maxClientConn: maxClientConnections,
    defaultPoolSize,
    maxDbConnections: sizes.maxDbConnections,
    clientTls: options.clientTlsSecretName !== undefined ? { certFile: TLS_CERT_FILE, keyFile: TLS_KEY_FILE } : undefined,
    ...timeouts,
    // After a failed connection (a failover in progress), retry soon: clients are waiting.
    serverLoginRetry: 1,
    statsUsers: [poolerRole],
  };
  const primary: ResolvedPoolerTier = { id: 'Primary', name: names.primaryPooler, upstreamHost: upstream.primaryHost };
  const replica: ResolvedPoolerTier | undefined = replicaPooler
    ? { id: 'Replica', name: names.replicaPooler, upstreamHost: upstream.replicaHost }
    : undefined;
  // The renderer's own contract (it renders without checking), checked last: the rules above cover
  // every value a user sets, so this only reports what they let through (an upstream host from a
  // hand-written IPostgresCluster), and only once they pass, so nothing is reported twice.
  if (!collector.hasProblems) {
    collector.addProblems(PgBouncerConfig.validateSettings(settings), 'pgbouncer');
    for (const tier of replica ? [primary, replica] : [primary]) {
      collector.addProblems(PgBouncerConfig.validateUpstreamHost(tier.upstreamHost), 'pgbouncer');
    }
  }

  const selectorLabels = poolerSelectorLabels(upstream.name);
  return {
    value: {
      primary,
      replica,
      replicas,
      image,
      imagePullSecrets,
      poolerRole,
      credentials,
      clientTlsSecretName: options.clientTlsSecretName,
      poolMode: settings.poolMode,
      maxClientConnections,
      maxConnections: sizing.input.maxConnections,
      superuserReservedConnections: sizing.input.superuserReservedConnections,
      reservedConnections: sizing.input.reservedConnections,
      poolerPods,
      sizes,
      defaultPoolSize,
      settings,
      resources,
      placement,
      selectorLabels,
      labels: {
        ...options.labels,
        'app.kubernetes.io/name': 'pgbouncer',
        'app.kubernetes.io/part-of': upstream.name,
        'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
        ...selectorLabels,
      },
      podAnnotations: options.podAnnotations,
    },
    problems: collector.problems,
  };
}

/** Where a sizing input comes from, to name it in a problem. */
const SIZING_PROPERTIES: Record<keyof PoolSizingInput, string> = {
  maxConnections: 'cluster.parameters.max_connections',
  superuserReservedConnections: 'cluster.parameters.superuser_reserved_connections',
  reservedConnections: 'reservedConnections',
  // Derived with fallbacks, so never invalid themselves.
  poolerPods: 'replicas',
  databases: 'databases',
};

/**
 * The pool sizes from the parameters the cluster runs with and the options; `valid` is false when
 * an input has a problem (reported into the collector), and the sizes are then zero.
 */
function poolSizing(options: ConnectionPoolerOptions, upstream: PoolerUpstream, poolerPods: number, collector: ValidationErrors): {
  readonly input: PoolSizingInput;
  readonly sizes: PoolSizes;
  readonly valid: boolean;
} {
  const parameter = (name: string, fallback: number): number => {
    const raw = upstream.parameters[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value)) {
      collector.add(`cluster.parameters.${name}`, raw, 'must be a whole number for the pooler to size its pools');
      return fallback;
    }
    return value;
  };
  const input: PoolSizingInput = {
    maxConnections: parameter('max_connections', 100),
    superuserReservedConnections: parameter('superuser_reserved_connections', 3) + parameter('reserved_connections', 0),
    reservedConnections: options.reservedConnections ?? 10,
    poolerPods,
    databases: options.databases?.length || 1,
  };
  const problems: Problem[] = PgBouncerConfig.poolSizingProblems(input)
    .map((p) => ({ ...p, property: SIZING_PROPERTIES[p.property as keyof PoolSizingInput] }));
  collector.addProblems(problems);
  const valid = problems.length === 0;
  const sizes = valid ? PgBouncerConfig.poolSizes(input) : { serverConnectionBudget: 0, maxDbConnections: 0, maxServerConnections: 0 };
  return { input, valid, sizes };
}

/**
 * The pooler role's credentials: explicit ones, else the cluster's (once the cluster declares the
 * role), else the Secret name postgres-operator would use for it.
 */
function resolvePoolerCredentials(
  upstream: PoolerUpstream, names: ClusterNames, role: string, explicit: Credentials | undefined,
): ResolvedCredentials {
  const defaultName = names.credentialsSecret(role);
  if (explicit) return explicit.resolve(defaultName);
  if (upstream.users.includes(role)) return upstream.userCredentials(role);
  return Credentials.fromSecret(defaultName).resolve(defaultName);
}

function resolveResources(resources: kplus.ContainerResources | undefined, collector: ValidationErrors): k8s.ResourceRequirements {
  return resolveContainerResources(resources, {
    // PgBouncer is single-threaded: one CPU is all it can use, so a limit there costs nothing and bounds a runaway.
    cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
    memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
  }, collector, {
    // It writes nothing but logs to stdout; the root filesystem is read-only.
    requests: { 'ephemeral-storage': '16Mi' },
    limits: { 'ephemeral-storage': '64Mi' },
  }).requirements;
}
