import { k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { IConnectableWorkload } from '../connect/workload';
import { Credentials, ResolvedCredentials } from '../credentials/credentials';
import { IDatabaseNetworkPolicy } from '../network/network-policy';

/** Options of {@link IPostgresCluster.connectionEnvVars} and {@link IPostgresCluster.addConnectionEnv}. */
export interface ConnectionEnvOptions {
  /**
   * Login role to connect as (a declared role, for example "orders_app"): its credentials Secret
   * provides PGUSER and PGPASSWORD. Required: the superuser is never chosen for you.
   */
  readonly user: string;
  /**
   * Connect to the replicas (read-only) instead of the primary.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Database to connect to (PGDATABASE).
   * @default - not set (libpq uses the user name)
   */
  readonly database?: string;
  /**
   * Prefix of every variable name (`ORDERS_PGHOST`, `ORDERS_DATABASE_URL`, ...), for a workload that
   * connects to several databases: each connection of a container needs its own prefix.
   * @default "" (libpq's own names: PGHOST, PGPORT, ...)
   */
  readonly prefix?: string;
}

/**
 * A PostgreSQL cluster, defined in this app ({@link PostgresCluster}) or elsewhere
 * ({@link PostgresCluster.fromClusterAttributes}): what the constructs that use a cluster
 * (poolers, logical backups, apps) need to know of it.
 */
export interface IPostgresCluster extends IConstruct {
  /** Cluster name (Patroni scope), the base of every derived object name. */
  readonly name: string;
  /** Kubernetes namespace of the cluster. */
  readonly namespace: string;
  /** PostgreSQL port of every Service. */
  readonly port: number;
  /** Number of members. */
  readonly instances: number;
  /** PostgreSQL major version. */
  readonly postgresVersion: number;
  /** The Spilo image of the members (Jobs using the cluster reuse it, so nothing new is pulled). */
  readonly image: string;
  /** Secrets for pulling the image. */
  readonly imagePullSecrets: string[];
  /** The PostgreSQL parameters the cluster runs with, as far as they are known. */
  readonly parameters: Record<string, string>;
  /** Name of the primary (read-write) Service. */
  readonly primaryServiceName: string;
  /** Name of the replica (read-only) Service. */
  readonly replicaServiceName: string;
  /** Host name of the primary Service within the Kubernetes cluster. */
  readonly primaryHost: string;
  /** Host name of the replica Service within the Kubernetes cluster. */
  readonly replicaHost: string;
  /** Login users of the cluster. */
  readonly users: string[];
  /** The ServiceAccount the members run as (workload identity for object storage is bound to it). */
  readonly serviceAccountName: string;
  /** Secret with the server certificate, when the cluster serves a verifiable certificate. */
  readonly tlsSecretName?: string;
  /** Key of the CA certificate in `tlsSecretName` (clients verify the server with it). */
  readonly tlsCaKey?: string;
  /** The cluster's NetworkPolicies, when this app defines them. */
  readonly networkPolicy?: IDatabaseNetworkPolicy;
  /** Where a login user's name and password are (Secret name and keys). */
  userCredentials(user: string): ResolvedCredentials;
  /**
   * The connection environment for an app container, as plain Kubernetes env entries: PGHOST, PGPORT,
   * PGUSER and PGPASSWORD (from the user's Secret), PGSSLMODE (`verify-full` with PGSSLROOTCERT when
   * the cluster serves a verifiable certificate, which the container must mount there; otherwise
   * `require`), PGDATABASE, and DATABASE_URL / JDBC_DATABASE_URL, which reference the password
   * (`$(PGPASSWORD)`) instead of containing it.
   */
  connectionEnvVars(options: ConnectionEnvOptions): k8s.EnvVar[];
  /**
   * Connects a workload (cdk8s-plus `Deployment`, `StatefulSet`, `Job`, ... of any cdk8s-plus
   * version): the variables of {@link connectionEnvVars} on each of its containers, the CA
   * certificate mounted with TLS, and its pods admitted through the cluster's NetworkPolicy (when
   * this app defines it). The workload must be in the cluster's namespace.
   */
  addConnectionEnv(workload: IConnectableWorkload, options: ConnectionEnvOptions): void;
}

/** A cluster synthesized elsewhere (another app or repository), for {@link PostgresCluster.fromClusterAttributes}. */
export interface PostgresClusterAttributes {
  /** Cluster name. */
  readonly name: string;
  /**
   * Namespace of the cluster.
   * @default - the namespace of the scope's Chart
   */
  readonly namespace?: string;
  /**
   * PostgreSQL major version.
   * @default 17
   */
  readonly postgresVersion?: number;
  /**
   * Number of members.
   * @default 1
   */
  readonly instances?: number;
  /**
   * The cluster's Spilo image.
   * @default "ghcr.io/zalando/spilo-17:4.0-p3"
   */
  readonly image?: string;
  /**
   * Secrets for pulling the image.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * PostgreSQL parameters the cluster runs with that consumers size themselves by (for example
   * `max_connections` for a pooler).
   * @default - none known: PostgreSQL's defaults are assumed
   */
  readonly parameters?: Record<string, string>;
  /**
   * Login users besides `postgres` and `standby`, with their Secrets.
   * @default - none
   */
  readonly userCredentials?: Record<string, Credentials>;
  /**
   * ServiceAccount of the members.
   * @default "<name>-patroni"
   */
  readonly serviceAccountName?: string;
  /**
   * Secret with the server certificate.
   * @default - none (Spilo's self-signed certificate)
   */
  readonly tlsSecretName?: string;
  /**
   * Key of the CA certificate in `tlsSecretName`.
   * @default "ca.crt"
   */
  readonly tlsCaKey?: string;
}
