/**
 * The custom queries of the PostgreSQL exporter sidecar (postgres_exporter's `--extend.query-path`
 * format), run as a member of `pg_monitor`. Each metric is `<query name>_<column>`. The alerts and
 * the dashboard use only these, the exporter's `pg_up`, and Patroni's `/metrics`. Supported on
 * PostgreSQL 12 and later (`pg_ls_archive_statusdir`, `pg_ls_waldir`).
 */

type Usage = 'LABEL' | 'GAUGE' | 'COUNTER';

/** One query of the exporter: its SQL and what each column becomes. */
export interface ExporterQuery {
  readonly query: string;
  /** Run on the database the exporter connects to only (never once per discovered database). */
  readonly master: boolean;
  readonly metrics: Array<Record<string, { usage: Usage; description: string }>>;
}

const column = (name: string, usage: Usage, description: string) => ({ [name]: { usage, description } });

export const EXPORTER_QUERIES: Record<string, ExporterQuery> = {
  // On the primary: one row per connected replica. pg_current_wal_lsn() fails during recovery, hence the guard.
  pgaas_replication: {
    query: [
      'SELECT application_name,',
      "  (state = 'streaming')::int AS streaming,",
      '  COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0) AS lag_bytes,',
      '  COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) AS replay_lag_seconds',
      'FROM pg_stat_replication WHERE NOT pg_is_in_recovery()',
    ].join('\n'),
    master: true,
    metrics: [
      column('application_name', 'LABEL', 'Patroni member name of the replica'),
      column('streaming', 'GAUGE', '1 if the replica is streaming, 0 while it catches up or starts'),
      column('lag_bytes', 'GAUGE', 'WAL bytes the replica has not replayed yet'),
      column('replay_lag_seconds', 'GAUGE', 'Time until the replica replayed recent WAL (pg_stat_replication.replay_lag)'),
    ],
  },
  // On every member: its role and, on a replica, whether it streams and how far its replay is behind.
  pgaas_recovery: {
    query: [
      'SELECT pg_is_in_recovery()::int AS in_recovery,',
      "  COALESCE((SELECT (status = 'streaming')::int FROM pg_stat_wal_receiver LIMIT 1), 0) AS wal_receiver_streaming,",
      '  CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0',
      '    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END AS replay_lag_seconds',
    ].join('\n'),
    master: true,
    metrics: [
      column('in_recovery', 'GAUGE', '1 on a replica (in recovery), 0 on the primary'),
      column('wal_receiver_streaming', 'GAUGE', '1 if the WAL receiver streams from the primary'),
      column('replay_lag_seconds', 'GAUGE', 'Seconds since the last replayed transaction while WAL is pending (0 when caught up)'),
    ],
  },
  pgaas_archiver: {
    query: [
      'SELECT archived_count, failed_count,',
      '  COALESCE(EXTRACT(EPOCH FROM now() - last_archived_time), -1) AS last_archived_age_seconds,',
      "  (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready') AS ready_segments",
      'FROM pg_stat_archiver',
    ].join('\n'),
    master: true,
    metrics: [
      column('archived_count', 'COUNTER', 'WAL files archived successfully'),
      column('failed_count', 'COUNTER', 'Failed attempts to archive a WAL file'),
      column('last_archived_age_seconds', 'GAUGE', 'Seconds since the last successful archive (-1: never)'),
      column('ready_segments', 'GAUGE', 'WAL segments waiting to be archived'),
    ],
  },
  // Traces of base backups and promotions in pg_wal (pg_ls_waldir, granted to pg_monitor): pg_backup_stop on the
  // primary (WAL-G's backup-push, pg_basebackup) writes a backup history file `<segment>.<offset>.backup` and removes
  // the older archived ones; a promotion writes `<timeline>.history`. Neither is written on a standby.
  pgaas_base_backup: {
    query: [
      "SELECT COALESCE(EXTRACT(EPOCH FROM max(modification) FILTER (WHERE name LIKE '%.backup')), 0) AS last_timestamp_seconds,",
      "  COALESCE(EXTRACT(EPOCH FROM max(modification) FILTER (WHERE name LIKE '%.history')), 0) AS timeline_timestamp_seconds",
      'FROM pg_ls_waldir()',
    ].join('\n'),
    master: true,
    metrics: [
      column('last_timestamp_seconds', 'GAUGE', 'End of the newest base backup taken on this member while primary (its backup history file in pg_wal; 0: none)'),
      column('timeline_timestamp_seconds', 'GAUGE', 'When this member last saw a new timeline begin (newest timeline history file in pg_wal; 0: none)'),
    ],
  },
  pgaas_activity: {
    query: [
      "SELECT count(*) FILTER (WHERE backend_type = 'client backend') AS connections,",
      "  current_setting('max_connections')::int AS max_connections,",
      "  current_setting('superuser_reserved_connections')::int AS reserved_connections,",
      "  COALESCE(max(EXTRACT(EPOCH FROM now() - xact_start)) FILTER (WHERE backend_type = 'client backend' AND state <> 'idle'), 0)",
      '    AS longest_transaction_seconds',
      'FROM pg_stat_activity',
    ].join('\n'),
    master: true,
    metrics: [
      column('connections', 'GAUGE', 'Client connections'),
      column('max_connections', 'GAUGE', 'max_connections'),
      column('reserved_connections', 'GAUGE', 'superuser_reserved_connections'),
      column('longest_transaction_seconds', 'GAUGE', 'Age of the oldest open transaction (including idle in transaction)'),
    ],
  },
  pgaas_database: {
    query: 'SELECT datname, pg_database_size(datname) AS size_bytes, age(datfrozenxid) AS xid_age FROM pg_database WHERE datallowconn',
    master: true,
    metrics: [
      column('datname', 'LABEL', 'Database'),
      column('size_bytes', 'GAUGE', 'Size of the database'),
      column('xid_age', 'GAUGE', 'Transaction-ID age of the oldest unfrozen row (wraparound at about 2^31)'),
    ],
  },
};

/** Every metric name the queries produce. */
export function exporterMetricNames(): string[] {
  return Object.entries(EXPORTER_QUERIES).flatMap(([prefix, q]) =>
    q.metrics.flatMap((m) => Object.entries(m).filter(([, c]) => c.usage !== 'LABEL').map(([name]) => `${prefix}_${name}`)));
}

/** The queries file: JSON, which is YAML the exporter reads, and stable byte for byte. */
export function exporterQueriesFile(): string {
  return JSON.stringify(EXPORTER_QUERIES, undefined, 2) + '\n';
}
