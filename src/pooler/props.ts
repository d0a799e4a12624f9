import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PoolMode } from './pool-mode';
import { IPostgresCluster } from '../cluster/cluster-ref';
import { Credentials } from '../credentials/credentials';
import { PodPlacementOptions } from '../scheduling/pod-placement';

/**
 * Options of a connection pooler, reusable as a property of a cluster.
 *
 * Placement ({@link PodPlacementOptions}) applies to the pods of each tier, with the pooler's own
 * defaults: `hostAntiAffinity` is `Placement.REQUIRED`, which with a rolling update (maxSurge 1)
 * needs `replicas + 1` schedulable nodes, or the surge pod stays Pending; each tier gets its own
 * PodDisruptionBudget; `terminationGracePeriod` is 60 s and at least 15 s: a stopping pod first
 * waits 10 s for the Service to stop sending it clients, then PgBouncer finishes the running
 * transactions (safe shutdown) before it exits.
 */
export interface ConnectionPoolerOptions extends PodPlacementOptions {
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
   * CPU and memory of the PgBouncer container; ephemeral storage is fixed (PgBouncer writes only
   * logs, to stdout). PgBouncer is single-threaded: one CPU is all it can use, so the CPU limit of
   * 1 costs nothing and bounds a runaway process.
   * @default - cpu request 100m and limit 1, memory request 64Mi and limit 256Mi, ephemeral-storage request 16Mi and limit 64Mi
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
  readonly cluster: IPostgresCluster;
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
  /**
   * Prefix of every variable name (`ORDERS_PGHOST`, ...), for a workload that connects to several
   * databases: each connection of a container needs its own prefix.
   * @default "" (libpq's own names)
   */
  readonly prefix?: string;
}
