import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { PatroniRbac } from './patroni-rbac';
import { PatroniSettings } from './patroni-settings';
import { VolumeClaimTemplate } from './volume-claim-template';
import { ClusterBootstrap } from '../backup/cluster-bootstrap';
import { ContinuousBackupProps } from '../backup/continuous-backup';
import { Credentials } from '../credentials/credentials';
import { GitOpsOrdering, SecretGenerator } from '../credentials/secret-generator';
import { DatabaseProps, RoleProps } from '../database/roles';
import { ClusterMonitoringOptions } from '../monitoring/props';
import { ApiServerEndpoint, BackupEndpoint, DnsEgress, NetworkPeer } from '../network/network-policy';
import { ConnectionPoolerOptions } from '../pooler/props';
import { PodPlacementOptions } from '../scheduling/pod-placement';
import { ClientCertificateOptions, ServerTls } from '../tls/server-tls';
import { MajorUpgradeOptions } from '../upgrade/props';

/**
 * Properties of {@link PostgresCluster}. Placement (anti-affinity, zone spread, node selector,
 * tolerations, priority class, PodDisruptionBudget, grace period) comes from {@link PodPlacementOptions};
 * for database members the grace period must be at least 30 s (shutdown checkpoint) and a single
 * instance never gets a PodDisruptionBudget.
 */
export interface PostgresClusterProps extends PodPlacementOptions {
  /**
   * Cluster name: the Patroni scope and the base of every object name (`<name>` is the primary
   * Service, `<name>-repl` the replica Service). A DNS-1035 label of at most 51 characters.
   */
  readonly name: string;
  /**
   * Number of PostgreSQL members (one primary, the rest streaming replicas).
   * @default 1
   */
  readonly instances?: number;
  /**
   * PostgreSQL major version; must be one the image ships.
   * @default 17
   */
  readonly postgresVersion?: number;
  /**
   * Spilo image.
   * @default "ghcr.io/zalando/spilo-17:4.0-p3"
   */
  readonly image?: string;
  /**
   * PostgreSQL majors the image ships, for images the library cannot recognise from their
   * `spilo-<major>:<release>` tag (for example a mirrored or custom build).
   * @default - derived from the image tag
   */
  readonly imagePostgresVersions?: number[];
  /**
   * Secrets for pulling the image.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Size of each member's data volume. It can only grow: on a running cluster, raise it and record
   * the size the cluster was created with in `volumeClaimTemplate`.
   * @default Size.gibibytes(10)
   */
  readonly storage?: Size;
  /**
   * StorageClass of the data volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * What the StatefulSet was created with, to grow `storage` on a running cluster (see {@link VolumeClaimTemplate}):
   * the template keeps these values and a Job expands every member's claim to `storage`.
   * @default - the template is `storage` and `storageClassName` (a new cluster)
   */
  readonly volumeClaimTemplate?: VolumeClaimTemplate;
  /**
   * Delete the data volumes when the StatefulSet is deleted or scaled down. Keeping them is the
   * safe default: a deleted manifest must not delete the data.
   * @default false
   */
  readonly deleteVolumesWithCluster?: boolean;
  /**
   * CPU and memory of the database container. The defaults of PostgreSQL's memory and worker
   * settings are computed from the memory limit and the CPU limit (or requests when unlimited).
   * No CPU limit is set by default: CPU throttling stalls a database while it holds locks.
   * @default - cpu request 500m, memory request and limit 1Gi
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * PostgreSQL parameters, merged over the computed defaults (which stay visible in the manifest).
   * Parameters Patroni controls itself are rejected.
   * @default - the computed defaults only
   */
  readonly parameters?: Record<string, string>;
  /**
   * Patroni's HA settings.
   * @default - ttl 30 s, loopWait 10 s, retryTimeout 10 s, maximumLagOnFailover 32 MiB, asynchronous replication, failsafe mode on
   */
  readonly patroni?: PatroniSettings;
  /**
   * Identity (ServiceAccount, Role, RoleBinding) the members run with; share one between clusters of a namespace.
   * @default - a new PatroniRbac named "<name>-patroni"
   */
  readonly rbac?: PatroniRbac;
  /**
   * Password of the superuser `postgres`.
   * @default Credentials.generated(): Secret "postgres.<name>.credentials.postgresql.acid.zalan.do", created in the cluster
   */
  readonly superuserCredentials?: Credentials;
  /**
   * Password of the replication user `standby`.
   * @default Credentials.generated(): Secret "standby.<name>.credentials.postgresql.acid.zalan.do", created in the cluster
   */
  readonly replicationCredentials?: Credentials;
  /**
   * Roles (users and groups) the bootstrap Job creates and keeps in the declared state.
   * @default - none
   */
  readonly roles?: RoleProps[];
  /**
   * Databases the bootstrap Job creates (with extensions, schemas and the prepared-database roles).
   * @default - none
   */
  readonly databases?: DatabaseProps[];
  /**
   * Credentials of login roles (declared in `roles`, or the `<db>_*_user` roles of prepared databases), by role name.
   * @default - Credentials.generated() for each: Secret "<role>.<name>.credentials.postgresql.acid.zalan.do"
   */
  readonly roleCredentials?: Record<string, Credentials>;
  /**
   * Secret generator for generated credentials; pass one from another chart to apply it separately
   * (for example as its own Flux Kustomization that the database's depends on).
   * @default - a SecretGenerator named "<name>-secrets" in this construct, when any credentials are generated
   */
  readonly secretGenerator?: SecretGenerator;
  /**
   * A highly available PgBouncer tier in front of the primary (and optionally the replicas):
   * `<name>-pooler` and `<name>-pooler-repl`.
   * @default - no pooler
   */
  readonly connectionPooler?: ConnectionPoolerOptions;
  /**
   * Server TLS certificate: from cert-manager (a Certificate for every Service and member name is
   * added to the bundle) or from an existing Secret (`tls.crt`, `tls.key`).
   * @default - Spilo's self-signed certificate (encrypts, but clients cannot verify the server)
   */
  readonly tls?: ServerTls;
  /**
   * Require client certificates signed by this CA (in addition to the password) for application
   * users; the superuser, replication and pooler users stay password-only over TLS.
   * @default - no client certificates
   */
  readonly clientCertificates?: ClientCertificateOptions;
  /**
   * The cluster's DNS domain, for the certificate's fully qualified names.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * Credentials for Patroni's REST API: its unsafe endpoints (switchover, failover, restart,
   * reinitialize, config) require them; the probes' GET endpoints do not.
   * @default Credentials.generated(): Secret "patroni-api.<name>.credentials.postgresql.acid.zalan.do"
   */
  readonly patroniApiCredentials?: Credentials;
  /**
   * Whether PostgreSQL follows the login roles' Secrets: a one-replica Deployment sets a role's password
   * on the primary within seconds of the kubelet refreshing its mounted Secret (a `rotation`, an
   * ExternalSecret refresh, a new sealed Secret). Not the superuser and replication users.
   * @default false
   */
  readonly passwordSync?: boolean;
  /**
   * Continuous archiving and base backups with WAL-G (Spilo), to object storage.
   * @default - no archiving
   */
  readonly backup?: ContinuousBackupProps;
  /**
   * Where a new cluster's data comes from: a point in time of another cluster's archive, a
   * basebackup of a running cluster, or a standby of another cluster. Applies at initialisation only.
   * @default - initdb: an empty cluster
   */
  readonly source?: ClusterBootstrap;
  /**
   * The major upgrade Job every cluster has (keyed on the target major, it exits at once while the cluster
   * runs `postgresVersion`): raising `postgresVersion` upgrades in place (a pre-check, a fresh base backup,
   * Spilo's in-place upgrade; needs `backup` on S3 or GCS), or fails naming both majors (`MajorUpgradeMode.REFUSE`).
   * @default - in place where the cluster can (`backup` on S3 or GCS, not a standby cluster), otherwise refuse
   */
  readonly majorUpgrade?: MajorUpgradeOptions;
  /**
   * NetworkPolicies: default-deny for every pod of the bundle with explicit allows (see DatabaseNetworkPolicy).
   * @default - on, with API server egress to any address on ports 443 and 6443 (narrow it with `apiServer`)
   */
  readonly networkPolicy?: ClusterNetworkPolicyOptions;
  /**
   * Ordering annotations for GitOps tools (secret generator, then database, then bootstrap Job).
   * @default GitOpsOrdering.NONE
   */
  readonly gitOpsOrdering?: GitOpsOrdering;
  /**
   * Labels added to every object (not to selectors).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations added to every object.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Extra labels of the member pods.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Extra annotations of the member pods.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Extra environment variables of the Spilo container (Spilo reads its configuration from the
   * environment). Variables the library sets are rejected; `PATRONI_*` variables are rejected
   * because Spilo does not pass them to Patroni.
   * @default - none
   */
  readonly extraEnv?: k8s.EnvVar[];
  /**
   * Extra containers (sidecars) of the member pods.
   * @default - none
   */
  readonly extraContainers?: k8s.Container[];
  /**
   * Extra volumes of the member pods.
   * @default - none
   */
  readonly extraVolumes?: k8s.Volume[];
  /**
   * Extra volume mounts of the Spilo container.
   * @default - none
   */
  readonly extraVolumeMounts?: k8s.VolumeMount[];
  /**
   * Monitoring: a PostgreSQL exporter sidecar in every member (as a generated `pg_monitor` login role),
   * and, when asked for, a PodMonitor and a PrometheusRule with the cluster's alerts.
   * @default - no exporter (Patroni's own `/metrics` on port 8008 is always there)
   */
  readonly monitoring?: ClusterMonitoringOptions;
}

/** NetworkPolicy settings of a {@link PostgresCluster}. */
export interface ClusterNetworkPolicyOptions {
  /**
   * Create the NetworkPolicies. Turn off only when the namespace's policies are managed elsewhere.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The Kubernetes API server's endpoints (Patroni's DCS). Narrow this to the endpoint addresses:
   * `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`.
   * @default - any address (0.0.0.0/0 and ::/0) on ports 443 and 6443
   */
  readonly apiServer?: ApiServerEndpoint;
  /**
   * DNS egress.
   * @default - kube-dns pods in kube-system, port 53
   */
  readonly dns?: DnsEgress;
  /**
   * Pods allowed to connect to PostgreSQL; add more with `allowConnectionsFrom` / `allowWorkload`.
   * @default - none (only the bundle's own pods)
   */
  readonly allowFrom?: NetworkPeer[];
  /**
   * Peers allowed to Patroni's REST API besides the members (for example Prometheus scraping /metrics).
   * @default - the members only
   */
  readonly patroniApiFrom?: NetworkPeer[];
  /**
   * Backup storage endpoints the members may reach (WAL archiving).
   * @default - none
   */
  readonly backupEndpoints?: BackupEndpoint;
}
