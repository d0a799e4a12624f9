import { BackupStorage } from './backup-storage';

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
