import { AlertThresholds } from './props';

/** One Prometheus alerting rule, as PrometheusRule and promtool take it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** Every threshold with its default applied; the base backup's default depends on the cluster's schedule. */
export type ResolvedThresholds = Required<Omit<AlertThresholds, 'baseBackupMaxAgeHours'>> & Pick<AlertThresholds, 'baseBackupMaxAgeHours'>;

/** Hours added to the longest gap of the base backup schedule: the time a backup takes to finish. */
export const BASE_BACKUP_MARGIN_HOURS = 2;

export const DEFAULT_THRESHOLDS: ResolvedThresholds = {
  replicaLagBytes: 256 * 1024 * 1024,
  replicaLagSeconds: 300,
  walArchiveReadySegments: 20,
  connectionSaturation: 0.85,
  longTransactionSeconds: 1800,
  xidAge: 1_000_000_000,
  volumeForecastHours: 24,
  volumeUsage: 0.9,
  restarts: 2,
  logicalBackupMaxAgeHours: 26,
  poolerClientWaitSeconds: 10,
  poolerClientSaturation: 0.85,
};

/** What the alerts of one cluster select on. */
export interface AlertTarget {
  readonly name: string;
  readonly namespace: string;
  readonly instances: number;
  /** Whether WAL archiving is configured (the archiving alerts only then). */
  readonly walArchiving: boolean;
  /** Name prefix of the cluster's logical backup CronJobs (`<name>-backup-`). */
  readonly logicalBackupPrefix: string;
  /**
   * Hours of the longest gap of the base backup schedule, when the primary takes base backups (Spilo's cron with
   * `backup`, not from a replica); `PostgresBaseBackupStale` exists only then.
   */
  readonly baseBackupScheduleGapHours?: number;
  /** Whether the cluster has a connection pooler (its exporter's alerts only then). */
  readonly pooler?: boolean;
  readonly thresholds: ResolvedThresholds;
}

/** The label the PodMonitor copies from the members' `cluster-name` label onto every series. */
export const CLUSTER_LABEL = 'cluster_name';
/** The label the pooler's PodMonitor copies from its pods' `connection-pooler` label (the tier). */
export const POOLER_TIER_LABEL = 'connection_pooler';

function regexQuote(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

/**
 * The alerts of one cluster. The exporter's and Patroni's series carry `namespace` and
 * `cluster_name` (the PodMonitor adds them); kubelet's and kube-state-metrics' are matched by the
 * cluster's object names. Each alert says what it means and what to do.
 */
export function clusterAlerts(target: AlertTarget): AlertRule[] {
  const t = target.thresholds;
  const sel = `namespace="${target.namespace}", ${CLUSTER_LABEL}="${target.name}"`;
  const by = `by (namespace, ${CLUSTER_LABEL})`;
  const members = `${regexQuote(target.name)}-[0-9]+`;
  const rule = (alert: string, expr: string, duration: string, severity: 'critical' | 'warning', summary: string, runbook: string): AlertRule => ({
    alert,
    expr,
    for: duration,
    labels: { severity, [CLUSTER_LABEL]: target.name },
    annotations: { summary: `${target.namespace}/${target.name}: ${summary}`, runbook },
  });
  const rules: AlertRule[] = [
    rule('PostgresNoLeader', `sum ${by} (patroni_primary{${sel}}) < 1`, '1m', 'critical',
      'no member is the Patroni leader',
      'Writes fail. Check the members (`kubectl get pods -l cluster-name=' + target.name + '`), Patroni logs and the `' + target.name +
      '-leader` ConfigMap. Patroni elects a leader within ttl when one healthy member can reach the API server; if none can, fix the API server access or the NetworkPolicy first.'),
    rule('PostgresMultipleLeaders', `sum ${by} (patroni_primary{${sel}}) > 1`, '1m', 'critical',
      'more than one member claims to be the leader',
      'Split-brain risk. Patroni demotes a member that cannot renew the leader lock within ttl. If it persists, compare each member\'s role (`curl <member>:8008/patroni`) with the `leader` annotation of the `' + target.name +
      '-leader` ConfigMap and restart the member that does not hold the lock; never delete the leader ConfigMap.'),
    rule('PostgresFailoverHappened', `max ${by} (patroni_postgres_timeline{${sel}}) > max ${by} (patroni_postgres_timeline{${sel}} offset 10m)`, '0m', 'warning',
      'the timeline changed: a failover or switchover happened in the last 10 minutes',
      'Check why the old leader lost its lock (Patroni logs, node events, OOM kills). A planned switchover (rolling update, drain) also moves the timeline; no action if that was intended.'),
    rule('PostgresReplicaLagHigh', `max by (namespace, ${CLUSTER_LABEL}, application_name) (pgaas_replication_lag_bytes{${sel}}) > ${t.replicaLagBytes}` +
      ` or max by (namespace, ${CLUSTER_LABEL}, application_name) (pgaas_replication_replay_lag_seconds{${sel}}) > ${t.replicaLagSeconds}`, '5m', 'warning',
    'a replica is behind the primary (lag bytes or seconds over the threshold)',
    'A lagging replica serves stale reads and is skipped by failover beyond maximum_lag_on_failover. Check its I/O and CPU, long queries on it (hot_standby_feedback), and the network; a replica that cannot catch up can be reinitialized (`patronictl reinit`).'),
    rule('PostgresReplicaNotStreaming', `pgaas_recovery_in_recovery{${sel}} == 1 and pgaas_recovery_wal_receiver_streaming{${sel}} == 0`, '5m', 'warning',
      'a replica does not stream WAL from the primary',
      'The replica replays from the archive or not at all. Check its Patroni log for replication errors (credentials, pg_hba, missing WAL), the NetworkPolicy, and the primary\'s replication slots.'),
    rule('PostgresConnectionsSaturated',
      `pgaas_activity_connections{${sel}} / (pgaas_activity_max_connections{${sel}} - pgaas_activity_reserved_connections{${sel}}) > ${t.connectionSaturation}`, '5m', 'warning',
      'client connections near max_connections',
      'New connections will be refused. Find who holds them (pg_stat_activity by usename and application_name), put clients behind the connection pooler, or raise max_connections (needs a restart).'),
    rule('PostgresLongTransaction', `pgaas_activity_longest_transaction_seconds{${sel}} > ${t.longTransactionSeconds}`, '2m', 'warning',
      'a transaction has been open for long',
      'Long transactions hold back vacuum (bloat, wraparound) and locks. Find it in pg_stat_activity (xact_start, state) and end it with pg_cancel_backend/pg_terminate_backend if the owner agrees.'),
    rule('PostgresXidWraparoundRisk', `max by (namespace, ${CLUSTER_LABEL}, datname) (pgaas_database_xid_age{${sel}}) > ${t.xidAge}`, '10m', 'critical',
      'transaction IDs approach wraparound (PostgreSQL stops writes at about 2^31)',
      'Autovacuum is not freezing fast enough. Look for long transactions, abandoned replication slots and prepared transactions; then run VACUUM (FREEZE) on the oldest tables of the database.'),
    rule('PostgresVolumeFillingUp',
      `predict_linear(kubelet_volume_stats_available_bytes{namespace="${target.namespace}", persistentvolumeclaim=~"pgdata-${members}"}[6h], ${t.volumeForecastHours} * 3600) < 0`,
      '30m', 'warning', `a member's volume is forecast to fill up within ${t.volumeForecastHours} hours`,
      'A full volume stops PostgreSQL. Check WAL retention (archiving failures, inactive replication slots), bloat and data growth; expand the PVC (the storage class must allow expansion) before it fills.'),
    rule('PostgresVolumeAlmostFull',
      `1 - kubelet_volume_stats_available_bytes{namespace="${target.namespace}", persistentvolumeclaim=~"pgdata-${members}"} / kubelet_volume_stats_capacity_bytes{namespace="${target.namespace}", persistentvolumeclaim=~"pgdata-${members}"} > ${t.volumeUsage}`,
      '5m', 'critical', 'a member\'s volume is almost full',
      'Act now: a full volume stops PostgreSQL. Free WAL (fix archiving, drop unused replication slots) or expand the PVC.'),
    rule('PostgresExporterDown', `up{${sel}} == 0`, '5m', 'warning',
      'a metrics endpoint of a member or pooler pod cannot be scraped',
      'The other alerts are blind for this member or pooler pod. Check the exporter sidecar\'s log (credentials of the monitoring role, TLS), ' +
      'the pooler\'s pgbouncer-exporter log (the pooler role\'s password, PgBouncer running) or Patroni\'s REST API, and the NetworkPolicy\'s metrics peers.'),
    rule('PostgresMemberRestarting',
      `increase(kube_pod_container_status_restarts_total{namespace="${target.namespace}", pod=~"${members}"}[30m]) > ${t.restarts}`, '0m', 'warning',
      'a member\'s container keeps restarting',
      'Check `kubectl describe pod` (OOMKilled, failing probes) and the previous log (`kubectl logs --previous`). Memory limits below shared_buffers plus work_mem load are the usual cause.'),
    rule('PostgresLogicalBackupFailed',
      `increase(kube_job_status_failed{namespace="${target.namespace}", job_name=~"${regexQuote(target.logicalBackupPrefix)}.*"}[1h]) > 0`, '0m', 'warning',
      'a logical backup or its verification Job failed',
      'Read the failed Job\'s log (`kubectl logs job/<name>`): storage credentials, space, or a restore check that found a difference. The next run does not fix a broken configuration.'),
    rule('PostgresLogicalBackupStale',
      `time() - kube_cronjob_status_last_successful_time{namespace="${target.namespace}", cronjob=~"${regexQuote(target.logicalBackupPrefix)}.*"} > ${t.logicalBackupMaxAgeHours} * 3600`,
      '0m', 'warning', `no successful logical backup for ${t.logicalBackupMaxAgeHours} hours`,
      'Check the CronJob (suspended? schedule?) and the recent Jobs\' logs; trigger one by hand with `kubectl create job --from=cronjob/<name>`.'),
  ];
  if (target.instances > 1) {
    // A replica whose pod is gone (evicted, Pending) has no exporter to report it: count from the primary.
    // With none streaming there is no pg_stat_replication row; the primary's own series then stands for 0.
    rules.push(rule('PostgresReplicasMissing',
      `(sum ${by} (pgaas_replication_streaming{${sel}}) or sum ${by} (pgaas_recovery_in_recovery{${sel}} == 0) * 0) < ${target.instances - 1}`, '10m', 'warning',
      `fewer than ${target.instances - 1} replicas stream from the primary`,
      'Failover has fewer candidates and reads fewer replicas. Find the missing members (`kubectl get pods -l cluster-name=' + target.name +
      '`): Pending (no node, volume zone), crash-looping, or running but not replicating (see PostgresReplicaNotStreaming).'));
  }
  if (target.walArchiving) {
    rules.push(
      rule('PostgresWalArchivingFailing', `increase(pgaas_archiver_failed_count{${sel}}[10m]) > 0 and pgaas_recovery_in_recovery{${sel}} == 0`, '10m', 'critical',
        'archive_command keeps failing',
        'Point-in-time recovery and new replicas depend on the archive, and pg_wal grows until the volume fills. Check WAL-G\'s errors in the member\'s log (credentials, bucket, network to the object storage).'),
      rule('PostgresWalArchivingBehind', `pgaas_archiver_ready_segments{${sel}} > ${t.walArchiveReadySegments}`, '15m', 'warning',
        'WAL segments pile up waiting to be archived',
        'Archiving is slower than WAL production or stalled. Check WAL-G\'s throughput and errors, the object storage, and the member\'s CPU.'),
    );
  }
  if (target.baseBackupScheduleGapHours !== undefined) {
    const hours = t.baseBackupMaxAgeHours ?? target.baseBackupScheduleGapHours + BASE_BACKUP_MARGIN_HOURS;
    // The newest trace on any member: a former primary keeps its backup history file, and a new primary
    // counts from its promotion (its timeline history file) until its first scheduled backup.
    rules.push(rule('PostgresBaseBackupStale',
      `time() - max ${by} ({__name__=~"pgaas_base_backup_last_timestamp_seconds|pgaas_base_backup_timeline_timestamp_seconds", ${sel}}) > ${hours} * 3600`,
      '30m', 'warning', `no base backup finished on the primary for ${hours} hours`,
      'Point-in-time recovery needs a recent base backup, and restores replay ever more WAL. List the backups ' +
      '(`kubectl exec <primary> -c postgres -- envdir /run/etc/wal-e.d/env wal-g backup-list`), then run one by hand and read its output ' +
      '(`kubectl exec <primary> -c postgres -- envdir /run/etc/wal-e.d/env /scripts/postgres_backup.sh /home/postgres/pgdata/pgroot/data`): ' +
      'storage credentials, space, network to the object storage.'));
  }
  if (target.pooler) rules.push(...poolerAlerts(target.namespace, target.name, t, rule));
  return rules;
}

type RuleFactory = (alert: string, expr: string, duration: string, severity: 'critical' | 'warning', summary: string, runbook: string) => AlertRule;

/** The alerts on the pooler's exporter (prometheus-community pgbouncer_exporter metric names). */
function poolerAlerts(namespace: string, name: string, t: ResolvedThresholds, rule: RuleFactory): AlertRule[] {
  const sel = `namespace="${namespace}", ${CLUSTER_LABEL}="${name}"`;
  const byPool = `by (namespace, ${CLUSTER_LABEL}, ${POOLER_TIER_LABEL}, database)`;
  const byPod = `by (namespace, ${CLUSTER_LABEL}, ${POOLER_TIER_LABEL}, pod)`;
  return [
    rule('PostgresPoolerClientsWaiting', `max ${byPool} (pgbouncer_pools_client_maxwait_seconds{${sel}}) > ${t.poolerClientWaitSeconds}`, '2m', 'warning',
      `clients of the pooler wait more than ${t.poolerClientWaitSeconds} s for a server connection`,
      'The pool of this database is exhausted: every server connection is busy. Look for long transactions or slow queries ' +
      '(PostgresLongTransaction, the pooled users\' sessions in pg_stat_activity), clients that hold transactions open in transaction mode, ' +
      'or a primary that is down (PostgresNoLeader). Raise defaultPoolSize only within the cluster\'s max_connections budget.'),
    rule('PostgresPoolerClientsSaturated',
      `sum ${byPod} (pgbouncer_pools_client_active_connections{${sel}} + pgbouncer_pools_client_waiting_connections{${sel}})` +
      ` / sum ${byPod} (pgbouncer_config_max_client_connections{${sel}}) > ${t.poolerClientSaturation}`, '5m', 'warning',
      'a pooler pod is close to max_client_conn',
      'New client connections to this pooler pod will be refused. Find the clients (SHOW CLIENTS on the pgbouncer admin database, ' +
      'or the applications\' own pools), add pooler replicas, or raise maxClientConnections.'),
  ];
}
