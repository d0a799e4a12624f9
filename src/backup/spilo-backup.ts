import { k8s } from 'cdk8s-plus-27';
import { BackupStorage } from './backup-storage';
import { mergeAccess, spiloStorageAccess, StorageAccess, walgPrefixVariable } from './storage-env';
import { SecretKeyReference } from '../database/database-bootstrap';
import { cronProblem } from '../private/cron';
import { ClusterNames } from '../private/names';
import { Rules, ValidationErrors } from '../private/validation';

/** Continuous archiving and base backups of a cluster with WAL-G (the `backup` property of a cluster). */
export interface ContinuousBackupProps {
  /** Where WAL and base backups go. The cluster writes under `<prefix>/spilo/<namespace>/<cluster>/wal/<major>`. */
  readonly storage: BackupStorage;
  /**
   * Cron schedule (5 fields, the pod's time zone: UTC) of the base backups Spilo's cron takes (BACKUP_SCHEDULE).
   * @default "0 1 * * *" (Spilo's default)
   */
  readonly schedule?: string;
  /**
   * Base backups to keep (BACKUP_NUM_TO_RETAIN). Spilo also keeps every base backup younger than this many
   * days, with the WAL needed to restore from the oldest one kept.
   * @default 5 (Spilo's default)
   */
  readonly retention?: number;
  /**
   * Take base backups on a replica instead of the primary (WALG_BACKUP_FROM_REPLICA). Every replica runs the
   * schedule, so with more than one replica there is one base backup per replica.
   * @default false
   */
  readonly backupFromReplica?: boolean;
}

/** The cluster whose Spilo environment is computed. */
export interface SpiloClusterIdentity {
  /** Cluster name (Patroni scope). */
  readonly clusterName: string;
  /** Kubernetes namespace of the cluster. */
  readonly namespace: string;
  /** PostgreSQL major version the cluster runs. */
  readonly postgresVersion: number;
  /**
   * Number of members, to check options that need replicas.
   * @default - not checked
   */
  readonly instances?: number;
}

/** Another cluster's continuous archive, located the way this library writes it. */
export interface ArchiveSource {
  /** The storage the source cluster archives to (its `backup.storage`). */
  readonly storage: BackupStorage;
  /** Name of the source cluster. */
  readonly clusterName: string;
  /** Namespace of the source cluster. */
  readonly namespace: string;
}

/** Properties of {@link ClusterBootstrap.pointInTime}. */
export interface PointInTimeRecoveryProps {
  /** The archive to restore from. */
  readonly source: ArchiveSource;
  /**
   * Recover up to this moment: RFC 3339 with a UTC offset, e.g. "2026-11-20T10:00:00+00:00" or
   * "2026-11-20T10:00:00Z" (CLONE_TARGET_TIME). The newest base backup before it is restored, then WAL is
   * replayed up to it.
   * @default - the end of the archive (the latest state)
   */
  readonly targetTime?: string;
  /**
   * Stop just after (true) or just before (false) the target time.
   * @default true
   */
  readonly targetInclusive?: boolean;
  /**
   * Pause at the target instead of promoting (USE_PAUSE_AT_RECOVERY_TARGET): inspect, then promote with
   * `SELECT pg_wal_replay_resume()`.
   * @default false
   */
  readonly pauseAtTarget?: boolean;
}

/** Properties of {@link ClusterBootstrap.cloneFrom}. */
export interface BasebackupCloneProps {
  /** Name of the running source cluster (CLONE_SCOPE). */
  readonly clusterName: string;
  /**
   * Namespace of the source cluster.
   * @default - the new cluster's namespace
   */
  readonly namespace?: string;
  /**
   * Host to take the base backup from.
   * @default "<clusterName>.<namespace>.svc" (the source's primary Service)
   */
  readonly host?: string;
  /**
   * Port of the source.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Replication user of the source.
   * @default "standby"
   */
  readonly user?: string;
  /**
   * The source user's password, in a Secret of the NEW cluster's namespace.
   * @default - key "password" of "standby.<clusterName>.credentials.postgresql.acid.zalan.do" (the source's
   * replication Secret; only when the source is in the same namespace)
   */
  readonly password?: SecretKeyReference;
}

/** Properties of {@link ClusterBootstrap.standbyOf}. */
export interface StandbyClusterProps {
  /**
   * Replay WAL from the source cluster's archive (same PostgreSQL major as this cluster).
   * @default - no archive: streaming only
   */
  readonly archive?: ArchiveSource;
  /**
   * Host of the source primary to stream from (STANDBY_HOST).
   * @default - no streaming: archive only
   */
  readonly host?: string;
  /**
   * Port of the source primary (STANDBY_PORT).
   * @default 5432
   */
  readonly port?: number;
  /**
   * Replication slot on the source primary (STANDBY_PRIMARY_SLOT_NAME); create it there first.
   * @default - no slot
   */
  readonly primarySlotName?: string;
}

/** How a new cluster gets its data. */
export enum ClusterBootstrapKind {
  /** Restore another cluster's WAL-G base backup and replay its WAL (CLONE_WITH_WALE). */
  POINT_IN_TIME = 'point-in-time',
  /** pg_basebackup from a running cluster (CLONE_WITH_BASEBACKUP). */
  BASEBACKUP = 'basebackup',
  /** Run as a standby of another cluster (Patroni standby_cluster). */
  STANDBY = 'standby',
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2}):(\d{2}))$/;
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
const HOST = /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^[0-9a-fA-F:]+$/;
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The one source a new cluster bootstraps from: a point in time of another cluster's archive, a running
 * cluster, or (as a standby) another cluster. One value, so clone and standby cannot be combined. Spilo reads
 * these settings only when the cluster is first initialised.
 */
export class ClusterBootstrap {
  /** Restore another cluster's archive up to a point in time (or its latest state). */
  public static pointInTime(props: PointInTimeRecoveryProps): ClusterBootstrap {
    const errors = new ValidationErrors('ClusterBootstrap.pointInTime');
    validateArchiveSource(errors, 'source', props.source);
    if (props.targetTime !== undefined) {
      const problem = rfc3339Problem(props.targetTime);
      if (problem) errors.add('targetTime', props.targetTime, problem);
    }
    errors.throwIfAny();
    return new ClusterBootstrap(ClusterBootstrapKind.POINT_IN_TIME, props, undefined, undefined);
  }

  /** Copy a running cluster with pg_basebackup. */
  public static cloneFrom(props: BasebackupCloneProps): ClusterBootstrap {
    const errors = new ValidationErrors('ClusterBootstrap.cloneFrom');
    const nameProblem = Rules.dns1035Label(props.clusterName);
    if (nameProblem) errors.add('clusterName', props.clusterName, nameProblem);
    if (props.namespace !== undefined) {
      const problem = Rules.dns1123Label(props.namespace);
      if (problem) errors.add('namespace', props.namespace, problem);
    }
    if (props.host !== undefined && !HOST.test(props.host)) errors.add('host', props.host, 'must be a DNS name or an IP address');
    validatePort(errors, 'port', props.port);
    if (props.user !== undefined && !ROLE_NAME.test(props.user)) errors.add('user', props.user, 'must be a role name: lowercase letters, digits and \'_\'');
    if (props.password !== undefined) validateSecretKey(errors, 'password', props.password);
    errors.throwIfAny();
    return new ClusterBootstrap(ClusterBootstrapKind.BASEBACKUP, undefined, props, undefined);
  }

  /** Run as a standby cluster of another cluster: from its archive, by streaming from its primary, or both. */
  public static standbyOf(props: StandbyClusterProps): ClusterBootstrap {
    const errors = new ValidationErrors('ClusterBootstrap.standbyOf');
    if (props.archive === undefined && props.host === undefined) {
      errors.addAll(['archive/host: set at least one: the archive of the source cluster, the host of its primary, or both']);
    }
    if (props.archive !== undefined) validateArchiveSource(errors, 'archive', props.archive);
    if (props.host !== undefined && !HOST.test(props.host)) errors.add('host', props.host, 'must be a DNS name or an IP address');
    validatePort(errors, 'port', props.port);
    if (props.host === undefined && (props.port !== undefined || props.primarySlotName !== undefined)) {
      errors.add('port/primarySlotName', props.port ?? props.primarySlotName, 'apply to streaming: set host too');
    }
    if (props.primarySlotName !== undefined && !SLOT_NAME.test(props.primarySlotName)) {
      errors.add('primarySlotName', props.primarySlotName, 'must be a replication slot name: 1 to 63 lowercase letters, digits and \'_\'');
    }
    errors.throwIfAny();
    return new ClusterBootstrap(ClusterBootstrapKind.STANDBY, undefined, undefined, props);
  }

  /** The kind of source. */
  public readonly kind: ClusterBootstrapKind;
  /** The point-in-time recovery, for POINT_IN_TIME. */
  public readonly pointInTimeRecovery?: PointInTimeRecoveryProps;
  /** The source cluster, for BASEBACKUP. */
  public readonly basebackupClone?: BasebackupCloneProps;
  /** The standby source, for STANDBY. */
  public readonly standby?: StandbyClusterProps;

  private constructor(kind: ClusterBootstrapKind, pitr?: PointInTimeRecoveryProps, clone?: BasebackupCloneProps, standby?: StandbyClusterProps) {
    this.kind = kind;
    this.pointInTimeRecovery = pitr;
    this.basebackupClone = clone;
    this.standby = standby;
  }
}

/** Properties of {@link SpiloBackup.environment}. */
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
   * Pod security settings that must be relaxed for these features. Always empty: Spilo's cron (base backups)
   * runs without privilege escalation since its images make /etc/shadow readable (spilo PR #677 discussion).
   */
  readonly securityRelaxations: string[];
  /**
   * The cluster's own WAL-G prefix, when archiving is on.
   * @default - no archiving
   */
  readonly archivePrefix?: string;
}

/** Volume names of mounted credential files, by role. */
const VOLUME = { backup: 'backup-credentials', clone: 'clone-credentials', standby: 'standby-credentials' };

/**
 * Spilo's environment for continuous archiving with WAL-G, point-in-time recovery, clones and standby clusters,
 * computed as a pure function of the declaration. Variable names follow Spilo's configure_spilo.py; boolean
 * flags are only ever set to "true" (Spilo reads any non-empty string as true).
 */
export class SpiloBackup {
  /** Spilo's default base backup schedule. */
  public static readonly DEFAULT_SCHEDULE = '0 1 * * *';
  /** Spilo's default number of base backups to keep. */
  public static readonly DEFAULT_RETENTION = 5;

  /**
   * Every variable name {@link SpiloBackup.environment} can set: a cluster must reject them in user-supplied
   * extra environment, where they would override or duplicate the computed ones.
   */
  public static readonly MANAGED_ENV: string[] = [
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
    return storage.url('spilo', namespace, clusterName, 'wal', ...postgresVersion === undefined ? [] : [String(postgresVersion)]);
  }

  /**
   * The Spilo container's environment (and volumes, mounts and ServiceAccount annotations) for continuous
   * archiving and a bootstrap source. Pure: the same declaration always gives the same result. Throws one
   * error listing every invalid setting.
   */
  public static environment(props: SpiloBackupEnvironmentProps): SpiloBackupEnvironment {
    const errors = new ValidationErrors('SpiloBackup.environment');
    const cluster = props.cluster;
    const nameProblem = Rules.dns1035Label(cluster.clusterName);
    if (nameProblem) errors.add('cluster.clusterName', cluster.clusterName, nameProblem);
    const namespaceProblem = Rules.dns1123Label(cluster.namespace);
    if (namespaceProblem) errors.add('cluster.namespace', cluster.namespace, namespaceProblem);
    if (!Number.isInteger(cluster.postgresVersion) || cluster.postgresVersion < 10) {
      errors.add('cluster.postgresVersion', cluster.postgresVersion, 'must be a PostgreSQL major version (an integer >= 10)');
    }

    const parts: StorageAccess[] = [];
    const plain: k8s.EnvVar[] = [];
    let archivePrefix: string | undefined;
    const backup = props.backup;
    if (backup) {
      const schedule = backup.schedule ?? SpiloBackup.DEFAULT_SCHEDULE;
      const problem = cronProblem(schedule);
      if (problem) errors.add('backup.schedule', schedule, problem);
      const retention = backup.retention ?? SpiloBackup.DEFAULT_RETENTION;
      if (!Number.isInteger(retention) || retention < 2) {
        errors.add('backup.retention', retention, 'must be an integer >= 2: Spilo keeps at least 2 base backups whatever it is told');
      }
      if (backup.backupFromReplica && cluster.instances !== undefined && cluster.instances < 2) {
        errors.add('backup.backupFromReplica', true, `needs a replica: with ${cluster.instances} instance no base backup would ever be taken`);
      }
      archivePrefix = SpiloBackup.archivePrefix(backup.storage, cluster.namespace, cluster.clusterName, cluster.postgresVersion);
      plain.push(
        // WAL-G, not WAL-E, for archive_command, base backups, restore_command and new replicas; compared to 'true'.
        { name: 'USE_WALG_BACKUP', value: 'true' },
        { name: 'USE_WALG_RESTORE', value: 'true' },
        { name: 'BACKUP_SCHEDULE', value: schedule },
        { name: 'BACKUP_NUM_TO_RETAIN', value: String(retention) },
        ...backup.backupFromReplica ? [{ name: 'WALG_BACKUP_FROM_REPLICA', value: 'true' }] : [],
      );
      parts.push(spiloStorageAccess(backup.storage, archivePrefix, '', VOLUME.backup));
    }

    const bootstrap = props.bootstrap;
    const ownRoot = backup && SpiloBackup.archivePrefix(backup.storage, cluster.namespace, cluster.clusterName);
    const own = (source: ArchiveSource) => SpiloBackup.archivePrefix(source.storage, source.namespace, source.clusterName) === ownRoot;
    const self = (name: string, namespace: string) => name === cluster.clusterName && namespace === cluster.namespace;
    if (bootstrap?.pointInTimeRecovery) {
      const pitr = bootstrap.pointInTimeRecovery;
      const source = pitr.source;
      if (self(source.clusterName, source.namespace)) {
        errors.add('bootstrap.source', `${source.namespace}/${source.clusterName}`, 'is this cluster itself: restore into a new cluster (another name) and switch clients over');
      } else if (own(source)) {
        errors.add('bootstrap.source', `${source.namespace}/${source.clusterName}`, 'has the archive path this cluster archives to');
      }
      plain.push(
        { name: 'CLONE_METHOD', value: 'CLONE_WITH_WALE' },
        { name: 'CLONE_SCOPE', value: source.clusterName },
        { name: 'CLONE_USE_WALG_RESTORE', value: 'true' },
        ...pitr.targetTime ? [{ name: 'CLONE_TARGET_TIME', value: pitr.targetTime }] : [],
        // Spilo renders recovery_target_inclusive: false only for an EMPTY value ("false" would mean true).
        ...pitr.targetInclusive === false ? [{ name: 'CLONE_TARGET_INCLUSIVE', value: '' }] : [],
        ...pitr.pauseAtTarget ? [{ name: 'USE_PAUSE_AT_RECOVERY_TARGET', value: 'true' }] : [],
      );
      // The archive root without the major: Spilo's clone_with_wale.py tries each major from this cluster's down.
      parts.push(spiloStorageAccess(source.storage, SpiloBackup.archivePrefix(source.storage, source.namespace, source.clusterName), 'CLONE_', VOLUME.clone));
    } else if (bootstrap?.basebackupClone) {
      const clone = bootstrap.basebackupClone;
      const namespace = clone.namespace ?? cluster.namespace;
      if (self(clone.clusterName, namespace)) errors.add('bootstrap.clusterName', clone.clusterName, 'is this cluster itself');
      if (namespace !== cluster.namespace && clone.password === undefined) {
        errors.add('bootstrap.password', undefined, `must be set: the source is in namespace "${namespace}" and Secrets are namespaced; copy its replication password into a Secret of "${cluster.namespace}"`);
      }
      const password = clone.password ?? { secretName: new ClusterNames(clone.clusterName).credentialsSecret('standby'), key: 'password' };
      plain.push(
        { name: 'CLONE_METHOD', value: 'CLONE_WITH_BASEBACKUP' },
        { name: 'CLONE_SCOPE', value: clone.clusterName },
        { name: 'CLONE_HOST', value: clone.host ?? `${clone.clusterName}.${namespace}.svc` },
        { name: 'CLONE_PORT', value: String(clone.port ?? 5432) },
        { name: 'CLONE_USER', value: clone.user ?? 'standby' },
        { name: 'CLONE_PASSWORD', valueFrom: { secretKeyRef: { name: password.secretName, key: password.key } } },
      );
    } else if (bootstrap?.standby) {
      const standby = bootstrap.standby;
      if (standby.host) {
        plain.push({ name: 'STANDBY_HOST', value: standby.host });
        if (standby.port !== undefined) plain.push({ name: 'STANDBY_PORT', value: String(standby.port) });
        if (standby.primarySlotName) plain.push({ name: 'STANDBY_PRIMARY_SLOT_NAME', value: standby.primarySlotName });
      }
      if (standby.archive) {
        const source = standby.archive;
        if (self(source.clusterName, source.namespace)) {
          errors.add('bootstrap.archive', `${source.namespace}/${source.clusterName}`, 'is this cluster itself');
        } else if (own(source)) {
          errors.add('bootstrap.archive', `${source.namespace}/${source.clusterName}`, 'has the archive path this cluster archives to');
        }
        plain.push(
          { name: 'STANDBY_SCOPE', value: source.clusterName },
          { name: 'STANDBY_USE_WALG_RESTORE', value: 'true' },
        );
        // A physical standby replays WAL of its own major only, so the path carries this cluster's major.
        parts.push(spiloStorageAccess(source.storage, SpiloBackup.archivePrefix(source.storage, source.namespace, source.clusterName, cluster.postgresVersion), 'STANDBY_', VOLUME.standby));
      }
    }

    const merged = mergeAccess(parts, (key, values) => errors.add(`serviceAccountAnnotations["${key}"]`, values,
      'is required with two different values (backup storage and bootstrap source): the pods have one ServiceAccount; grant its identity access to both'));
    errors.throwIfAny();
    const env = [...plain, ...merged.env];
    return {
      env,
      volumes: merged.volumes,
      volumeMounts: merged.volumeMounts,
      serviceAccountAnnotations: merged.serviceAccountAnnotations,
      securityRelaxations: [],
      archivePrefix,
    };
  }

  /** The WAL-G prefix variable Spilo reads for a storage: WALG_S3_PREFIX, WALG_GS_PREFIX or WALG_AZ_PREFIX. */
  public static prefixVariable(storage: BackupStorage): string {
    return walgPrefixVariable(storage);
  }

  private constructor() {}
}

function validateArchiveSource(errors: ValidationErrors, property: string, source: ArchiveSource): void {
  const nameProblem = Rules.dns1035Label(source.clusterName);
  if (nameProblem) errors.add(`${property}.clusterName`, source.clusterName, nameProblem);
  const namespaceProblem = Rules.dns1123Label(source.namespace);
  if (namespaceProblem) errors.add(`${property}.namespace`, source.namespace, namespaceProblem);
}

function validatePort(errors: ValidationErrors, property: string, port: number | undefined): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) errors.add(property, port, 'must be an integer 1..65535');
}

function validateSecretKey(errors: ValidationErrors, property: string, ref: SecretKeyReference): void {
  const problem = Rules.dns1123Subdomain(ref.secretName);
  if (problem) errors.add(`${property}.secretName`, ref.secretName, problem);
  if (!/^[-._a-zA-Z0-9]+$/.test(ref.key)) errors.add(`${property}.key`, ref.key, 'must be a Secret key: alphanumerics, \'-\', \'_\' or \'.\'');
}

/** Why a timestamp is not RFC 3339 with an offset (what Spilo's clone_with_wale.py and PostgreSQL both accept). */
function rfc3339Problem(value: string): string | undefined {
  const match = RFC3339.exec(value);
  const rule = 'must be an RFC 3339 timestamp with a UTC offset, e.g. "2026-11-20T10:00:00+00:00" or "2026-11-20T10:00:00Z" (Spilo refuses a time without a zone)';
  if (!match) return rule;
  const [, year, month, day, hour, minute, second, , , offsetHours, offsetMinutes] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)));
  const valid = date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day)
    && Number(hour) < 24 && Number(minute) < 60 && Number(second) < 60
    && (offsetHours === undefined || (Number(offsetHours) < 24 && Number(offsetMinutes) < 60));
  return valid ? undefined : `${rule}; this date or time does not exist`;
}
