import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { REPLICATION_USER, resolveClusterCredentials, SUPERUSER } from './cluster-credentials';
import { defaultParameters, splitParameters, validateParameters } from './parameters';
import { PatroniRbac } from './patroni-rbac';
import { PatroniRestApi } from './patroni-rest-api';
import { bootstrapDcs, PatroniSettings, resolvePatroniSettings, ResolvedPatroniSettings, validatePatroniSettings } from './patroni-settings';
import { PreStopHook } from './prestop-hook';
import { DEFAULT_SPILO_IMAGE, spiloImageVersions, validateImageReference } from './spilo-image';
import { SpiloStatefulSet } from './spilo-stateful-set';
import { EXEMPTION_REASONS, exemptionAnnotations, spiloExemptions } from '../audit/exemptions';
import { PolicyCheck } from '../audit/policy-rules';
import { ClusterBootstrap, ContinuousBackupProps, SpiloBackup, SpiloBackupEnvironment } from '../backup/spilo-backup';
import { Credentials, CredentialsSource, ResolvedCredentials } from '../credentials/credentials';
import { ExternalSecret } from '../credentials/external-secret';
import { GitOpsOrdering, SecretGenerator } from '../credentials/secret-generator';
import { BootstrapSql } from '../database/bootstrap-sql';
import { DatabaseBootstrap } from '../database/database-bootstrap';
import { DatabaseBootstrapSpec, DatabaseProps, RoleProps } from '../database/roles';
import { ApiServerEndpoint, BackupEndpoint, DatabaseNetworkPolicy, DnsEgress, NetworkPeer } from '../network/network-policy';
import { ConnectionPooler, ConnectionPoolerOptions } from '../pooler/connection-pooler';
import { ClusterNames, NETWORK_GROUP_LABEL } from '../private/names';
import { placementConstraints } from '../private/placement';
import { Placement } from '../scheduling/pod-placement';
import { parseQuantity, sizeQuantity } from '../private/quantities';
import { resolveContainerResources } from '../private/resources';
import { Rules, ValidationErrors, validateAnnotationKeys, validateLabels } from '../private/validation';
import { ClientCertificateOptions, ServerTls, SpiloTls, SpiloTlsConfig } from '../tls/server-tls';

/** Properties of {@link PostgresCluster}. */
export interface PostgresClusterProps {
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
   * Size of each member's data volume.
   * @default Size.gibibytes(10)
   */
  readonly storage?: Size;
  /**
   * StorageClass of the data volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
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
   * Spread members over nodes with pod anti-affinity on `kubernetes.io/hostname`.
   * @default Placement.REQUIRED when instances > 1
   */
  readonly hostAntiAffinity?: Placement;
  /**
   * Spread members over zones (`topology.kubernetes.io/zone`) with a topology spread constraint (maxSkew 1).
   * @default Placement.DISABLED
   */
  readonly zoneSpread?: Placement;
  /**
   * Node labels the members must run on.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Tolerations of the members, for example for dedicated database nodes.
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * PriorityClass of the members.
   * @default - none (the cluster default)
   */
  readonly priorityClassName?: string;
  /**
   * Create a PodDisruptionBudget (maxUnavailable 1) when instances > 1. A single instance never
   * gets one: a budget that can never be met blocks node drains forever.
   * @default true
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * Time a member gets to shut down cleanly (checkpoint, hand over leadership) before it is killed.
   * @default Duration.minutes(5)
   */
  readonly terminationGracePeriod?: Duration;
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

/** Options of {@link PostgresCluster.connectionEnv}. */
export interface ConnectionEnvOptions {
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
   * Login role to connect as: its credentials Secret provides PGUSER and PGPASSWORD.
   * @default "postgres" (the superuser)
   */
  readonly user?: string;
}

const SPILO_CONTAINER = 'postgres';
const PGDATA_VOLUME = 'pgdata';
const POSTGRES_PORT = 5432;
const PATRONI_PORT = 8008;
const SCOPE_LABEL = 'cluster-name';
/** Names the cluster on the objects that are not members (Jobs), without matching the members' selectors. */
const CLUSTER_LABEL = 'cdk8s-pgaas.io/cluster';
const ROLE_LABEL = 'spilo-role';
const LEADER_LABEL_VALUE = 'master';
const REPLICA_LABEL_VALUE = 'replica';
/** Spilo's `postgres` user in the published images. */
const SPILO_UID = 101;
const SPILO_GID = 103;
/** Patroni's member pods are found by these labels plus the scope label (KUBERNETES_LABELS). */
const PATRONI_LABELS = { application: 'spilo' };

/**
 * Environment variables the library sets on the Spilo container. Boolean Spilo flags are only ever
 * emitted when on: Spilo treats any non-empty string, "false" included, as true.
 */
const MANAGED_ENV = [
  'SCOPE', 'PGROOT', 'POD_IP', 'POD_NAMESPACE', 'PGVERSION', 'PGUSER_SUPERUSER', 'PGPASSWORD_SUPERUSER',
  'PGUSER_STANDBY', 'PGPASSWORD_STANDBY', 'DCS_ENABLE_KUBERNETES_API', 'KUBERNETES_USE_CONFIGMAPS',
  'KUBERNETES_SCOPE_LABEL', 'KUBERNETES_ROLE_LABEL', 'KUBERNETES_LEADER_LABEL_VALUE',
  'KUBERNETES_STANDBY_LEADER_LABEL_VALUE', 'KUBERNETES_LABELS', 'SPILO_CONFIGURATION',
  ...SpiloBackup.MANAGED_ENV,
  'SSL_CERTIFICATE_FILE', 'SSL_PRIVATE_KEY_FILE', 'SSL_CA_FILE', PatroniRestApi.USERNAME_ENV, PatroniRestApi.PASSWORD_ENV,
];

/**
 * A highly available PostgreSQL cluster: Spilo (Patroni + PostgreSQL) in a StatefulSet, with
 * Kubernetes ConfigMaps as Patroni's consensus store, primary and replica Services, a
 * PodDisruptionBudget and least-privilege RBAC.
 *
 * Every computed setting is written into the manifest (SPILO_CONFIGURATION), so a reviewer sees
 * exactly what PostgreSQL and Patroni will run with. No Secret values are ever synthesized.
 */
export class PostgresCluster extends Construct {
  /** Cluster name (Patroni scope). */
  public readonly name: string;
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
  /** The secret generator, when any credentials are generated. */
  public readonly secretGenerator?: SecretGenerator;
  /** The bootstrap Job for roles and databases, when any are declared. */
  public readonly bootstrap?: DatabaseBootstrap;
  /** The PgBouncer tier, when `connectionPooler` is set. */
  public readonly connectionPooler?: ConnectionPooler;
  /** The NetworkPolicies, unless turned off. */
  public readonly networkPolicy?: DatabaseNetworkPolicy;
  /** PostgreSQL port of every Service. */
  public readonly port: number = POSTGRES_PORT;
  /** Every PostgreSQL parameter the cluster runs with: computed defaults merged with `parameters`. */
  public readonly parameters: Record<string, string>;
  /** Patroni settings with defaults applied. */
  public readonly patroniSettings: ResolvedPatroniSettings;
  /** The identity the members run with. */
  public readonly rbac: PatroniRbac;
  public readonly statefulSet: k8s.KubeStatefulSet;
  public readonly primaryService: k8s.KubeService;
  public readonly replicaService: k8s.KubeService;
  public readonly headlessService: k8s.KubeService;
  /** The PodDisruptionBudget, when one is created (instances > 1). */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /** Labels that select this cluster's member pods (stable: they are part of the StatefulSet selector). */
  public readonly selectorLabels: Record<string, string>;
  /** Kubernetes namespace of the cluster (from the Chart). */
  public readonly namespace: string;

  private readonly names: ClusterNames;
  private readonly credentials: Map<string, ResolvedCredentials>;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    const errors = new ValidationErrors(`PostgresCluster ${this.node.path}`);
    const namespace = Chart.of(this).namespace;
    if (!namespace) {
      errors.add('namespace (of the Chart)', namespace, 'must be set: Patroni, the RoleBinding and the service DNS names need it');
    } else {
      const problem = Rules.dns1123Label(namespace);
      if (problem) errors.add('namespace (of the Chart)', namespace, problem);
    }
    const nameProblem = Rules.dns1035Label(props.name, ClusterNames.MAX_LENGTH);
    if (nameProblem) {
      errors.add('name', props.name, `${nameProblem}; every derived name must stay valid (pod names fit the controller-revision-hash label, Service names up to "-pooler-repl" fit 63 characters)`);
    }
    const instances = props.instances ?? 1;
    if (!Number.isInteger(instances) || instances < 1) errors.add('instances', instances, 'must be an integer >= 1');

    const image = props.image ?? DEFAULT_SPILO_IMAGE;
    const imageProblem = validateImageReference(image);
    if (imageProblem) errors.add('image', image, imageProblem);
    const postgresVersion = props.postgresVersion ?? 17;
    const supported = props.imagePostgresVersions ?? spiloImageVersions(image);
    if (!supported) {
      errors.add('image', image, 'is not a Spilo release the library knows (spilo-<major>:<3.0..4.1>-p<n>); set imagePostgresVersions to the PostgreSQL majors it ships');
    } else if (!supported.includes(postgresVersion)) {
      errors.add('postgresVersion', postgresVersion, `must be one of the versions ${image} ships: ${supported.join(', ')}`);
    }
    for (const secret of props.imagePullSecrets ?? []) {
      const problem = Rules.dns1123Subdomain(secret);
      if (problem) errors.add('imagePullSecrets', secret, problem);
    }

    const storage = props.storage ?? Size.gibibytes(10);
    const storageQuantity = sizeQuantity(storage);
    const storageProblem = Rules.quantity(storageQuantity);
    if (storageProblem) errors.add('storage', storageQuantity, storageProblem);
    else if (parseQuantity(storageQuantity) <= 0) errors.add('storage', storageQuantity, 'must be greater than zero');
    if (props.storageClassName !== undefined) {
      const problem = Rules.dns1123Subdomain(props.storageClassName);
      if (problem) errors.add('storageClassName', props.storageClassName, problem);
    }

    const resources = resolveResources(props.resources, errors);

    const userParameters = props.parameters ?? {};
    for (const [property, value, rule] of validateParameters(userParameters)) errors.add(property, value, rule);

    const patroniSettings = resolvePatroniSettings(props.patroni);
    for (const [property, value, rule] of validatePatroniSettings(patroniSettings, instances)) errors.add(property, value, rule);

    const hostAntiAffinity = props.hostAntiAffinity ?? (instances > 1 ? Placement.REQUIRED : Placement.DISABLED);
    const zoneSpread = props.zoneSpread ?? Placement.DISABLED;
    validateLabels(errors, 'nodeSelector', props.nodeSelector);
    if (props.priorityClassName !== undefined) {
      const problem = Rules.dns1123Subdomain(props.priorityClassName);
      if (problem) errors.add('priorityClassName', props.priorityClassName, problem);
    }
    const grace = props.terminationGracePeriod?.toSeconds({ integral: false }) ?? 300;
    if (!Number.isInteger(grace) || grace < 30) {
      errors.add('terminationGracePeriod', grace, 'must be a whole number of seconds >= 30: PostgreSQL needs time for a shutdown checkpoint');
    }

    const names = new ClusterNames(props.name);
    // The pooler authenticates clients through a lookup function owned by its own login role.
    const poolerRole = props.connectionPooler ? (props.connectionPooler.poolerRole ?? BootstrapSql.DEFAULT_POOLER_ROLE) : undefined;
    const bootstrapSpec: DatabaseBootstrapSpec = { roles: props.roles, databases: props.databases, poolerRole };
    const credentialProblems: Array<[string, unknown, string]> = [];
    const credentials = resolveClusterCredentials(names, props.superuserCredentials, props.replicationCredentials,
      bootstrapSpec, props.roleCredentials ?? {}, credentialProblems, nameProblem === undefined);
    for (const [property, value, rule] of credentialProblems) {
      if (value === undefined) errors.addAll([rule]);
      else errors.add(property, value, rule);
    }
    const apiCredentials = (props.patroniApiCredentials ?? Credentials.generated()).resolve(PatroniRestApi.secretName(props.name));
    if (props.patroniApiCredentials?.secretName !== undefined) {
      const problem = Rules.dns1123Subdomain(apiCredentials.secretName);
      if (problem) errors.add('patroniApiCredentials.secretName', apiCredentials.secretName, problem);
    }
    if (props.secretGenerator && Chart.of(props.secretGenerator).namespace !== namespace) {
      errors.add('secretGenerator', props.secretGenerator.node.path, `must be in the cluster's namespace (${namespace}): Secrets are namespaced`);
    }
    validateLabels(errors, 'labels', props.labels);
    validateLabels(errors, 'podLabels', props.podLabels);
    validateAnnotationKeys(errors, 'annotations', props.annotations);
    validateAnnotationKeys(errors, 'podAnnotations', props.podAnnotations);
    for (const [property, labels] of [['labels', props.labels], ['podLabels', props.podLabels]] as const) {
      for (const key of Object.keys(labels ?? {})) {
        if (key === SCOPE_LABEL || key === ROLE_LABEL || key in PATRONI_LABELS) {
          errors.add(`${property} key`, key, 'is reserved: Patroni and the Services select member pods by it');
        }
      }
    }
    validateExtraEnv(errors, props.extraEnv ?? []);
    let backupEnvironment: SpiloBackupEnvironment = {
      env: [], volumes: [], volumeMounts: [], serviceAccountAnnotations: {}, securityRelaxations: [],
    };
    // Only with backups or a source, and on a valid name and size (already reported otherwise).
    if ((props.backup || props.source) && !nameProblem && Number.isInteger(instances) && instances >= 1) {
      try {
        backupEnvironment = SpiloBackup.environment({
          cluster: { clusterName: props.name, namespace: namespace ?? 'default', postgresVersion, instances },
          backup: props.backup,
          bootstrap: props.source,
        });
      } catch (e) {
        // SpiloBackup lists every problem of the backup and source props, one per line.
        errors.addAll((e as Error).message.split('\n').map((l) => l.replace(/^\s*-\s*/, '')).filter((l) => l.trim() !== '' && !/invalid propert/.test(l)));
      }
    }
    if (props.rbac && Object.keys(backupEnvironment.serviceAccountAnnotations).length > 0) {
      errors.add('backup.storage.credentials', 'workloadIdentity', 'needs the annotations on the ServiceAccount: pass them as serviceAccountAnnotations of the shared PatroniRbac, or let the cluster create its own');
    }
    let tls: SpiloTlsConfig = { volumes: [], volumeMounts: [], env: [], pgHba: [] };
    try {
      tls = SpiloTls.configure({
        clusterName: props.name,
        tls: props.tls,
        clientCertificates: props.clientCertificates,
        // PgBouncer connects with the client's SCRAM keys and its own role; it holds no client certificate.
        passwordOnlyUsers: [SUPERUSER, REPLICATION_USER, ...poolerRole ? [poolerRole] : []],
      });
    } catch (e) {
      errors.add('tls/clientCertificates', props.clientCertificates?.caSecretName ?? props.tls, (e as Error).message.replace(/^SpiloTls: /, ''));
    }
    const standby = props.source && backupEnvironment.env.some((e) => e.name.startsWith('STANDBY_'));
    if (standby && ((props.roles ?? []).length > 0 || (props.databases ?? []).length > 0)) {
      errors.add('roles/databases', 'declared', 'cannot be applied to a standby cluster: it is read-only until promoted; declare them on the primary cluster');
    }
    const needs14 = (props.roles ?? []).flatMap((r) => r.memberOf ?? []).filter((g) => ['pg_read_all_data', 'pg_write_all_data'].includes(g));
    if (needs14.length > 0 && postgresVersion < 14) errors.add('roles[].memberOf', needs14[0], `needs PostgreSQL 14 or later (postgresVersion is ${postgresVersion})`);
    validateExtraContainers(errors, props.extraContainers ?? []);
    const volumeNames = new Set<string>([PGDATA_VOLUME, 'dshm', 'tls', 'tls-ca', ...backupEnvironment.volumes.map((v) => v.name)]);
    for (const volume of props.extraVolumes ?? []) {
      const problem = Rules.dns1123Label(volume.name);
      if (problem) errors.add('extraVolumes[].name', volume.name, problem);
      if (volumeNames.has(volume.name)) errors.add('extraVolumes[].name', volume.name, 'must be unique and not one of the library\'s volumes (pgdata, dshm)');
      volumeNames.add(volume.name);
    }
    for (const mount of props.extraVolumeMounts ?? []) {
      if (!volumeNames.has(mount.name)) errors.add('extraVolumeMounts[].name', mount.name, 'must name a volume of extraVolumes');
      if (mount.mountPath === '/home/postgres/pgdata' || mount.mountPath === '/dev/shm') {
        errors.add('extraVolumeMounts[].mountPath', mount.mountPath, 'is used by the library (data volume or shared memory)');
      }
    }
    errors.throwIfAny();

    this.name = props.name;
    this.names = names;
    this.namespace = namespace!;
    this.instances = instances;
    this.postgresVersion = postgresVersion;
    this.image = image;
    this.imagePullSecrets = props.imagePullSecrets ?? [];
    this.primaryServiceName = names.primaryService;
    this.replicaServiceName = names.replicaService;
    this.headlessServiceName = names.headlessService;
    this.credentials = credentials;
    this.superuserSecretName = credentials.get(SUPERUSER)!.secretName;
    this.replicationSecretName = credentials.get(REPLICATION_USER)!.secretName;
    this.patroniSettings = patroniSettings;
    this.parameters = {
      ...defaultParameters({ memoryBytes: resources.memoryBytes, cpuMillis: resources.cpuMillis, storageBytes: parseQuantity(storageQuantity) }),
      ...userParameters,
    };
    this.selectorLabels = { ...PATRONI_LABELS, [SCOPE_LABEL]: props.name };

    const objectLabels = {
      ...props.labels,
      ...this.selectorLabels,
      'app.kubernetes.io/component': 'database',
      'app.kubernetes.io/name': 'postgresql',
      'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
    };
    const metadata = (name: string, extraLabels: Record<string, string> = {}) => ({
      name,
      labels: { ...objectLabels, ...extraLabels },
      annotations: props.annotations,
    });

    this.rbac = props.rbac ?? new PatroniRbac(this, 'Rbac', {
      name: names.patroniRbac,
      labels: objectLabels,
      serviceAccountAnnotations: Object.keys(backupEnvironment.serviceAccountAnnotations).length
        ? backupEnvironment.serviceAccountAnnotations
        : undefined,
    });
    this.rbac.addCluster(props.name);

    this.headlessService = new k8s.KubeService(this, 'HeadlessService', {
      metadata: metadata(names.headlessService),
      spec: {
        clusterIp: 'None',
        // Members must resolve each other while they bootstrap, before they are Ready.
        publishNotReadyAddresses: true,
        selector: this.selectorLabels,
        ports: [
          { name: 'postgresql', port: POSTGRES_PORT, targetPort: k8s.IntOrString.fromString('postgresql') },
          { name: 'patroni', port: PATRONI_PORT, targetPort: k8s.IntOrString.fromString('patroni') },
        ],
      },
    });
    const roleService = (serviceId: string, name: string, role: string) => new k8s.KubeService(this, serviceId, {
      metadata: {
        ...metadata(name, { [ROLE_LABEL]: role }),
        annotations: exemptionAnnotations([[PolicyCheck.SERVICE_TARGETS_POD, EXEMPTION_REASONS.roleSelector]], props.annotations),
      },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels, [ROLE_LABEL]: role },
        ports: [{ name: 'postgresql', port: POSTGRES_PORT, targetPort: k8s.IntOrString.fromString('postgresql') }],
      },
    });
    // Patroni labels the leader pod; the primary Service follows that label (ConfigMaps mode has no leader Endpoints).
    this.primaryService = roleService('PrimaryService', names.primaryService, LEADER_LABEL_VALUE);
    this.replicaService = roleService('ReplicaService', names.replicaService, REPLICA_LABEL_VALUE);

    const { dcs, local } = splitParameters(this.parameters);
    const spiloConfiguration = {
      bootstrap: {
        initdb: [{ 'auth-host': 'scram-sha-256' }, { 'auth-local': 'trust' }, 'data-checksums', { encoding: 'UTF8' }, { locale: 'en_US.UTF-8' }],
        dcs: bootstrapDcs(patroniSettings, dcs),
      },
      postgresql: {
        parameters: local,
        pg_hba: tls.pgHba,
      },
    };

    const podLabels = { ...props.podLabels, ...objectLabels, [NETWORK_GROUP_LABEL]: `${props.name}-database` };
    const env: k8s.EnvVar[] = [
      { name: 'SCOPE', value: props.name },
      { name: 'PGROOT', value: '/home/postgres/pgdata/pgroot' },
      { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'PGVERSION', value: String(postgresVersion) },
      { name: 'PGUSER_SUPERUSER', value: SUPERUSER },
      { name: 'PGPASSWORD_SUPERUSER', valueFrom: passwordRef(credentials.get(SUPERUSER)!) },
      { name: 'PGUSER_STANDBY', value: REPLICATION_USER },
      { name: 'PGPASSWORD_STANDBY', valueFrom: passwordRef(credentials.get(REPLICATION_USER)!) },
      { name: 'DCS_ENABLE_KUBERNETES_API', value: 'true' },
      { name: 'KUBERNETES_USE_CONFIGMAPS', value: 'true' },
      { name: 'KUBERNETES_SCOPE_LABEL', value: SCOPE_LABEL },
      { name: 'KUBERNETES_ROLE_LABEL', value: ROLE_LABEL },
      { name: 'KUBERNETES_LEADER_LABEL_VALUE', value: LEADER_LABEL_VALUE },
      { name: 'KUBERNETES_STANDBY_LEADER_LABEL_VALUE', value: LEADER_LABEL_VALUE },
      { name: 'KUBERNETES_LABELS', value: JSON.stringify(PATRONI_LABELS) },
      ...tls.env,
      // Defined before SPILO_CONFIGURATION: the kubelet expands $(PATRONI_RESTAPI_*) in it, so the
      // REST API password reaches Patroni without ever being in the manifest.
      ...PatroniRestApi.env({
        secretName: apiCredentials.secretName, usernameKey: apiCredentials.usernameKey, passwordKey: apiCredentials.passwordKey,
      }),
      // Indented JSON is valid YAML for Spilo and keeps reviews line-by-line.
      { name: 'SPILO_CONFIGURATION', value: PatroniRestApi.spiloConfiguration(spiloConfiguration, true) },
      ...backupEnvironment.env,
      ...props.extraEnv ?? [],
    ];

    const httpGet = (path: string) => ({ path, port: k8s.IntOrString.fromString('patroni'), scheme: 'HTTP' });
    const spilo: k8s.Container = {
      name: SPILO_CONTAINER,
      image,
      imagePullPolicy: 'IfNotPresent',
      ports: [
        { name: 'postgresql', containerPort: POSTGRES_PORT, protocol: 'TCP' },
        { name: 'patroni', containerPort: PATRONI_PORT, protocol: 'TCP' },
      ],
      env,
      resources: resources.requirements,
      volumeMounts: [
        { name: PGDATA_VOLUME, mountPath: '/home/postgres/pgdata' },
        { name: 'dshm', mountPath: '/dev/shm' },
        ...backupEnvironment.volumeMounts,
        ...tls.volumeMounts,
        ...props.extraVolumeMounts ?? [],
      ],
      // Patroni answers /readiness when PostgreSQL runs; /liveness when its HA loop runs (within ttl).
      readinessProbe: { httpGet: httpGet('/readiness'), initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { httpGet: httpGet('/liveness'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
      // Spilo configures itself before Patroni listens; allow 5 minutes before liveness applies.
      startupProbe: { httpGet: httpGet('/liveness'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
      // A leader being stopped (rolling update, node drain) first hands over to a healthy replica:
      // a planned switchover (~2 s) instead of a failover (ttl). Bounded well below the grace period;
      // always exits 0 so it never blocks termination.
      lifecycle: { preStop: { exec: { command: PreStopHook.command(PreStopHook.timeoutFor(grace)) } } },
      securityContext: {
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        runAsUser: SPILO_UID,
        runAsGroup: SPILO_GID,
        // Spilo writes /etc/passwd, /run and /tmp at start (spilo issue #374); it does not support a read-only root.
        readOnlyRootFilesystem: false,
      },
    };

    // A single member has nobody to be kept apart from.
    const { affinity, topologySpreadConstraints } = placementConstraints(
      instances < 2 ? Placement.DISABLED : hostAntiAffinity, zoneSpread, this.selectorLabels);

    this.statefulSet = new SpiloStatefulSet(this, 'Resource', {
      metadata: {
        ...metadata(names.statefulSet),
        annotations: exemptionAnnotations(spiloExemptions(resources.requirements.limits?.cpu !== undefined), props.annotations),
      },
      spec: {
        replicas: instances,
        serviceName: names.headlessService,
        selector: { matchLabels: this.selectorLabels },
        // Parallel: after an outage every member starts at once and Patroni's DCS lock decides the
        // leader; OrderedReady would keep all members down while member 0 cannot start.
        podManagementPolicy: 'Parallel',
        // RollingUpdate: a changed manifest rolls out without an operator, one member at a time from the
        // highest ordinal, each waiting for the previous one to be Ready (Patroni's /readiness).
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        persistentVolumeClaimRetentionPolicy: props.deleteVolumesWithCluster
          ? { whenDeleted: 'Delete', whenScaled: 'Delete' }
          : { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels: podLabels, annotations: props.podAnnotations },
          spec: {
            serviceAccountName: this.rbac.serviceAccountName,
            // Patroni uses the Kubernetes API as its DCS.
            automountServiceAccountToken: true,
            // Service links would add an environment variable per Service to Spilo's environment.
            enableServiceLinks: false,
            terminationGracePeriodSeconds: grace,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: SPILO_UID,
              runAsGroup: SPILO_GID,
              fsGroup: SPILO_GID,
              // Spilo chmods PGDATA itself; a recursive chown at every start would slow large volumes.
              fsGroupChangePolicy: 'OnRootMismatch',
              seccompProfile: { type: 'RuntimeDefault' },
            },
            affinity,
            topologySpreadConstraints,
            nodeSelector: props.nodeSelector,
            tolerations: props.tolerations,
            priorityClassName: props.priorityClassName,
            imagePullSecrets: props.imagePullSecrets?.map((name) => ({ name })),
            containers: [spilo, ...props.extraContainers ?? []],
            volumes: [
              { name: 'dshm', emptyDir: { medium: 'Memory' } },
              ...backupEnvironment.volumes,
              ...tls.volumes,
              ...props.extraVolumes ?? [],
            ],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: PGDATA_VOLUME, labels: objectLabels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            volumeMode: 'Filesystem',
            storageClassName: props.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(storageQuantity) } },
          },
        }],
      },
    });
    this.statefulSet.addDependency(...this.rbac.apiObjects, this.headlessService);
    if (props.tls) {
      const dnsNames = SpiloTls.dnsNames({
        namespace: this.namespace,
        serviceNames: [names.primaryService, names.replicaService, `${props.name}-pooler`, `${props.name}-pooler-repl`],
        headlessServiceName: names.headlessService,
        clusterDomain: props.clusterDomain,
      });
      const certificate = SpiloTls.certificate(this, 'Certificate', props.tls, props.name, dnsNames, objectLabels);
      if (certificate) this.statefulSet.addDependency(certificate);
    }

    const ordering = props.gitOpsOrdering ?? GitOpsOrdering.NONE;
    const network = props.networkPolicy ?? {};
    const networkPolicyEnabled = network.enabled ?? true;
    const secretLabels = { ...this.selectorLabels, 'app.kubernetes.io/managed-by': 'cdk8s-pgaas' };
    // The Jobs' pods must not carry the members' selector labels: the headless Service, the PDB and
    // Patroni's member lookup select by them.
    const jobLabels = (component: string, group: string) => ({
      ...props.labels,
      'app.kubernetes.io/name': 'postgresql',
      'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
      'app.kubernetes.io/component': component,
      [CLUSTER_LABEL]: props.name,
      [NETWORK_GROUP_LABEL]: `${props.name}-${group}`,
    });
    const provisioned: Array<[string, ResolvedCredentials]> = [...credentials, [PatroniRestApi.DEFAULT_USERNAME, apiCredentials]];
    for (const [user, c] of provisioned) {
      if (c.source === CredentialsSource.GENERATED) {
        this.secretGenerator ??= props.secretGenerator
          ?? new SecretGenerator(this, 'SecretGenerator', {
            name: `${props.name}-secrets`,
            image,
            labels: jobLabels('secret-generator', 'secrets'),
            ordering,
            imagePullSecrets: props.imagePullSecrets,
            networkIsolated: networkPolicyEnabled,
          });
        this.secretGenerator.addSecret({ name: c.secretName, username: user, labels: secretLabels });
      } else if (c.source === CredentialsSource.EXTERNAL_SECRET && c.external) {
        const external = new ExternalSecret(this, `ExternalSecret-${c.secretName}`, {
          metadata: metadata(c.secretName),
          secretStoreRef: { name: c.external.secretStoreName, kind: c.external.secretStoreKind ?? 'SecretStore' },
          refreshInterval: `${c.external.refreshInterval?.toSeconds() ?? 3600}s`,
          // The role name is fixed by the declaration; only the password comes from the store.
          target: { name: c.secretName, templateData: { [c.usernameKey]: user, [c.passwordKey]: '{{ .password }}' } },
          data: [{ secretKey: 'password', remoteRef: { key: c.external.remoteKey, property: c.external.passwordProperty } }],
        });
        this.statefulSet.addDependency(external);
      }
    }
    if (this.secretGenerator) this.statefulSet.addDependency(this.secretGenerator.job);

    if ((props.roles ?? []).length > 0 || (props.databases ?? []).length > 0 || poolerRole !== undefined) {
      const superuser = credentials.get(SUPERUSER)!;
      const passwords: Record<string, { secretName: string; key: string }> = {};
      for (const [user, c] of credentials) passwords[user] = { secretName: c.secretName, key: c.passwordKey };
      this.bootstrap = new DatabaseBootstrap(this, 'Bootstrap', {
        name: `${props.name}-bootstrap`,
        spec: bootstrapSpec,
        image,
        host: this.primaryHost,
        port: POSTGRES_PORT,
        superuserUsername: { secretName: superuser.secretName, key: superuser.usernameKey },
        superuserPassword: { secretName: superuser.secretName, key: superuser.passwordKey },
        passwords,
        labels: jobLabels('bootstrap', 'bootstrap'),
        networkIsolated: networkPolicyEnabled,
        ordering,
        imagePullSecrets: props.imagePullSecrets,
      });
      this.bootstrap.job.addDependency(this.statefulSet, this.primaryService);
    }

    if (networkPolicyEnabled) {
      const ownGenerator = this.secretGenerator && !props.secretGenerator;
      this.networkPolicy = new DatabaseNetworkPolicy(this, 'NetworkPolicy', {
        name: props.name,
        databasePodLabels: { [NETWORK_GROUP_LABEL]: `${props.name}-database` },
        secretGeneratorPodLabels: ownGenerator ? { [NETWORK_GROUP_LABEL]: `${props.name}-secrets` } : undefined,
        bootstrapJobPodLabels: this.bootstrap ? { [NETWORK_GROUP_LABEL]: `${props.name}-bootstrap` } : undefined,
        pooler: props.connectionPooler ? { podLabels: { [NETWORK_GROUP_LABEL]: `${props.name}-pooler` } } : undefined,
        apiServer: network.apiServer ?? { cidrs: ['0.0.0.0/0', '::/0'], port: 443, additionalPorts: [6443] },
        dns: network.dns,
        allowFrom: network.allowFrom,
        patroniApiFrom: network.patroniApiFrom,
        // Object storage has no stable addresses: with archiving on, HTTPS anywhere unless narrowed.
        backupEndpoints: network.backupEndpoints ?? (props.backup ? { cidrs: ['0.0.0.0/0', '::/0'], port: 443 } : undefined),
        labels: objectLabels,
      });
    }

    if (props.connectionPooler) {
      this.connectionPooler = new ConnectionPooler(this, 'Pooler', {
        // Serving only the declared databases makes the connection bound hold for the whole server.
        databases: props.databases?.length ? props.databases.map((d) => d.name) : undefined,
        ...props.connectionPooler,
        // The cluster's certificate names the pooler Services too: with server TLS, the pooler speaks TLS on both sides.
        clientTlsSecretName: props.connectionPooler.clientTlsSecretName ?? tls.secretName,
        labels: { ...props.labels, ...props.connectionPooler.labels, [NETWORK_GROUP_LABEL]: `${props.name}-pooler` },
        cluster: this,
      });
      for (const tier of [this.connectionPooler.primary, this.connectionPooler.replica]) {
        if (tier && this.secretGenerator) tier.deployment.addDependency(this.secretGenerator.job);
      }
    }

    if ((props.podDisruptionBudget ?? true) && instances > 1) {
      this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: metadata(names.podDisruptionBudget),
        spec: {
          // One member at a time over all members (never "minAvailable: 1 on the primary", which blocks drains).
          maxUnavailable: k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: this.selectorLabels },
        },
      });
      // A member that is not Ready (crash-looping, stuck) can always be evicted, so it never blocks a drain.
      this.podDisruptionBudget.addJsonPatch(JsonPatch.add('/spec/unhealthyPodEvictionPolicy', 'AlwaysAllow'));
    }
  }

  /** Allows pods to connect to PostgreSQL (port 5432) through the NetworkPolicy. */
  public allowConnectionsFrom(...peers: NetworkPeer[]): void {
    if (!this.networkPolicy) throw new Error(`PostgresCluster ${this.node.path}: allowConnectionsFrom needs the NetworkPolicies (networkPolicy.enabled is false)`);
    this.networkPolicy.allowConnectionsFrom(...peers);
  }

  /** Allows a cdk8s-plus workload (Deployment, StatefulSet, Job, ...) to connect to PostgreSQL. */
  public allowWorkload(workload: kplus.IPodSelector): void {
    this.allowConnectionsFrom(NetworkPeer.fromPodSelector(workload));
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
    return `${this.names.pod(ordinal)}.${this.headlessServiceName}.${this.namespace}.svc`;
  }

  /** Every object of the cluster, for escape hatches (`ApiObject.addJsonPatch`). */
  public get apiObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }

  /**
   * libpq environment for an app container (PGHOST, PGPORT, PGUSER and PGPASSWORD from the Secret,
   * PGSSLMODE=require, optionally PGDATABASE), as plain Kubernetes env entries.
   */
  public connectionEnvVars(options: ConnectionEnvOptions = {}): k8s.EnvVar[] {
    const credentials = this.userCredentials(options.user ?? SUPERUSER);
    return [
      { name: 'PGHOST', value: options.readOnly ? this.replicaHost : this.primaryHost },
      { name: 'PGPORT', value: String(this.port) },
      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.usernameKey } } },
      { name: 'PGPASSWORD', valueFrom: passwordRef(credentials) },
      // Spilo rejects non-TLS connections from the network (pg_hba hostnossl reject).
      { name: 'PGSSLMODE', value: 'require' },
      ...options.database ? [{ name: 'PGDATABASE', value: options.database }] : [],
    ];
  }

  /** The same libpq environment as {@link connectionEnvVars}, as cdk8s-plus values. */
  public connectionEnv(options: ConnectionEnvOptions = {}): Record<string, kplus.EnvValue> {
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
  public addConnectionEnv(container: kplus.Container, options: ConnectionEnvOptions = {}): void {
    for (const [name, value] of Object.entries(this.connectionEnv(options))) container.env.addVariable(name, value);
  }

  /** Where a login user's name and password are (Secret name and keys). */
  public userCredentials(user: string): ResolvedCredentials {
    const credentials = this.credentials.get(user);
    if (!credentials) throw new Error(`PostgresCluster ${this.node.path}: "${user}" is not a login user of this cluster (known: ${[...this.credentials.keys()].join(', ')})`);
    return credentials;
  }

  /** Login users of the cluster: the superuser, the replication user and the declared login roles. */
  public get users(): string[] {
    return [...this.credentials.keys()];
  }

  private secretHandle(name: string): kplus.ISecret {
    const id = `SecretRef-${name}`;
    return (this.node.tryFindChild(id) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(this, id, name);
  }
}


function passwordRef(credentials: ResolvedCredentials): k8s.EnvVarSource {
  return { secretKeyRef: { name: credentials.secretName, key: credentials.passwordKey } };
}

interface ResolvedResources {
  readonly requirements: k8s.ResourceRequirements;
  readonly memoryBytes: number;
  readonly cpuMillis: number;
}

function resolveResources(resources: kplus.ContainerResources | undefined, errors: ValidationErrors): ResolvedResources {
  const resolved = resolveContainerResources(resources, {
    cpu: { request: kplus.Cpu.millis(500) },
    memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
  }, errors);
  const memoryBytes = resolved.memoryLimit ?? resolved.memoryRequest;
  if (memoryBytes === undefined && !resolved.requirements.limits?.memory && !resolved.requirements.requests?.memory) {
    errors.add('resources.memory', resources?.memory, 'must set a request or a limit: PostgreSQL\'s memory settings are computed from it');
  }
  return {
    requirements: resolved.requirements,
    memoryBytes: memoryBytes ?? 0,
    cpuMillis: ((resolved.cpuLimit ?? resolved.cpuRequest) ?? 1) * 1000,
  };
}

function validateExtraEnv(errors: ValidationErrors, env: k8s.EnvVar[]): void {
  const seen = new Set<string>();
  for (const variable of env) {
    const problem = Rules.envVarName(variable.name);
    if (problem) errors.add('extraEnv[].name', variable.name, problem);
    if (MANAGED_ENV.includes(variable.name)) errors.add('extraEnv[].name', variable.name, 'is set by the library; use the matching property instead');
    if (variable.name.startsWith('PATRONI_')) errors.add('extraEnv[].name', variable.name, 'never reaches Patroni: Spilo starts Patroni with a cleared environment; use the patroni property or SPILO_CONFIGURATION settings');
    if (seen.has(variable.name)) errors.add('extraEnv[].name', variable.name, 'is set twice');
    seen.add(variable.name);
  }
}

function validateExtraContainers(errors: ValidationErrors, containers: k8s.Container[]): void {
  const names = new Set<string>([SPILO_CONTAINER]);
  for (const container of containers) {
    const problem = Rules.dns1123Label(container.name);
    if (problem) errors.add('extraContainers[].name', container.name, problem);
    if (names.has(container.name)) errors.add('extraContainers[].name', container.name, 'must be unique and not "postgres" (the Spilo container)');
    names.add(container.name);
    const imageProblem = container.image ? validateImageReference(container.image) : 'must be set';
    if (imageProblem) errors.add(`extraContainers[${container.name}].image`, container.image, imageProblem);
    for (const port of container.ports ?? []) {
      if (port.name !== undefined) {
        const portProblem = Rules.portName(port.name);
        if (portProblem) errors.add(`extraContainers[${container.name}].ports[].name`, port.name, portProblem);
      }
    }
    for (const variable of container.env ?? []) {
      const envProblem = Rules.envVarName(variable.name);
      if (envProblem) errors.add(`extraContainers[${container.name}].env[].name`, variable.name, envProblem);
    }
  }
}
