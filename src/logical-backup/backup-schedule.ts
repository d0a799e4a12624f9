import { ApiObject, Chart, Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { LogicalBackupScripts } from './logical-backup-scripts';
import { EXEMPTION_REASONS, exemptionAnnotations } from '../audit/exemptions';
import { PolicyCheck } from '../audit/policy-rules';
import { BackupStorage, StorageCredentialsKind } from '../backup/backup-storage';
import { walgStorageAccess } from '../backup/storage-env';
import type { PostgresCluster } from '../cluster/postgres-cluster';
import { Credentials, ResolvedCredentials } from '../credentials/credentials';
import type { RoleProps } from '../database/roles';
import { cronProblem } from '../private/cron';
import { contentHash, hashedName } from '../private/hash';
import { RESTRICTED_CONTAINER, restrictedJobPod, SPILO_GID } from '../private/job-pod';
import { ClusterNames, NETWORK_GROUP_LABEL } from '../private/names';
import { sizeQuantity } from '../private/quantities';
import { Rules, ValidationErrors, validateLabels } from '../private/validation';

/** Where logical backups are written. */
export enum BackupTargetKind {
  /** An existing PersistentVolumeClaim. */
  PERSISTENT_VOLUME_CLAIM = 'persistent-volume-claim',
  /** A PersistentVolumeClaim the construct creates. */
  NEW_PERSISTENT_VOLUME_CLAIM = 'new-persistent-volume-claim',
  /** Object storage (S3, GCS, Azure) through WAL-G. */
  OBJECT_STORAGE = 'object-storage',
}

/** Properties of {@link BackupTarget.newPersistentVolumeClaim}. */
export interface NewBackupVolumeProps {
  /** Size of the volume: room for `retention` backups plus one being written. */
  readonly size: Size;
  /**
   * StorageClass of the volume.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Name of the PersistentVolumeClaim.
   * @default - the name of the backup CronJob
   */
  readonly claimName?: string;
}

/** Where a {@link BackupSchedule} writes: a volume or object storage. */
export class BackupTarget {
  /** An existing PersistentVolumeClaim in the cluster's namespace (ReadWriteOnce is enough: one Job at a time). */
  public static persistentVolumeClaim(claimName: string): BackupTarget {
    return new BackupTarget(BackupTargetKind.PERSISTENT_VOLUME_CLAIM, { claimName });
  }

  /**
   * A new PersistentVolumeClaim, created with the CronJob. It carries the GitOps annotations that keep Argo CD
   * and Flux from pruning it (and the backups on it) when the manifest drops it.
   */
  public static newPersistentVolumeClaim(props: NewBackupVolumeProps): BackupTarget {
    const { claimName, size, storageClassName } = props;
    return new BackupTarget(BackupTargetKind.NEW_PERSISTENT_VOLUME_CLAIM, { claimName, size, storageClassName });
  }

  /** Object storage: `<bucket>[/<prefix>]/logical/<namespace>/<cluster>/<backup id>/`, uploaded with `wal-g st`. */
  public static objectStorage(storage: BackupStorage): BackupTarget {
    return new BackupTarget(BackupTargetKind.OBJECT_STORAGE, { storage });
  }

  /** The kind of target. */
  public readonly kind: BackupTargetKind;
  /** The claim name (volumes; for a new claim, when given). */
  public readonly claimName?: string;
  /** Size of a new claim. */
  public readonly size?: Size;
  /** StorageClass of a new claim. */
  public readonly storageClassName?: string;
  /** The object storage. */
  public readonly storage?: BackupStorage;

  private constructor(kind: BackupTargetKind, options: { claimName?: string; size?: Size; storageClassName?: string; storage?: BackupStorage }) {
    this.kind = kind;
    this.claimName = options.claimName;
    this.size = options.size;
    this.storageClassName = options.storageClassName;
    this.storage = options.storage;
  }
}

/** Properties of {@link BackupSchedule}. */
export interface BackupScheduleProps {
  /** The cluster to back up (its primary: verify creates scratch databases). */
  readonly cluster: PostgresCluster;
  /** Cron schedule (5 fields) of the backups, in `timeZone`. */
  readonly schedule: string;
  /** Where the backups go. */
  readonly storage: BackupTarget;
  /** Complete backups to keep (older ones are deleted after each successful, verified backup). */
  readonly retention: number;
  /**
   * Databases to dump.
   * @default - every database that is not a template and allows connections
   */
  readonly databases?: string[];
  /**
   * Restore every new backup into scratch databases and check it before retention runs; a failed check fails
   * the Job and keeps the older backups.
   * @default true
   */
  readonly verify?: boolean;
  /**
   * A second CronJob that verifies the newest complete backup on its own schedule (for example weekly, when
   * `verify` is off for large databases).
   * @default - none
   */
  readonly verifySchedule?: string;
  /**
   * Also dump roles and tablespaces (`pg_dumpall --globals-only`; without passwords unless the user is a superuser).
   * @default true
   */
  readonly globals?: boolean;
  /**
   * Login role the backups run as: a non-superuser with LOGIN, CREATEDB (verify), membership in
   * `pg_read_all_data` and BYPASSRLS (see {@link BackupSchedule.backupRole}). Its credentials come from
   * `cluster.userCredentials(user)` unless `credentials` is given.
   * @default BackupSchedule.DEFAULT_USER ("pgaas_backup")
   */
  readonly user?: string;
  /**
   * Credentials of the backup role (a Secret with its user name and password), instead of the cluster's.
   * @default - the cluster's credentials of `user`
   */
  readonly credentials?: Credentials;
  /**
   * Name of the CronJob (at most 52 characters); the verify CronJob gets "-verify" appended.
   * @default "<cluster>-backup-<id>"
   */
  readonly name?: string;
  /**
   * Image with bash, the PostgreSQL clients of the server's major under /usr/lib/postgresql/<major>/bin and, for
   * object storage, wal-g.
   * @default - the cluster's Spilo image
   */
  readonly image?: string;
  /**
   * Secrets for pulling the image.
   * @default - the cluster's
   */
  readonly imagePullSecrets?: string[];
  /**
   * Resources of the backup container.
   * @default - requests cpu 100m, memory 256Mi; limit memory 1Gi
   */
  readonly resources?: k8s.ResourceRequirements;
  /**
   * Time zone of the schedule (IANA name, CronJob `timeZone`).
   * @default - the kube-controller-manager's (usually UTC)
   */
  readonly timeZone?: string;
  /**
   * Longest run of one backup before it is stopped.
   * @default Duration.hours(6)
   */
  readonly activeDeadline?: Duration;
  /**
   * How late a missed run may still start (CronJob `startingDeadlineSeconds`).
   * @default Duration.hours(1)
   */
  readonly startingDeadline?: Duration;
  /**
   * Retries of a failed backup.
   * @default 1
   */
  readonly backoffLimit?: number;
  /**
   * Finished Jobs kept for inspection.
   * @default 3
   */
  readonly successfulJobsHistoryLimit?: number;
  /**
   * Failed Jobs kept for inspection.
   * @default 3
   */
  readonly failedJobsHistoryLimit?: number;
  /**
   * Size of the scratch space (/tmp): an emptyDir size limit, or the size of an ephemeral volume with
   * `scratchStorageClassName`. Object storage stages each backup there (room for the largest backup).
   * @default - an emptyDir without a limit
   */
  readonly scratchSize?: Size;
  /**
   * StorageClass of an ephemeral volume for the scratch space (requires `scratchSize`), for backups larger
   * than the node's disk.
   * @default - an emptyDir
   */
  readonly scratchStorageClassName?: string;
  /**
   * ServiceAccount of the backup pods (its token is never mounted).
   * @default - the cluster's ServiceAccount when the object storage uses workload identity, otherwise none
   */
  readonly serviceAccountName?: string;
  /**
   * Create the CronJobs suspended.
   * @default false
   */
  readonly suspend?: boolean;
  /**
   * Extra labels of every object.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** Directory of the scripts inside the backup container. */
const SCRIPTS_DIR = '/opt/pgaas/backup';
/** Mount path of the backup volume (PGAAS_BACKUP_ROOT for volume targets). */
const BACKUP_VOLUME_PATH = '/backup';
const SCRATCH_PATH = '/tmp';

/**
 * Scheduled logical backups of a cluster: a CronJob runs {@link LogicalBackupScripts} from a ConfigMap (dump each
 * database with the client of the server's major, verify by restoring into scratch databases, apply retention)
 * to a volume or object storage. One Job at a time, Pod Security "restricted", credentials only through
 * secretKeyRefs.
 */
export class BackupSchedule extends Construct {
  /** The default backup role. */
  public static readonly DEFAULT_USER = 'pgaas_backup';

  /**
   * The role declaration a cluster needs for {@link BackupSchedule} with a non-superuser: LOGIN, CREATEDB (verify's
   * scratch databases), BYPASSRLS (pg_dump refuses tables whose rows row-level security would hide) and
   * membership in `pg_read_all_data` (PostgreSQL 14+).
   */
  public static backupRole(name: string = BackupSchedule.DEFAULT_USER): RoleProps {
    return { name, login: true, createDb: true, bypassRls: true, memberOf: ['pg_read_all_data'] };
  }

  /** The backup CronJob. */
  public readonly cronJob: k8s.KubeCronJob;
  /** The NetworkPolicy of the backup pods, when the cluster has NetworkPolicies. */
  public readonly networkPolicy?: k8s.KubeNetworkPolicy;
  /** The verify CronJob, when `verifySchedule` is set. */
  public readonly verifyCronJob?: k8s.KubeCronJob;
  /** The ConfigMap holding the scripts (its name carries a hash of their content). */
  public readonly configMap: k8s.KubeConfigMap;
  /** The PersistentVolumeClaim, for `BackupTarget.newPersistentVolumeClaim`. */
  public readonly persistentVolumeClaim?: k8s.KubePersistentVolumeClaim;
  /** Where backups go: a directory in the container or an object storage URL (PGAAS_BACKUP_ROOT). */
  public readonly backupRoot: string;
  /** Name of the backup CronJob. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: BackupScheduleProps) {
    super(scope, id);
    const cluster = props.cluster;
    const errors = new ValidationErrors(`BackupSchedule ${this.node.path}`);
    const namespace = Chart.of(this).namespace;
    if (namespace !== cluster.namespace) {
      errors.add('namespace (of the Chart)', namespace, `must be the cluster's namespace (${cluster.namespace}): the Job reads the cluster's Secrets`);
    }
    const name = props.name ?? `${cluster.name}-backup-${id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')}`;
    const nameProblem = Rules.dns1123Subdomain(name) ?? (name.length > 52 ? `must be at most 52 characters (it has ${name.length}): the CronJob controller appends an 11-character suffix to Job names` : undefined);
    if (nameProblem) errors.add('name', name, nameProblem);
    for (const [property, schedule] of [['schedule', props.schedule], ['verifySchedule', props.verifySchedule]] as const) {
      if (schedule === undefined) continue;
      const problem = cronProblem(schedule);
      if (problem) errors.add(property, schedule, problem);
    }
    if (!Number.isInteger(props.retention) || props.retention < 1) errors.add('retention', props.retention, 'must be an integer >= 1');
    const databases = props.databases ?? [];
    for (const db of databases) {
      if (db === '' || /\s/.test(db)) errors.add('databases[]', db, 'must be a non-empty name without whitespace (the list is passed space-separated)');
    }
    if (props.databases !== undefined && databases.length === 0) errors.add('databases', databases, 'must list at least one database, or be left out for all');
    if (new Set(databases).size !== databases.length) errors.add('databases', databases, 'lists a database more than once');
    const target = props.storage;
    if (target.claimName !== undefined) {
      const problem = Rules.dns1123Subdomain(target.claimName);
      if (problem) errors.add('storage.claimName', target.claimName, problem);
    }
    if (target.storageClassName !== undefined) {
      const problem = Rules.dns1123Subdomain(target.storageClassName);
      if (problem) errors.add('storage.storageClassName', target.storageClassName, problem);
    }
    const positive = (property: string, value: number | undefined, min: number) => {
      if (value !== undefined && (!Number.isInteger(value) || value < min)) errors.add(property, value, `must be an integer >= ${min}`);
    };
    positive('backoffLimit', props.backoffLimit, 0);
    positive('successfulJobsHistoryLimit', props.successfulJobsHistoryLimit, 0);
    positive('failedJobsHistoryLimit', props.failedJobsHistoryLimit, 1);
    const activeDeadline = props.activeDeadline?.toSeconds() ?? 6 * 3600;
    const startingDeadline = props.startingDeadline?.toSeconds() ?? 3600;
    positive('activeDeadline (seconds)', activeDeadline, 60);
    positive('startingDeadline (seconds)', startingDeadline, 10);
    if (props.scratchStorageClassName !== undefined && props.scratchSize === undefined) {
      errors.add('scratchSize', undefined, 'must be set with scratchStorageClassName (the size of the ephemeral volume)');
    }
    validateLabels(errors, 'labels', props.labels);
    const user = props.user ?? BackupSchedule.DEFAULT_USER;
    let credentials: ResolvedCredentials | undefined;
    if (props.credentials) {
      credentials = props.credentials.resolve(new ClusterNames(cluster.name).credentialsSecret(user));
    } else if (!cluster.users.includes(user)) {
      errors.add('user', user, `is not a login user of cluster "${cluster.name}" (login users: ${cluster.users.join(', ')}); declare it in the cluster's roles (BackupSchedule.backupRole()), or pass credentials`);
    } else {
      credentials = cluster.userCredentials(user);
    }
    errors.throwIfAny();

    this.name = name;
    const labels = {
      ...props.labels,
      'app.kubernetes.io/name': 'postgresql-backup',
      // Not app.kubernetes.io/instance: Argo CD's label tracking owns that label.
      [NETWORK_GROUP_LABEL]: name,
      'app.kubernetes.io/part-of': cluster.name,
      'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
    };

    const volumes: k8s.Volume[] = [];
    const mounts: k8s.VolumeMount[] = [];
    const storageEnv: k8s.EnvVar[] = [];
    let storageKind = 'local';
    let serviceAccountName = props.serviceAccountName;
    if (target.kind === BackupTargetKind.OBJECT_STORAGE) {
      const storage = target.storage!;
      storageKind = 'walg';
      this.backupRoot = storage.url('logical', cluster.namespace);
      const access = walgStorageAccess(storage, 'storage-credentials');
      storageEnv.push(...access.env);
      volumes.push(...access.volumes);
      mounts.push(...access.volumeMounts);
      // Workload identity is the ServiceAccount's: the cluster's carries the annotations.
      if (storage.credentials.kind === StorageCredentialsKind.WORKLOAD_IDENTITY) serviceAccountName ??= cluster.rbac.serviceAccountName;
    } else {
      this.backupRoot = BACKUP_VOLUME_PATH;
      const claimName = target.claimName ?? name;
      if (target.kind === BackupTargetKind.NEW_PERSISTENT_VOLUME_CLAIM) {
        this.persistentVolumeClaim = new k8s.KubePersistentVolumeClaim(this, 'Volume', {
          metadata: {
            name: claimName,
            labels,
            // The backups must outlive a manifest change: GitOps tools leave the claim alone when it disappears.
            annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
          },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: target.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(sizeQuantity(target.size!)) } },
          },
        });
      }
      volumes.push({ name: 'backup', persistentVolumeClaim: { claimName } });
      mounts.push({ name: 'backup', mountPath: BACKUP_VOLUME_PATH });
    }

    const files = LogicalBackupScripts.files();
    const configMapName = hashedName(`${name}-scripts`, contentHash(files));
    this.configMap = new k8s.KubeConfigMap(this, 'Scripts', { metadata: { name: configMapName, labels }, data: files });

    const scratch: k8s.Volume = props.scratchStorageClassName
      ? {
        name: 'scratch',
        ephemeral: {
          volumeClaimTemplate: {
            metadata: { labels },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.scratchStorageClassName,
              resources: { requests: { storage: k8s.Quantity.fromString(sizeQuantity(props.scratchSize!)) } },
            },
          },
        },
      }
      : { name: 'scratch', emptyDir: props.scratchSize ? { sizeLimit: k8s.Quantity.fromString(sizeQuantity(props.scratchSize)) } : {} };
    volumes.unshift({ name: 'scripts', configMap: { name: configMapName, defaultMode: 0o444 } }, scratch);
    mounts.unshift({ name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true }, { name: 'scratch', mountPath: SCRATCH_PATH });

    const env: k8s.EnvVar[] = [
      // The primary: verify creates and drops scratch databases.
      { name: 'PGHOST', value: cluster.primaryHost },
      { name: 'PGPORT', value: String(cluster.port) },
      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: credentials!.secretName, key: credentials!.usernameKey } } },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: credentials!.secretName, key: credentials!.passwordKey } } },
      // Spilo rejects non-TLS connections from the network.
      { name: 'PGSSLMODE', value: 'require' },
      { name: 'PGAAS_CLUSTER', value: cluster.name },
      { name: 'PGAAS_STORAGE', value: storageKind },
      { name: 'PGAAS_BACKUP_ROOT', value: this.backupRoot },
      { name: 'PGAAS_RETENTION', value: String(props.retention) },
      // The scripts take flags as exactly 1 or 0.
      { name: 'PGAAS_VERIFY', value: props.verify ?? true ? '1' : '0' },
      { name: 'PGAAS_GLOBALS', value: props.globals ?? true ? '1' : '0' },
      ...databases.length > 0 ? [{ name: 'PGAAS_DATABASES', value: databases.join(' ') }] : [],
      { name: 'TMPDIR', value: SCRATCH_PATH },
      // The root filesystem is read-only: psql and wal-g find their (absent) dotfiles in the scratch space.
      { name: 'HOME', value: SCRATCH_PATH },
      ...storageEnv,
    ];

    const image = props.image ?? cluster.image;
    const pullSecrets = props.imagePullSecrets ?? cluster.imagePullSecrets;
    const pod = (container: string, script: string): k8s.PodSpec => {
      const spec = restrictedJobPod({
        serviceAccountName,
        automountToken: false,
        imagePullSecrets: pullSecrets.length > 0 ? pullSecrets : undefined,
        volumes,
        containers: [{
          name: container,
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['bash', `${SCRIPTS_DIR}/${script}`],
          env,
          resources: props.resources ?? {
            requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('256Mi') },
            // Throttling a dump only makes it slower.
            limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
          },
          securityContext: RESTRICTED_CONTAINER,
          volumeMounts: mounts,
        }],
      });
      // fsGroup: the backup volume and the scratch space are writable by Spilo's postgres group.
      return { ...spec, securityContext: { ...spec.securityContext, fsGroup: SPILO_GID, fsGroupChangePolicy: 'OnRootMismatch' } };
    };
    // One label of their own, so the NetworkPolicy selects exactly the backup pods.
    const podLabels = { ...labels, [NETWORK_GROUP_LABEL]: name };
    const exemptions: Array<[PolicyCheck, string]> = [
      [PolicyCheck.IMAGE_PULL_POLICY, EXEMPTION_REASONS.imagePull],
      [PolicyCheck.HIGH_UID, EXEMPTION_REASONS.spiloUid],
      [PolicyCheck.EPHEMERAL_STORAGE, 'dumps are staged in scratch space whose size follows the database; a limit would evict a backup mid-run (scratchSize gives it a volume of its own)'],
      ...(cluster.networkPolicy ? [[PolicyCheck.NETWORK_POLICY_RULES, EXEMPTION_REASONS.jobNoIngress] as [PolicyCheck, string]] : []),
    ];
    const cronJob = (cronId: string, cronName: string, schedule: string, container: string, script: string) => new k8s.KubeCronJob(this, cronId, {
      metadata: { name: cronName, labels, annotations: exemptionAnnotations(exemptions) },
      spec: {
        schedule,
        timeZone: props.timeZone,
        // Never two runs at once: a backup still running when the next is due makes the next one skip.
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: startingDeadline,
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
        suspend: props.suspend,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: props.backoffLimit ?? 1,
            activeDeadlineSeconds: activeDeadline,
            template: { metadata: { labels: podLabels }, spec: pod(container, script) },
          },
        },
      },
    });
    this.cronJob = cronJob('CronJob', name, props.schedule, 'backup', LogicalBackupScripts.BACKUP_FILE);
    if (cluster.networkPolicy) {
      // The backup pods reach only DNS, the members and (for object storage) HTTPS; the members accept them.
      const storageEndpoint = target.kind === BackupTargetKind.OBJECT_STORAGE ? { cidrs: ['0.0.0.0/0', '::/0'], port: 443 } : undefined;
      const suffix = name.startsWith(`${cluster.name}-`) ? name.slice(cluster.name.length + 1) : name;
      this.networkPolicy = cluster.networkPolicy.addDatabaseClientJob(`BackupSchedule-${this.node.addr}`, suffix, { [NETWORK_GROUP_LABEL]: name }, storageEndpoint);
    }
    this.cronJob.addDependency(this.configMap);
    if (this.persistentVolumeClaim) this.cronJob.addDependency(this.persistentVolumeClaim);
    if (props.verifySchedule !== undefined) {
      this.verifyCronJob = cronJob('VerifyCronJob', `${name}-verify`.slice(0, 52), props.verifySchedule, 'verify', LogicalBackupScripts.VERIFY_FILE);
      this.verifyCronJob.addDependency(this.configMap);
    }
  }

  /** Every object of the schedule. */
  public get apiObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }
}
