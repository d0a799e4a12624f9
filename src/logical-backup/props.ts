import { Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { BackupTarget } from './backup-target';
import type { IPostgresCluster } from '../cluster/cluster-ref';
import type { Credentials } from '../credentials/credentials';

/** Properties of {@link BackupSchedule}. */
export interface BackupScheduleProps {
  /** The cluster to back up (its primary: verify creates scratch databases). */
  readonly cluster: IPostgresCluster;
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
