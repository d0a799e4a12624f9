/**
 * Bash scripts of the logical backup feature (pg_dump / pg_dumpall / pg_restore), meant to be
 * shipped in a ConfigMap and run by a CronJob in the Spilo image (`bash <dir>/backup.sh`).
 * Each script's text is in its own module, written with the `bash` tag of bash.ts.
 */
import { BACKUP } from './backup-script';
import { COMMON } from './common-script';
import { RETENTION } from './retention-script';
import { STORAGE_LOCAL, STORAGE_WALG } from './storage-scripts';
import { VERIFY } from './verify-script';

/**
 * The scripts of the logical backup (pg_dump) feature, as file names and texts for a ConfigMap.
 *
 * Mount all of `files()` in one directory and run `bash <dir>/backup.sh` (backup, then verify, then retention)
 * in an image that ships the PostgreSQL clients under `PG_BIN_ROOT/<major>/bin` (Spilo does). `verify.sh`
 * and `retention.sh` also run on their own. Configuration is by environment only:
 *
 * - libpq: `PGHOST` (the primary: verify creates databases), `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`, ...
 * - all scripts: `PGAAS_CLUSTER` (required), `PGAAS_BACKUP_ROOT` (required), `PGAAS_STORAGE` (`local` or `walg`,
 *   default `local`),
 *   `PG_BIN_ROOT` (default `/usr/lib/postgresql`), `PGAAS_MAINTENANCE_DB` (default `postgres`)
 * - backup.sh: `PGAAS_DATABASES` (space-separated, empty = all non-template databases), `PGAAS_GLOBALS`
 *   (`1`/`0`, default `1`), `PGAAS_VERIFY_TABLES` (default 5), `PGAAS_VERIFY` (`1`/`0`, default `1`),
 *   `PGAAS_RETENTION` (>= 1, required)
 * - verify.sh: `PGAAS_VERIFY_BACKUP` (default newest complete), `PGAAS_VERIFY_KEEP` (`1`/`0`, default `0`),
 *   `PGAAS_VERIFY_TEMPLATE` (default `template0`)
 * - retention.sh: `PGAAS_RETENTION` (required), `PGAAS_KEEP_BACKUP`
 *
 * Flags take exactly `1` or `0`; anything else (`true`, `false`, ...) fails the script.
 *
 * Layout of storage `local`: `<PGAAS_BACKUP_ROOT>/<PGAAS_CLUSTER>/<YYYYmmddTHHMMSSZ>/` holding `<db>.dump`
 * (pg_dump custom format; a database name is kept as is when it is made of `[A-Za-z0-9_.-]`, other bytes
 * become `%XX`), `globals.sql.gz`, `manifest.json` and, written last, `SHA256SUMS`: a backup without it is
 * incomplete.
 *
 * The backup role needs: LOGIN, membership in `pg_read_all_data` (PostgreSQL 14+; or a superuser), CREATEDB
 * for verify's scratch databases, and BYPASSRLS when tables use row-level security. As a non-superuser the
 * globals are dumped without role passwords.
 */
export class LogicalBackupScripts {
  /** Helpers sourced by the other scripts. */
  public static readonly COMMON_FILE = 'common.sh';
  /** Storage implementation `local` (a directory), sourced for `PGAAS_STORAGE=local`. */
  public static readonly STORAGE_LOCAL_FILE = 'storage-local.sh';
  /** Storage implementation `walg` (S3, GCS or Azure through `wal-g st`), sourced for `PGAAS_STORAGE=walg`. */
  public static readonly STORAGE_WALG_FILE = 'storage-walg.sh';
  /** Entry point of the CronJob: backup, verify, retention. */
  public static readonly BACKUP_FILE = 'backup.sh';
  /** Restores a backup into scratch databases and checks it. */
  public static readonly VERIFY_FILE = 'verify.sh';
  /** Deletes backups beyond the retention. */
  public static readonly RETENTION_FILE = 'retention.sh';

  /** Shared helpers: logging, env validation, connection and client selection (`common.sh`). */
  public static common(): string {
    return COMMON;
  }

  /** The `local` storage: a directory such as a mounted PersistentVolumeClaim (`storage-local.sh`). */
  public static storageLocal(): string {
    return STORAGE_LOCAL;
  }

  /**
   * The `walg` storage: object storage through WAL-G's storage tools (`storage-walg.sh`). `PGAAS_BACKUP_ROOT` is
   * `s3://<bucket>/<path>`, `gs://<bucket>/<path>` or `azure://<container>/<path>`; credentials come from WAL-G's
   * environment. Objects are uploaded uncompressed and unencrypted by WAL-G (the dumps are compressed already).
   */
  public static storageWalg(): string {
    return STORAGE_WALG;
  }

  /** Dumps the databases and globals, writes the manifest and SHA256SUMS, verifies, applies retention (`backup.sh`). */
  public static backup(): string {
    return BACKUP;
  }

  /** Checks a complete backup by restoring it into scratch databases (`verify.sh`). */
  public static verify(): string {
    return VERIFY;
  }

  /** Keeps the configured number of complete backups (`retention.sh`). */
  public static retention(): string {
    return RETENTION;
  }

  /** Every script by file name: the data of the ConfigMap to mount in one directory. */
  public static files(): { [name: string]: string } {
    return {
      [LogicalBackupScripts.COMMON_FILE]: COMMON,
      [LogicalBackupScripts.STORAGE_LOCAL_FILE]: STORAGE_LOCAL,
      [LogicalBackupScripts.STORAGE_WALG_FILE]: STORAGE_WALG,
      [LogicalBackupScripts.BACKUP_FILE]: BACKUP,
      [LogicalBackupScripts.VERIFY_FILE]: VERIFY,
      [LogicalBackupScripts.RETENTION_FILE]: RETENTION,
    };
  }

  private constructor() {}
}
