// Internal: Spilo's side of backups and bootstrap sources, computed for the cluster construct. The public
// declarations are in ./backup-storage, ./storage-credentials, ./cluster-bootstrap and ./continuous-backup.
import { k8s } from 'cdk8s-plus-27';
import { BackupStorage } from './backup-storage';
import { ClusterBootstrap } from './cluster-bootstrap';
import { ContinuousBackupProps } from './continuous-backup';
import { mergeAccess, SpiloClusterIdentity, StorageAccess } from './storage-env';
import { cronProblem } from '../private/cron';
import { check, Problem, Rules, Validated } from '../private/validation';


/** Properties of {@link resolveSpiloBackup}. */
export interface SpiloBackupEnvironmentProps {
  /** The cluster the environment is for. */
  readonly cluster: SpiloClusterIdentity;
  /**
   * Continuous archiving and base backups.
   * @default - none: no archiving (Spilo's archive_command is /bin/true)
   */
  readonly backup?: ContinuousBackupProps;
  /**
   * Where a new cluster's data comes from.
   * @default - initdb: an empty cluster
   */
  readonly bootstrap?: ClusterBootstrap;
}

/** What to add to the Spilo StatefulSet for backups and bootstrap sources. */
export interface SpiloBackupEnvironment {
  /** Environment variables of the Spilo container. */
  readonly env: k8s.EnvVar[];
  /** Volumes of the pod (mounted credential files). */
  readonly volumes: k8s.Volume[];
  /** Volume mounts of the Spilo container. */
  readonly volumeMounts: k8s.VolumeMount[];
  /** Annotations for the pods' ServiceAccount (workload identity). */
  readonly serviceAccountAnnotations: Record<string, string>;
  /**
   * The cluster's own WAL-G prefix, when archiving is on.
   * @default - no archiving
   */
  readonly archivePrefix?: string;
  /**
   * Whether Spilo derives the archive path from the major of the data directory it runs (S3, GCS), so that raising
   * `postgresVersion` never makes the old major archive into the new major's path.
   * @default - no archiving
   */
  readonly archiveFollowsDataDirectory?: boolean;
}

/** Spilo's default base backup schedule. */
const DEFAULT_SCHEDULE = '0 1 * * *';
/** Spilo's default number of base backups to keep. */
const DEFAULT_RETENTION = 5;
/** Volume name of the mounted credential file of the cluster's own archive. */
const BACKUP_VOLUME = 'backup-credentials';

/**
 * Spilo's environment (and volumes, mounts and ServiceAccount annotations) for continuous archiving with WAL-G and
 * a bootstrap source (point-in-time recovery, clone, standby), with every problem of the declaration. Pure: the same
 * declaration always gives the same result; never throws. Variable names follow Spilo's configure_spilo.py;
 * boolean flags are only ever "true" (Spilo reads any non-empty string as true). Problems name the property
 * relative to the props (`cluster.clusterName`, `backup.schedule`, `bootstrap.source`, ...).
 */
export function resolveSpiloBackup(props: SpiloBackupEnvironmentProps): Validated<SpiloBackupEnvironment> {
  const cluster = props.cluster;
  const problems: Problem[] = [...clusterIdentityProblems(cluster)];
  const parts: StorageAccess[] = [];
  const env: k8s.EnvVar[] = [];
  let archivePrefix: string | undefined;
  let archiveFollowsDataDirectory: boolean | undefined;
  const backup = props.backup;
  if (backup) {
    const archive = continuousArchive(backup, cluster);
    problems.push(...archive.problems.map((p) => ({ ...p, property: `backup.${p.property}` })));
    archivePrefix = archive.value.archivePrefix;
    archiveFollowsDataDirectory = archive.value.followsDataDirectory;
    env.push(...archive.value.env);
    parts.push(archive.value.access);
  }
  if (props.bootstrap) {
    const ownArchiveRoot = backup?.storage._spiloArchive(cluster.namespace, cluster.clusterName);
    const source = props.bootstrap._spiloEnvironment(cluster, ownArchiveRoot);
    problems.push(...source.problems.map((p) => ({ ...p, property: `bootstrap.${p.property}` })));
    env.push(...source.value.env);
    if (source.value.archive) parts.push(source.value.archive.access);
  }
  const merged = mergeAccess(parts, (key, values) => problems.push({
    property: `serviceAccountAnnotations["${key}"]`,
    value: values,
    rule: 'is required with two different values (backup storage and bootstrap source): the pods have one ServiceAccount; grant its identity access to both',
  }));
  return {
    value: {
      env: [...env, ...merged.env],
      volumes: merged.volumes,
      volumeMounts: merged.volumeMounts,
      serviceAccountAnnotations: merged.serviceAccountAnnotations,
      archivePrefix,
      archiveFollowsDataDirectory,
    },
    problems,
  };
}

/** The cluster is named and versioned as Spilo's paths need. */
function clusterIdentityProblems(cluster: SpiloClusterIdentity): Problem[] {
  return [
    ...check('cluster.clusterName', cluster.clusterName, Rules.dns1035Label(cluster.clusterName)),
    ...check('cluster.namespace', cluster.namespace, Rules.dns1123Label(cluster.namespace)),
    ...Number.isInteger(cluster.postgresVersion) && cluster.postgresVersion >= 10 ? []
      : [{ property: 'cluster.postgresVersion', value: cluster.postgresVersion, rule: 'must be a PostgreSQL major version (an integer >= 10)' }],
  ];
}

/** The cluster's own archive: Spilo's settings, the storage access and the WAL-G prefix (problems relative to `backup`). */
function continuousArchive(
  backup: ContinuousBackupProps, cluster: SpiloClusterIdentity,
): Validated<{ env: k8s.EnvVar[]; access: StorageAccess; archivePrefix: string; followsDataDirectory: boolean }> {
  const schedule = backup.schedule ?? DEFAULT_SCHEDULE;
  const retention = backup.retention ?? DEFAULT_RETENTION;
  const problems: Problem[] = [...check('schedule', schedule, cronProblem(schedule))];
  if (!Number.isInteger(retention) || retention < 2) {
    problems.push({ property: 'retention', value: retention, rule: 'must be an integer >= 2: Spilo keeps at least 2 base backups whatever it is told' });
  }
  if (backup.backupFromReplica && cluster.instances !== undefined && cluster.instances < 2) {
    problems.push({ property: 'backupFromReplica', value: true, rule: `needs a replica: with ${cluster.instances} instance no base backup would ever be taken` });
  }
  const archivePrefix = backup.storage._spiloArchive(cluster.namespace, cluster.clusterName, cluster.postgresVersion);
  const env: k8s.EnvVar[] = [
    // WAL-G, not WAL-E, for archive_command, base backups, restore_command and new replicas; compared to 'true'.
    { name: 'USE_WALG_BACKUP', value: 'true' },
    { name: 'USE_WALG_RESTORE', value: 'true' },
    { name: 'BACKUP_SCHEDULE', value: schedule },
    { name: 'BACKUP_NUM_TO_RETAIN', value: String(retention) },
    ...backup.backupFromReplica ? [{ name: 'WALG_BACKUP_FROM_REPLICA', value: 'true' }] : [],
  ];
  const own = backup.storage._spiloOwnArchive(cluster.namespace, cluster.clusterName, cluster.postgresVersion, BACKUP_VOLUME);
  return { value: { env, access: own.access, archivePrefix, followsDataDirectory: own.followsDataDirectory }, problems };
}

/** Spilo's backup and bootstrap settings as one value: the defaults, the variables it manages, its paths. */
export class SpiloBackup {
  /** Spilo's default base backup schedule. */
  public static readonly DEFAULT_SCHEDULE = DEFAULT_SCHEDULE;
  /** Spilo's default number of base backups to keep. */
  public static readonly DEFAULT_RETENTION = DEFAULT_RETENTION;

  /**
   * Every variable name {@link resolveSpiloBackup} can set: a cluster must reject them in user-supplied
   * extra environment, where they would override or duplicate the computed ones.
   */
  public static readonly MANAGED_ENV: string[] = [
    'WAL_S3_BUCKET', 'WAL_GS_BUCKET', 'WAL_BUCKET_SCOPE_PREFIX', 'WAL_BUCKET_SCOPE_SUFFIX',
    'USE_WALG_BACKUP', 'USE_WALG_RESTORE', 'BACKUP_SCHEDULE', 'BACKUP_NUM_TO_RETAIN', 'WALG_BACKUP_FROM_REPLICA',
    'CLONE_METHOD', 'CLONE_SCOPE', 'CLONE_TARGET_TIME', 'CLONE_TARGET_INCLUSIVE', 'USE_PAUSE_AT_RECOVERY_TARGET',
    'CLONE_USE_WALG_RESTORE', 'CLONE_HOST', 'CLONE_PORT', 'CLONE_USER', 'CLONE_PASSWORD',
    'STANDBY_HOST', 'STANDBY_PORT', 'STANDBY_PRIMARY_SLOT_NAME', 'STANDBY_SCOPE', 'STANDBY_USE_WALG_RESTORE',
    ...['', 'CLONE_', 'STANDBY_'].flatMap((p) => [
      'WALG_S3_PREFIX', 'WALG_GS_PREFIX', 'WALG_AZ_PREFIX', 'AWS_REGION', 'AWS_ENDPOINT', 'WALE_S3_ENDPOINT',
      'AWS_S3_FORCE_PATH_STYLE', 'WALG_S3_SSE', 'WALG_S3_SSE_KMS_ID', 'WALG_DISABLE_S3_SSE', 'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'GOOGLE_APPLICATION_CREDENTIALS',
      'AZURE_STORAGE_ACCOUNT', 'AZURE_STORAGE_ACCESS_KEY', 'AZURE_STORAGE_SAS_TOKEN',
    ].map((n) => p + n)),
  ];

  /**
   * A cluster's WAL-G archive location: `<scheme>://<bucket>[/<prefix>]/spilo/<namespace>/<cluster>/wal[/<major>]`.
   * Spilo's own layout (`.../spilo/.../wal/<major>`), so its tools recognise it: the in-place major upgrade moves
   * the cluster to the new major's path, and a point-in-time clone given the path without the major tries
   * every major from the new cluster's down. Namespace and cluster are separate segments, so two clusters
   * never share a path.
   *
   * @param postgresVersion the major to append; omit it for the archive root of all majors
   */
  public static archivePrefix(storage: BackupStorage, namespace: string, clusterName: string, postgresVersion?: number): string {
    return storage._spiloArchive(namespace, clusterName, postgresVersion);
  }

  private constructor() {}
}
